/**
 * A run removes every container and network it started: after passing, after
 * failing, when interrupted with SIGINT in the middle, when interrupted twice
 * with a dependency frozen, and when a check runs out of time mid-outage.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { getContainerRuntimeClient } from 'testcontainers';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../src/cli/exit-codes.ts';
import type { RunSummary } from '../src/report/summary.ts';
import { listRunResources, runLabel } from '../src/support/run-resources.ts';

interface HarnessRun {
  exitCode: number | null;
  runId: string;
  stderr: string;
  reportRoot: string;
}

interface RunOptions {
  env?: NodeJS.ProcessEnv;
  args?: string[];
  /** Called once when the harness's output first matches `when`; may act on the run (interrupt it, pause a container). */
  on?: { when: RegExp; act: (child: ChildProcess, runId: string) => void | Promise<void> };
}

/** Runs `npm test` as a user would (minus npm). */
async function runHarness(options: RunOptions = {}): Promise<HarnessRun & { endedAt: number }> {
  const reportRoot = await mkdtemp(path.join(tmpdir(), 'shipshape-cleanup-'));
  const child = spawn(
    process.execPath,
    ['scripts/run.ts', '--env=local', ...(options.args ?? ['--suite=1.2']), `--report-dir=${reportRoot}`],
    { env: { ...process.env, ...options.env }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  let acted = false;
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (options.on && !acted && options.on.when.test(stderr)) {
      acted = true;
      void options.on.act(child, /run ([0-9a-f]{8}):/.exec(stderr)?.[1] ?? '');
    }
  });
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const endedAt = Date.now();
  const runId = /run ([0-9a-f]{8}):/.exec(stderr)?.[1];
  if (!runId) throw new Error(`the run printed no run id:\n${stderr}`);
  return { exitCode, runId, stderr, reportRoot, endedAt };
}

async function summaryOf(run: HarnessRun): Promise<RunSummary> {
  return JSON.parse(await readFile(path.join(run.reportRoot, 'latest', 'summary.json'), 'utf8')) as RunSummary;
}

/** The run's PostgreSQL container, found by the run's label and its name on the network. */
async function postgresOf(runId: string) {
  const docker = (await getContainerRuntimeClient()).container.dockerode;
  const containers = await docker.listContainers({ filters: { label: [`${runLabel}=${runId}`] } });
  for (const info of containers) {
    const container = docker.getContainer(info.Id);
    const networks = (await container.inspect()).NetworkSettings.Networks;
    if (Object.values(networks).some((network) => network.Aliases?.includes('postgres'))) return container;
  }
  throw new Error(`run ${runId} has no PostgreSQL container`);
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
    const run = await runHarness({ env: { SHIPSHAPE_HEALTHY_WITHIN_MS: '1' } });
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
    const run = await runHarness({ on: { when, act: (child) => void child.kill('SIGINT') } });
    expect(run.exitCode, run.stderr).toBe(ExitCode.interrupted);
    expect(run.stderr).toContain('interrupted');
    await expectNothingLeft(run.runId);
  });

  it('ends within 15 s of two Ctrl-C while PostgreSQL is paused, with the partial summary and nothing left', async () => {
    let firstInterruptAt = 0;
    let pausedAtInterrupt = false;
    // A check that needs the database is running when PostgreSQL freezes; then the user presses Ctrl-C twice.
    const run = await runHarness({
      args: ['--suite=3.2'],
      on: {
        when: /target healthy after/,
        act: async (child, runId) => {
          const postgres = await postgresOf(runId);
          await postgres.pause();
          await new Promise((resolve) => setTimeout(resolve, 300));
          pausedAtInterrupt = (await postgres.inspect()).State.Paused;
          firstInterruptAt = Date.now();
          child.kill('SIGINT');
          await new Promise((resolve) => setTimeout(resolve, 1_000));
          child.kill('SIGINT');
        },
      },
    });
    expect(run.exitCode, run.stderr).toBe(ExitCode.interrupted);
    expect(firstInterruptAt).toBeGreaterThan(0);
    expect(pausedAtInterrupt, 'PostgreSQL was paused when Ctrl-C came').toBe(true);
    expect(run.endedAt - firstInterruptAt, run.stderr).toBeLessThan(15_000);
    expect(run.stderr).toContain('second interrupt: writing the partial summary');
    const summary = await summaryOf(run);
    expect(summary.interrupted).toBe(true);
    expect(summary.exitCode).toBe(ExitCode.interrupted);
    await expectNothingLeft(run.runId);
  });
});

describe('a check that runs out of time while PostgreSQL is paused', () => {
  it('fails with its own verdict; the database is restored, the checks after it pass, the run ends and cleans up', async () => {
    // The pause check gets 1.5 s: it runs out of time mid-outage, with PostgreSQL frozen.
    const dir = await mkdtemp(path.join(tmpdir(), 'shipshape-timeout-'));
    const configFile = path.join(dir, 'shipshape.config.ts');
    const good = pathToFileURL(path.resolve('shipshape.config.ts')).href;
    await writeFile(
      configFile,
      [
        `import good from ${JSON.stringify(good)};`,
        'export default {',
        '  ...good,',
        '  target: { ...good.target, context: ' + JSON.stringify(process.cwd()) + ' },',
        "  thresholds: { ...good.thresholds, checkTimeLimitsMs: { '3.2/readiness-on-postgres-pause': 1500 } },",
        '};',
        '',
      ].join('\n'),
    );
    const started = Date.now();
    const run = await runHarness({ args: ['--suite=3.2', `--config=${configFile}`] });
    // Bound: start-up, the seven 3.2 checks (about 20 s warm) and teardown, with room for a busy machine.
    expect(run.endedAt - started, run.stderr).toBeLessThan(240_000);
    expect(run.exitCode, run.stderr).toBe(ExitCode.checkFailed);
    const summary = await summaryOf(run);
    const pause = summary.checks.find((check) => check.id === '3.2/readiness-on-postgres-pause');
    expect(pause).toMatchObject({ status: 'failed', message: 'did not finish within its time limit (1.5 s)' });
    expect(pause?.evidence ?? '').toMatch(/postgres unpaused|last seen: readiness/);
    // No knock-on failures: the database came back before the next check.
    const others = summary.checks.filter((check) => check.id !== pause?.id);
    expect(others.map((check) => `${check.id}: ${check.status}`)).toEqual(others.map((check) => `${check.id}: passed`));
    await expectNothingLeft(run.runId);
  });
});
