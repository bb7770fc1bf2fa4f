/**
 * The monitor's loop: poll, feed the state machine, print each status change
 * with its timestamp and latency, and stop on the first of: the polls or
 * duration asked for, N consecutive failures, or an abort (Ctrl-C). The
 * report is written on every way out.
 */
import { pollOnce, type PollTarget } from './poll.ts';
import { changeRecord, writeMonitorReport, type MonitorReport, type StopReason } from './report.ts';
import { failedTooOften, initialState, observe, summarize, type StatusChange } from './state.ts';

export const MonitorExit = { ok: 0, failureLimit: 1, usage: 2, interrupted: 130 } as const;

export interface MonitorOptions {
  target: PollTarget;
  env: string;
  intervalMs: number;
  maxConsecutiveFailures: number;
  /** Stop after this many polls / this long (undefined: until failures or Ctrl-C). */
  maxPolls?: number;
  durationMs?: number;
  reportDir: string;
  signal: AbortSignal;
  print: (line: string) => void;
  /** Print every poll, not only changes. */
  verbose?: boolean;
  /** Injected in tests. */
  poll?: (target: PollTarget) => Promise<import('./state.ts').Sample>;
}

export interface MonitorResult {
  exitCode: number;
  stopReason: StopReason;
  report: MonitorReport;
  files: string[];
}

export function formatChange(change: StatusChange): string {
  const was =
    change.from === 'unknown'
      ? 'first poll'
      : `was ${change.from}${change.afterMs !== undefined ? ` for ${(change.afterMs / 1000).toFixed(1)} s` : ''}`;
  return `${new Date(change.at).toISOString()}  ${change.to.toUpperCase().padEnd(4)}  ${change.sample.summary} (${was})`;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** The poll, or undefined as soon as the signal aborts (the poll itself is bounded by its timeout). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

export async function runMonitor(options: MonitorOptions): Promise<MonitorResult> {
  const poll = options.poll ?? pollOnce;
  const started = Date.now();
  let state = initialState();
  const changes: StatusChange[] = [];
  let stopReason: StopReason = 'finished';
  options.print(
    `${new Date(started).toISOString()}  monitoring ${options.target.baseUrl}${options.target.readyPath}` +
      `${options.target.question ? ` and one question` : ''} every ${options.intervalMs / 1000} s ` +
      `(timeout ${options.target.timeoutMs / 1000} s, stop after ${options.maxConsecutiveFailures} consecutive failures)`,
  );
  for (;;) {
    if (options.signal.aborted) {
      stopReason = 'interrupted';
      break;
    }
    const pollStarted = Date.now();
    const sample = await untilAborted(poll(options.target), options.signal);
    if (!sample) {
      stopReason = 'interrupted';
      break;
    }
    const observed = observe(state, sample);
    state = observed.state;
    if (observed.change) {
      changes.push(observed.change);
      options.print(formatChange(observed.change));
    } else if (options.verbose) {
      options.print(
        `${new Date(sample.at).toISOString()}  ${state.status === 'up' ? 'up  ' : 'down'}  ${sample.summary}`,
      );
    }
    if (failedTooOften(state, options.maxConsecutiveFailures)) {
      stopReason = 'failure-limit';
      options.print(
        `${new Date().toISOString()}  giving up: ${state.consecutiveFailures} consecutive failed polls (limit ${options.maxConsecutiveFailures})`,
      );
      break;
    }
    if (options.maxPolls !== undefined && state.polls >= options.maxPolls) break;
    if (options.durationMs !== undefined && Date.now() - started >= options.durationMs) break;
    await sleep(Math.max(0, options.intervalMs - (Date.now() - pollStarted)), options.signal);
  }
  const ended = Date.now();
  const exitCode =
    stopReason === 'interrupted'
      ? MonitorExit.interrupted
      : stopReason === 'failure-limit'
        ? MonitorExit.failureLimit
        : MonitorExit.ok;
  const report: MonitorReport = {
    url: options.target.baseUrl,
    env: options.env,
    startedAt: new Date(started).toISOString(),
    endedAt: new Date(ended).toISOString(),
    durationMs: ended - started,
    stopReason,
    exitCode,
    settings: {
      intervalMs: options.intervalMs,
      timeoutMs: options.target.timeoutMs,
      maxConsecutiveFailures: options.maxConsecutiveFailures,
      ...(options.target.question ? { question: options.target.question } : {}),
    },
    summary: summarize(state, ended),
    changes: changes.map(changeRecord),
  };
  const files = await writeMonitorReport(options.reportDir, report);
  return { exitCode, stopReason, report, files };
}
