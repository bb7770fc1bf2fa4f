/**
 * The bounded child run on real processes: small node scripts stand in for
 * `npm test`, so the tests take seconds and need no Docker.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBounded, runIdFrom } from '../../scripts/selftest/harness-child.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'shipshape-selftest-child-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function node(script: string, timeoutMs: number, name: string) {
  const lines: string[] = [];
  const child = runBounded({
    command: process.execPath,
    args: ['-e', script],
    env: process.env,
    cwd: dir,
    timeoutMs,
    graceMs: 300,
    outputFile: path.join(dir, `${name}.log`),
    onProgress: (line) => lines.push(line),
  });
  return { child, lines };
}

/** Alive and not a zombie (an orphan's zombie stays until init collects it; some inits never do). */
async function alive(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

describe('runIdFrom', () => {
  it("reads the run id from the runner's first progress line only", () => {
    expect(runIdFrom('[shipshape] run mq3x-7f2a: env local, suites 1.1, 1.2, 33 check(s)')).toBe('mq3x-7f2a');
    expect(runIdFrom('[shipshape] run finished')).toBeUndefined();
    expect(runIdFrom('run abc: env local')).toBeUndefined();
  });
});

describe('runBounded', () => {
  it("returns the exit code, the run id and the runner's progress lines, and keeps the whole output", async () => {
    const { child, lines } = node(
      `console.log('vitest output'); console.error('[shipshape] run r-1: env local, suites 1.1'); console.error('noise'); process.exit(3)`,
      10_000,
      'exit',
    );
    const result = await child.done;
    expect(result).toMatchObject({ exitCode: 3, timedOut: false, runId: 'r-1', spawnError: undefined });
    expect(lines).toEqual(['[shipshape] run r-1: env local, suites 1.1']);
    const output = await readFile(path.join(dir, 'exit.log'), 'utf8');
    expect(output).toContain('vitest output');
    expect(output).toContain('noise');
  });

  it('stops a run that outlives its timeout with SIGTERM, and it may clean up first', async () => {
    const { child } = node(
      `process.on('SIGTERM', () => { console.log('cleaning up'); process.exit(130); }); setInterval(() => {}, 1000)`,
      500,
      'term',
    );
    const result = await child.done;
    expect(result).toMatchObject({ exitCode: 130, timedOut: true });
    expect(result.wallMs).toBeGreaterThanOrEqual(500);
    expect(await readFile(path.join(dir, 'term.log'), 'utf8')).toContain('cleaning up');
  });

  it('kills the whole process group when the run ignores SIGTERM, grandchildren too', async () => {
    const { child } = node(
      `const { spawn } = require('node:child_process');
       const grandchild = spawn(process.execPath, ['-e', 'process.on("SIGTERM", () => {}); setInterval(() => {}, 1000)'], { stdio: 'ignore' });
       console.log('grandchild ' + grandchild.pid);
       process.on('SIGTERM', () => {});
       setInterval(() => {}, 1000);`,
      500,
      'kill',
    );
    const result = await child.done;
    expect(result).toMatchObject({ exitCode: null, signal: 'SIGKILL', timedOut: true });
    const grandchild = Number(/grandchild (\d+)/.exec(await readFile(path.join(dir, 'kill.log'), 'utf8'))?.[1]);
    expect(grandchild).toBeGreaterThan(0);
    expect(await alive(process.pid), 'the liveness probe sees a live process').toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await alive(grandchild)).toBe(false);
  });

  it('reports a command that cannot start', async () => {
    const child = runBounded({
      command: path.join(dir, 'no-such-command'),
      args: [],
      env: process.env,
      cwd: dir,
      timeoutMs: 10_000,
      outputFile: path.join(dir, 'missing.log'),
    });
    expect((await child.done).spawnError).toMatch(/ENOENT/);
  });
});
