/**
 * One harness run as a child process with a time bound: its own process
 * group, so a run that hangs is stopped whole (npm, the runner, Vitest's
 * workers). SIGTERM first, so the runner removes its containers as it does on
 * Ctrl-C; SIGKILL after a grace period.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';

export interface BoundedRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  wallMs: number;
  /** The run id the runner printed (`[shipshape] run <id>: ...`), to remove its containers after a kill. */
  runId: string | undefined;
  /** Set when the child could not be started at all. */
  spawnError: string | undefined;
}

/** The run id in a runner progress line, if it is the run's first line. */
export function runIdFrom(line: string): string | undefined {
  return /^\[shipshape\] run ([A-Za-z0-9_-]+): env /.exec(line.trim())?.[1];
}

export interface RunningChild {
  done: Promise<BoundedRun>;
  /** Asks the run to stop (SIGTERM to its group, SIGKILL after the grace period). */
  stop: () => void;
}

export function runBounded(options: {
  command: string;
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  timeoutMs: number;
  /** How long a stopped run may take to remove its containers before it is killed. */
  graceMs?: number;
  outputFile: string;
  /** Each `[shipshape] ...` progress line of the runner. */
  onProgress?: (line: string) => void;
}): RunningChild {
  const started = Date.now();
  const graceMs = options.graceMs ?? 30_000;
  const output = createWriteStream(options.outputFile);
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let timedOut = false;
  let runId: string | undefined;
  let stopping = false;
  let killTimer: NodeJS.Timeout | undefined;

  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // The group is gone already.
    }
  };
  const stop = () => {
    if (stopping) return;
    stopping = true;
    signalGroup('SIGTERM');
    killTimer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
  };
  const timeout = setTimeout(() => {
    timedOut = true;
    options.onProgress?.(`[selftest] still running after ${Math.round(options.timeoutMs / 1000)} s: stopping it`);
    stop();
  }, options.timeoutMs);

  let pending = '';
  child.stdout?.on('data', (chunk: Buffer) => output.write(chunk));
  child.stderr?.on('data', (chunk: Buffer) => {
    output.write(chunk);
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      runId ??= runIdFrom(line);
      if (line.startsWith('[shipshape] ')) options.onProgress?.(line);
    }
  });

  const done = new Promise<BoundedRun>((resolve) => {
    let settled = false;
    const settle = (exitCode: number | null, signal: NodeJS.Signals | null, spawnError?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timeout);
      if (killTimer) clearTimeout(killTimer);
      output.end(() => resolve({ exitCode, signal, timedOut, wallMs: Date.now() - started, runId, spawnError }));
    };
    // A child that never started emits no close event everywhere: settle on the error.
    child.on('error', (error) => settle(null, null, error.message));
    child.on('close', (exitCode, signal) => settle(exitCode, signal));
  });
  return { done, stop };
}
