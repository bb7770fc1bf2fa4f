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

it("2.1 flags the seed-shaped fixture's railway.json with the cutoff and the migration steps", async () => {
  const reportRoot = await mkdtemp(path.join(tmpdir(), 'shipshape-seed-railway-'));
  const run = await runHarness({
    configFile: goodTargetConfigs['seed-python'],
    checks: ['2.1/no-config-as-code', '2.1/iac-evaluates'],
    reportRoot,
  });
  const check = (id: string) => run.summary?.checks.find((record) => record.id === id);
  // Reads the repository only: nothing is built or started.
  expect(check('2.1/no-config-as-code')?.status, run.output.split('\n').slice(-20).join('\n')).toBe('failed');
  expect(check('2.1/no-config-as-code')?.message).toContain('2026-12-01');
  expect(check('2.1/no-config-as-code')?.evidence).toContain('railway config migrate');
  expect(check('2.1/no-config-as-code')?.evidence).toContain('does NOT carry');
  expect(check('2.1/iac-evaluates')?.message).toContain('has no Railway IaC');
  expect(run.exitCode).toBe(1);
});
