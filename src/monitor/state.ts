/**
 * The monitor's state machine, pure: each poll's result moves the service
 * between unknown, up and down; a change is reported once, with when and why;
 * consecutive failures are counted for the exit rule; outages are recorded
 * with their start, end and cause, and latency kept for the report.
 */
export type ServiceStatus = 'unknown' | 'up' | 'down';

export interface Sample {
  /** Epoch milliseconds when the poll's answer (or failure) came. */
  at: number;
  ok: boolean;
  latencyMs: number;
  /** One line: `200 ready` or `TLS: CERT_HAS_EXPIRED ...`. */
  summary: string;
}

export interface Outage {
  start: number;
  end?: number;
  cause: string;
  failures: number;
}

export interface MonitorState {
  status: ServiceStatus;
  /** When the current status began. */
  since: number | undefined;
  consecutiveFailures: number;
  polls: number;
  failures: number;
  /** Latencies of successful polls, for the report's percentiles. */
  latencies: number[];
  outages: Outage[];
  firstAt: number | undefined;
  lastAt: number | undefined;
}

export interface StatusChange {
  from: ServiceStatus;
  to: ServiceStatus;
  at: number;
  sample: Sample;
  /** How long the previous status lasted, when known. */
  afterMs: number | undefined;
}

export function initialState(): MonitorState {
  return {
    status: 'unknown',
    since: undefined,
    consecutiveFailures: 0,
    polls: 0,
    failures: 0,
    latencies: [],
    outages: [],
    firstAt: undefined,
    lastAt: undefined,
  };
}

/** The state after one poll, and the change it caused (if any). Never mutates `state`. */
export function observe(state: MonitorState, sample: Sample): { state: MonitorState; change?: StatusChange } {
  const to: ServiceStatus = sample.ok ? 'up' : 'down';
  const next: MonitorState = {
    ...state,
    polls: state.polls + 1,
    failures: state.failures + (sample.ok ? 0 : 1),
    consecutiveFailures: sample.ok ? 0 : state.consecutiveFailures + 1,
    latencies: sample.ok ? [...state.latencies, sample.latencyMs] : state.latencies,
    outages: state.outages.map((outage) => ({ ...outage })),
    firstAt: state.firstAt ?? sample.at,
    lastAt: sample.at,
  };
  const current = next.outages.at(-1);
  if (!sample.ok) {
    if (current && current.end === undefined) current.failures++;
    else next.outages.push({ start: sample.at, cause: sample.summary, failures: 1 });
  } else if (current && current.end === undefined) {
    current.end = sample.at;
  }
  if (to === state.status) return { state: next };
  next.status = to;
  next.since = sample.at;
  return {
    state: next,
    change: {
      from: state.status,
      to,
      at: sample.at,
      sample,
      afterMs: state.since === undefined ? undefined : sample.at - state.since,
    },
  };
}

/** The exit rule: N consecutive failed polls (N >= 1). */
export function failedTooOften(state: MonitorState, maxConsecutiveFailures: number): boolean {
  return state.consecutiveFailures >= maxConsecutiveFailures;
}

export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export interface UptimeSummary {
  polls: number;
  failures: number;
  /** Successful polls over all polls, in percent (undefined before the first poll). */
  uptimePercent: number | undefined;
  /** Time spent down, from each outage's first failed poll to the first good one (or the end). */
  downtimeMs: number;
  outages: Outage[];
  latencyMs: { p50?: number; p95?: number; max?: number };
  status: ServiceStatus;
}

export function summarize(state: MonitorState, endedAt: number): UptimeSummary {
  const downtimeMs = state.outages.reduce((total, outage) => total + ((outage.end ?? endedAt) - outage.start), 0);
  const max = state.latencies.length > 0 ? Math.max(...state.latencies) : undefined;
  return {
    polls: state.polls,
    failures: state.failures,
    uptimePercent:
      state.polls === 0 ? undefined : Math.round(((state.polls - state.failures) / state.polls) * 10_000) / 100,
    downtimeMs,
    outages: state.outages,
    latencyMs: {
      ...(percentile(state.latencies, 50) !== undefined ? { p50: percentile(state.latencies, 50) } : {}),
      ...(percentile(state.latencies, 95) !== undefined ? { p95: percentile(state.latencies, 95) } : {}),
      ...(max !== undefined ? { max } : {}),
    },
    status: state.status,
  };
}
