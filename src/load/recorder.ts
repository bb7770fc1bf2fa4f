/**
 * Every response time of a run, kept exactly (an HDR histogram: microseconds, 3 significant digits), so
 * p50/p90/p95/p99/max are read from the whole distribution, not averaged from samples. Beside it, a
 * per-second timeline (requests, failures, percentiles of that second) for the charts, and a coarse
 * bucket count for the latency histogram. Failures are kept apart: `non2xx` answered with another
 * status, `errors` never answered (connection refused, reset, timeout).
 */
import * as hdr from 'hdr-histogram-js';

export interface LatencySummary {
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
  min: number;
}

export interface TimelinePoint {
  /** Seconds since the measured run started. */
  second: number;
  requests: number;
  non2xx: number;
  errors: number;
  p50: number;
  p95: number;
  p99: number;
}

export interface RecordedRun {
  requests: number;
  /** Answered with a 2xx. */
  ok: number;
  non2xx: number;
  errors: number;
  /** Why requests failed without an answer, by message, with counts (first 5 kinds). */
  errorKinds: Record<string, number>;
  /** Status codes other than 2xx, with counts. */
  statuses: Record<string, number>;
  durationSeconds: number;
  requestsPerSecond: number;
  /** (non2xx + errors) / requests. */
  failureRate: number;
  latencyMs: LatencySummary;
  /** Bucket upper bounds in ms, and how many answers fell in each; counts has one more: above the last bound. */
  histogram: { upperMs: number[]; counts: number[] };
  timeline: TimelinePoint[];
  /** The whole latency histogram (HDR, compressed base64, microseconds): any percentile can be read back. */
  encoded: string;
}

/** Any percentile of a finished run, in ms, from its encoded histogram; NaN when nothing was answered. */
export function percentileOf(run: Pick<RecordedRun, 'encoded'>, percentile: number): number {
  const histogram = hdr.decodeFromCompressedBase64(run.encoded);
  return histogram.totalCount === 0 ? NaN : ms(histogram.getValueAtPercentile(percentile));
}

/** Bucket edges of the latency histogram chart, in ms: log-spaced from half a millisecond to a minute. */
export const bucketEdgesMs = [
  0.5, 1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 10000, 30000,
  60000,
];

function newHistogram(): hdr.Histogram {
  // Microseconds up to 2 minutes; the JS implementation needs no WebAssembly start-up.
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 120_000_000,
    numberOfSignificantValueDigits: 3,
  });
}

const ms = (micros: number): number => Math.round(micros) / 1000;

function summarise(histogram: hdr.Histogram): LatencySummary {
  if (histogram.totalCount === 0) return { p50: NaN, p90: NaN, p95: NaN, p99: NaN, max: NaN, mean: NaN, min: NaN };
  return {
    p50: ms(histogram.getValueAtPercentile(50)),
    p90: ms(histogram.getValueAtPercentile(90)),
    p95: ms(histogram.getValueAtPercentile(95)),
    p99: ms(histogram.getValueAtPercentile(99)),
    max: ms(histogram.maxValue),
    mean: ms(histogram.mean),
    min: ms(histogram.minNonZeroValue),
  };
}

export type Outcome = { status: number } | { error: string };

export class Recorder {
  private readonly all = newHistogram();
  private readonly seconds = new Map<
    number,
    { histogram: hdr.Histogram; requests: number; non2xx: number; errors: number }
  >();
  private readonly buckets = new Array<number>(bucketEdgesMs.length + 1).fill(0);
  private readonly statuses: Record<string, number> = {};
  private readonly errorKinds: Record<string, number> = {};
  private ok = 0;
  private non2xx = 0;
  private errors = 0;
  readonly startedAt: number;

  constructor(startedAt = performance.now()) {
    this.startedAt = startedAt;
  }

  /**
   * One request's outcome. `latencyMs` counts from when the request was meant to go out (open model) or
   * went out (closed loop); failures without an answer are counted but their time is not a latency.
   */
  record(latencyMs: number, outcome: Outcome, at = performance.now()): void {
    const second = Math.max(0, Math.floor((at - this.startedAt) / 1000));
    let slot = this.seconds.get(second);
    if (!slot) {
      slot = { histogram: newHistogram(), requests: 0, non2xx: 0, errors: 0 };
      this.seconds.set(second, slot);
    }
    slot.requests++;
    if ('error' in outcome) {
      this.errors++;
      slot.errors++;
      const kinds = Object.keys(this.errorKinds);
      if (kinds.includes(outcome.error) || kinds.length < 5) {
        this.errorKinds[outcome.error] = (this.errorKinds[outcome.error] ?? 0) + 1;
      }
      return;
    }
    if (outcome.status < 200 || outcome.status > 299) {
      this.non2xx++;
      slot.non2xx++;
      this.statuses[String(outcome.status)] = (this.statuses[String(outcome.status)] ?? 0) + 1;
    } else {
      this.ok++;
    }
    const micros = Math.max(1, Math.round(latencyMs * 1000));
    this.all.recordValue(micros);
    slot.histogram.recordValue(micros);
    let index = bucketEdgesMs.findIndex((edge) => latencyMs <= edge);
    if (index < 0) index = bucketEdgesMs.length;
    this.buckets[index]!++;
  }

  get requests(): number {
    return this.ok + this.non2xx + this.errors;
  }

  /** For the live progress line: p95 of everything answered so far. */
  get p95SoFar(): number {
    return this.all.totalCount === 0 ? NaN : ms(this.all.getValueAtPercentile(95));
  }

  get failures(): number {
    return this.non2xx + this.errors;
  }

  finish(durationSeconds: number): RecordedRun {
    const requests = this.requests;
    const timeline = [...this.seconds.entries()]
      .sort(([a], [b]) => a - b)
      .map(([second, slot]) => {
        const summary = summarise(slot.histogram);
        return {
          second,
          requests: slot.requests,
          non2xx: slot.non2xx,
          errors: slot.errors,
          p50: summary.p50,
          p95: summary.p95,
          p99: summary.p99,
        };
      });
    return {
      requests,
      ok: this.ok,
      non2xx: this.non2xx,
      errors: this.errors,
      errorKinds: { ...this.errorKinds },
      statuses: { ...this.statuses },
      durationSeconds: Math.round(durationSeconds * 100) / 100,
      requestsPerSecond: durationSeconds > 0 ? Math.round((requests / durationSeconds) * 10) / 10 : 0,
      failureRate: requests > 0 ? (this.non2xx + this.errors) / requests : NaN,
      latencyMs: summarise(this.all),
      histogram: { upperMs: [...bucketEdgesMs], counts: [...this.buckets] },
      timeline,
      encoded: hdr.encodeIntoCompressedBase64(this.all),
    };
  }
}
