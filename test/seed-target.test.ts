/**
 * The target profiles are data, not code written for one backend: the same
 * suites verify the seed-shaped Python fixture (fixtures/targets/seed-python)
 * through its config alone, and judge it by its own runtime (Python 3.11, the
 * seed's system packages, psycopg2) rather than the reference's.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { goodTargetConfigs, runHarness } from '../scripts/faults/run-variant.ts';

process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';

it('suites 1.1, 1.2, 3.1 and 3.2 pass on the seed-shaped fixture, judged by the seed profile', async () => {
  const reportRoot = await mkdtemp(path.join(tmpdir(), 'shipshape-seed-'));
  const run = await runHarness({
    configFile: goodTargetConfigs['seed-python'],
    suites: ['1.1', '1.2', '3.1', '3.2'],
    reportRoot,
  });
  const checks = run.summary?.checks ?? [];
  const notPassed = checks.filter((check) => check.status !== 'passed').map((c) => `${c.id} ${c.status}: ${c.message}`);
  expect(notPassed, run.output.split('\n').slice(-30).join('\n')).toEqual([]);
  expect(run.exitCode).toBe(0);
  expect(run.summary?.target.name).toBe('seed-python');
  // Each suite ran, and the answers came in the seed's shape.
  for (const task of ['1.1', '1.2', '3.1', '3.2']) expect(checks.some((check) => check.task === task)).toBe(true);
  expect(checks.find((check) => check.id === '1.2/websocket-answers')?.message).toContain('"response" frame');
});
