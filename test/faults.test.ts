/**
 * Every fault variant is caught by the check it names, and the same check
 * passes on the reference backend: a check that cannot fail is not a check.
 */
import path from 'node:path';
import { GenericContainer } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faultVariants } from '../fixtures/faults/catalog.ts';
import { CheckFailedError, type CheckSpec, type Verdict } from '../src/checks/check.ts';
import { loadConfig } from '../src/config/load.ts';
import { resolveImages } from '../src/environments/local/images.ts';
import { removeRunResources } from '../src/environments/local/resources.ts';
import { buildTargetImage } from '../src/environments/local/target.ts';
import { newRunId } from '../src/environments/run-context.ts';
import { containerChecks, probeHonoursPort, probeStartsHealthy } from '../src/probes/container.ts';

process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
const runId = newRunId();
const withinMs = 15_000;
// Liveness never touches the database, so an unreachable one is enough here.
const environment = { DATABASE_URL: 'postgres://shipshape:unused@postgres.invalid:5432/shipshape?sslmode=require' };

const probes: Record<string, { spec: CheckSpec; run: (image: string) => Promise<Verdict> }> = {
  [containerChecks.honoursPort.id]: {
    spec: containerChecks.honoursPort,
    run: (image) =>
      probeHonoursPort({
        image,
        networkName: 'bridge',
        runId,
        environment,
        healthPath: '/health',
        defaultPort: 8000,
        withinMs,
      }),
  },
  [containerChecks.healthyWithinBound.id]: {
    spec: containerChecks.healthyWithinBound,
    run: (image) =>
      probeStartsHealthy({
        image,
        networkName: 'bridge',
        runId,
        environment,
        healthPath: '/health',
        port: 8000,
        withinMs,
      }),
  },
};

let referenceImage: string;

beforeAll(async () => {
  const config = await loadConfig({ envName: 'local' });
  const images = await resolveImages(config.images);
  ({ image: referenceImage } = await buildTargetImage({
    context: config.target.context,
    dockerfile: config.target.dockerfile,
    buildArgs: { BASE_IMAGE: images.base },
    tag: 'shipshape-selftest/reference:latest',
  }));
});

afterAll(async () => {
  await removeRunResources(runId);
});

describe.each(faultVariants)('fault $name', (fault) => {
  const probe = probes[fault.caughtBy];

  it('names a check this test knows how to run', () => {
    expect(probe, `no probe registered for ${fault.caughtBy}`).toBeDefined();
  });

  it(`${fault.caughtBy} passes on the reference backend`, async () => {
    const verdict = await probe!.run(referenceImage);
    expect(verdict).toMatchObject({ status: 'passed' });
  });

  it(`${fault.caughtBy} fails on the variant, with its id and hint`, async () => {
    const image = `shipshape-selftest/fault-${fault.name}:latest`;
    await GenericContainer.fromDockerfile(path.resolve(fault.dir))
      .withBuildArgs({ TARGET_IMAGE: referenceImage })
      .build(image, { deleteOnExit: false });
    const verdict = await probe!.run(image);
    expect(verdict.status).toBe('failed');
    const report = new CheckFailedError(probe!.spec, verdict as Verdict & { status: 'failed' }).message;
    expect(report).toContain(fault.caughtBy);
    expect(report).toContain(`hint: ${probe!.spec.hint}`);
  });
});
