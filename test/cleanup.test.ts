/**
 * A run removes every container and network it started: after passing, after
 * failing, and when interrupted with SIGINT in the middle.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../src/cli/exit-codes.ts';
import { listRunResources } from '../src/support/run-resources.ts';

interface HarnessRun {
  exitCode: number | null;
  runId: string;
  stderr: string;
  reportRoot: string;
}

/** Runs `npm test` as a user would (minus npm), optionally sending SIGINT once `interruptWhen` shows up. */
async function runHarness(env: NodeJS.ProcessEnv = {}, interruptWhen?: RegExp): Promise<HarnessRun> {
  const reportRoot = await mkdtemp(path.join(tmpdir(), 'shipshape-cleanup-'));
  const child = spawn(
    process.execPath,
    ['scripts/run.ts', '--env=local', '--suite=1.2', `--report-dir=${reportRoot}`],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  let interrupted = false;
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (interruptWhen && !interrupted && interruptWhen.test(stderr)) {
      interrupted = true;
      child.kill('SIGINT');
    }
  });
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const runId = /run ([0-9a-f]{8}):/.exec(stderr)?.[1];
  if (!runId) throw new Error(`the run printed no run id:\n${stderr}`);
  return { exitCode, runId, stderr, reportRoot };
}

async function expectNothingLeft(runId: string): Promise<void> {
  expect(await listRunResources(runId)).toEqual({ containers: [], networks: [] });
}

describe('cleanup', () => {
  it('leaves nothing behind after a passing run', async () => {
    const run = await runHarness();
    expect(run.exitCode, run.stderr).toBe(ExitCode.passed);
    await expectNothingLeft(run.runId);
  });

  it('leaves nothing behind after a failing run', async () => {
    // A 1 ms bound cannot be met: the target is judged unhealthy and the run fails.
    const run = await runHarness({ SHIPSHAPE_HEALTHY_WITHIN_MS: '1' });
    expect(run.exitCode, run.stderr).toBe(ExitCode.checkFailed);
    const summary = JSON.parse(await readFile(path.join(run.reportRoot, 'latest', 'summary.json'), 'utf8'));
    expect(summary.checks).toContainEqual(
      expect.objectContaining({ id: '1.2/healthy-within-bound', status: 'failed', hint: expect.any(String) }),
    );
    // The containers' logs come with a failed run, linked from summary.md, secrets masked.
    const latest = path.join(run.reportRoot, 'latest');
    const backendLog = await readFile(path.join(latest, 'logs', 'backend.log'), 'utf8');
    expect(backendLog).toContain('Server listening at');
    expect(backendLog).not.toMatch(/canary-/);
    expect(await readFile(path.join(latest, 'summary.md'), 'utf8')).toContain('- [logs/backend.log](logs/backend.log)');
    await expectNothingLeft(run.runId);
  });

  it.each([
    ['while PostgreSQL is starting', /starting PostgreSQL/],
    ['while the target runs', /target healthy after/],
  ])('leaves nothing behind when interrupted %s', async (_moment, when) => {
    const run = await runHarness({}, when);
    expect(run.exitCode, run.stderr).toBe(ExitCode.interrupted);
    expect(run.stderr).toContain('interrupted');
    await expectNothingLeft(run.runId);
  });
});
