/**
 * Every fault variant is caught by the check it names, and the same check
 * passes on the reference backend: a check that cannot fail is not a check.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faultVariants } from '../fixtures/faults/catalog.ts';
import { CheckFailedError, type CheckSpec, type Verdict } from '../src/checks/check.ts';
import { loadConfig } from '../src/config/load.ts';
import { resolveImages, targetBuildArgs } from '../src/environments/local/images.ts';
import { removeRunResources } from '../src/environments/local/resources.ts';
import { buildImage, type ImageBuild } from '../src/environments/local/image-build.ts';
import { newRunId } from '../src/environments/run-context.ts';
import { unreachableDependencies } from './support/unreachable-dependencies.ts';
import { containerChecks, probeHonoursPort, probeImageBuilds, probeStartsHealthy } from '../src/probes/container.ts';

process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
const runId = newRunId();
const withinMs = 15_000;
const environment = unreachableDependencies;

let referenceImage: string;
let referenceBuild: ImageBuild;

/** Builds the variant (which must build) and returns its image. */
async function built(build: ImageBuild): Promise<string> {
  return (await buildImage(build)).image;
}

const common = { networkName: 'bridge', runId, environment, healthPath: '/health', withinMs };
const probes: Record<string, { spec: CheckSpec; run: (build: ImageBuild) => Promise<Verdict> }> = {
  [containerChecks.imageBuilds.id]: {
    spec: containerChecks.imageBuilds,
    run: (build) => probeImageBuilds(build),
  },
  [containerChecks.honoursPort.id]: {
    spec: containerChecks.honoursPort,
    run: async (build) => probeHonoursPort({ ...common, image: await built(build), defaultPort: 8000 }),
  },
  [containerChecks.healthyWithinBound.id]: {
    spec: containerChecks.healthyWithinBound,
    run: async (build) => probeStartsHealthy({ ...common, image: await built(build), port: 8000 }),
  },
};

beforeAll(async () => {
  const config = await loadConfig({ envName: 'local' });
  const images = await resolveImages(config.images, ['base', 'runtime']);
  referenceBuild = {
    context: config.target.context,
    dockerfile: config.target.dockerfile,
    buildArgs: targetBuildArgs(images),
    tag: 'shipshape-selftest/reference:latest',
  };
  referenceImage = await built(referenceBuild);
});

afterAll(async () => {
  await removeRunResources(runId);
});

describe.concurrent.each(faultVariants)('fault $name', (fault) => {
  const probe = probes[fault.caughtBy];

  it('names a check this test knows how to run', () => {
    expect(probe, `no probe registered for ${fault.caughtBy}`).toBeDefined();
  });

  it(`${fault.caughtBy} passes on the reference backend`, async () => {
    const verdict = await probe!.run(referenceBuild);
    expect(verdict).toMatchObject({ status: 'passed' });
  });

  it(`${fault.caughtBy} fails on the variant, with its id and hint`, async () => {
    const verdict = await probe!.run({
      context: fault.dir,
      dockerfile: 'Dockerfile',
      buildArgs: { TARGET_IMAGE: referenceImage },
      tag: `shipshape-selftest/fault-${fault.name}:latest`,
    });
    expect(verdict.status).toBe('failed');
    const report = new CheckFailedError(probe!.spec, verdict as Verdict & { status: 'failed' }).message;
    expect(report).toContain(fault.caughtBy);
    expect(report).toContain(`hint: ${probe!.spec.hint}`);
    expect(report).toContain(fault.symptom);
  });
});

it('a failed build is not masked by an older image under the same tag', async () => {
  const fault = faultVariants.find((variant) => variant.caughtBy === containerChecks.imageBuilds.id)!;
  const verdict = await probeImageBuilds({
    context: fault.dir,
    dockerfile: 'Dockerfile',
    buildArgs: { TARGET_IMAGE: referenceImage },
    tag: referenceBuild.tag,
  });
  expect(verdict).toMatchObject({ status: 'failed', message: expect.stringContaining(fault.symptom) });
});
