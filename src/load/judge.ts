/**
 * Thresholds (src/config/thresholds.ts, parsed when the config loaded) judged against what a scenario
 * measured, after the run: each line prints the measured value beside the limit as written.
 * What each aggregation reads:
 *   p(N) / pN       the N-th percentile of answered requests' latency (exact, from the full histogram)
 *   avg min max med latency mean, fastest, slowest, median
 *   rate / errors   failed requests (non-2xx and never answered) / all requests
 *   rps             requests per second over the measured window
 *   count           requests sent in the measured window
 */
import { evaluateThreshold, type Threshold } from '../config/thresholds.ts';
import { percentileOf, type RecordedRun } from './recorder.ts';

export interface ThresholdVerdict {
  scenario: string;
  source: string;
  ok: boolean;
  /** `✗ p(95)<300ms  measured p(95)=812.4ms`. */
  line: string;
  measured: number;
  limit: number;
}

export function measuredFor(threshold: Threshold, run: RecordedRun): number {
  const { aggregation } = threshold;
  switch (aggregation.kind) {
    case 'p':
      return percentileOf(run, aggregation.percentile);
    case 'avg':
      return run.latencyMs.mean;
    case 'min':
      return run.latencyMs.min;
    case 'max':
      return run.latencyMs.max;
    case 'med':
      return run.latencyMs.p50;
    case 'rate':
    case 'errors':
      return run.failureRate;
    case 'rps':
      return run.requestsPerSecond;
    case 'count':
      return run.requests;
  }
}

export function judgeScenario(
  scenario: string,
  thresholds: readonly Threshold[],
  run: RecordedRun,
): ThresholdVerdict[] {
  return thresholds.map((threshold) => {
    const measured = measuredFor(threshold, run);
    const result = evaluateThreshold(threshold, measured);
    return {
      scenario,
      source: threshold.source,
      ok: result.ok,
      line: `${scenario}: ${result.line}`,
      measured,
      limit: threshold.value,
    };
  });
}
