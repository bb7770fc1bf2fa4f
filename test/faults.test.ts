/**
 * Every broken variant in fixtures/faults is caught by the check it names,
 * through the real runner (`npm test -- --check=<id>` against the variant),
 * and every such check passes on the good target: a check that cannot fail
 * is not a check, and one that fails on a good target is noise.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faultVariants } from '../fixtures/faults/catalog.ts';
import { getContainerRuntimeClient } from 'testcontainers';
import { removeRunResources } from '../src/support/run-resources.ts';
import { newRunId } from '../src/environments/run-context.ts';
import { probeImageBuilds } from '../src/tasks/1.2-local-docker/container.ts';
import { checkById } from '../src/tasks/index.ts';
import { buildGoodImage, judgeVariant, runGoodTarget, runVariant } from '../scripts/faults/run-variant.ts';
import { runGoodProduction } from '../scripts/faults/production-variant.ts';

process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
// The variants that never become healthy would otherwise each wait out the full 30 s bound; 20 s leaves a good
// start-up room while a few variants run at once.
process.env.SHIPSHAPE_HEALTHY_WITHIN_MS ??= '20000';

let workRoot: string;
const runId = newRunId();

beforeAll(async () => {
  workRoot = await mkdtemp(path.join(tmpdir(), 'shipshape-faults-'));
});

afterAll(async () => {
  await removeRunResources(runId);
});

function tail(text: string, lines = 40): string {
  return text.split('\n').slice(-lines).join('\n');
}

const targets = [...new Set(faultVariants.map((variant) => variant.target))];

describe.each(targets)('checks that catch a %s variant', (target) => {
  // Production variants (fault.json `production`) have their own good half below: these checks judge a deployed service.
  const variants = faultVariants.filter((variant) => variant.target === target && !variant.production);

  it('pass on the good target', async () => {
    const ids = [...new Set(variants.map((variant) => variant.caughtBy))];
    const run = await runGoodTarget(target, ids, { workRoot });
    const outcomes = ids.map((id) => `${id}: ${run.summary?.checks.find((check) => check.id === id)?.status}`);
    expect(outcomes, tail(run.output)).toEqual(ids.map((id) => `${id}: passed`));
  });

  // Each variant is its own harness process with its own run, images and containers, so a few run at once
  // (vitest's maxConcurrency, set for the self project): 100+ variants one after another outgrew CI's budget.
  it.concurrent.for(variants)('$caughtBy catches $name', async (variant, { expect }) => {
    const run = await runVariant(variant, { workRoot });
    const verdict = judgeVariant(variant, run);
    expect(verdict.caught, `${verdict.why}\n${tail(run.output)}`).toBe(true);
    expect(run.check?.hint, 'a failed check says what to change').toBeTruthy();
    // Only the caught check runs: a performance limit missed alone is exit 99 (k6's code), any other failure 1.
    expect(run.exitCode).toBe(run.check?.kind === 'threshold' ? 99 : 1);
  });
});

describe('checks that catch a production variant (the offline production setup: TLS edge, Railway stand-in)', () => {
  const variants = faultVariants.filter((variant) => variant.production);

  it('pass on a good offline production', async () => {
    const ids = [...new Set(variants.map((variant) => variant.caughtBy))];
    const run = await runGoodProduction(ids, { workRoot });
    const outcomes = ids.map((id) => `${id}: ${run.summary?.checks.find((check) => check.id === id)?.status}`);
    expect(outcomes, tail(run.output)).toEqual(ids.map((id) => `${id}: passed`));
  });

  it.each(variants)('$caughtBy catches $name', async (variant) => {
    const run = await runVariant(variant, { workRoot });
    const verdict = judgeVariant(variant, run);
    expect(verdict.caught, `${verdict.why}\n${tail(run.output)}`).toBe(true);
    expect(run.check?.hint, 'a failed check says what to change').toBeTruthy();
    expect(run.exitCode).toBe(1);
  });
});

it('a failed build is not masked by an older image under the same tag', async () => {
  // An image that built earlier holds the tag; the failed build must not borrow its success.
  const goodImage = await buildGoodImage('reference');
  const repo = 'shipshape-selftest/masked-build';
  const docker = (await getContainerRuntimeClient()).container.dockerode;
  await docker.getImage(goodImage).tag({ repo, tag: 'latest' });
  const tag = `${repo}:latest`;
  const verdict = await probeImageBuilds({
    context: 'fixtures/faults/build-fails',
    dockerfile: 'Dockerfile',
    buildArgs: { TARGET_IMAGE: goodImage },
    tag,
  });
  expect(verdict).toMatchObject({ status: 'failed', message: expect.stringContaining('COPY failed') });
  expect(checkById('1.2/image-builds')?.requires).toEqual(['local']);
});
