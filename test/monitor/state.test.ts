import { describe, expect, it } from 'vitest';
import { failedTooOften, initialState, observe, percentile, summarize, type Sample } from '../../src/monitor/state.ts';

const sample = (at: number, ok: boolean, latencyMs = 10): Sample => ({
  at,
  ok,
  latencyMs,
  summary: ok ? '/health/ready 200 ready' : '/health/ready 503 not ready (qdrant failing)',
});

function feed(samples: Sample[]) {
  let state = initialState();
  const changes = [];
  for (const s of samples) {
    const observed = observe(state, s);
    state = observed.state;
    if (observed.change) changes.push(observed.change);
  }
  return { state, changes };
}

describe('the monitor state machine', () => {
  it('reports the first poll as a change from unknown, then only real changes', () => {
    const { changes } = feed([
      sample(0, true),
      sample(5, true),
      sample(10, false),
      sample(15, false),
      sample(20, true),
    ]);
    expect(changes.map((change) => `${change.from}->${change.to}@${change.at}`)).toEqual([
      'unknown->up@0',
      'up->down@10',
      'down->up@20',
    ]);
    expect(changes[1]!.afterMs).toBe(10);
    expect(changes[2]!.afterMs).toBe(10);
  });

  it('counts consecutive failures and resets them on a good poll', () => {
    let { state } = feed([sample(0, false), sample(5, false)]);
    expect(state.consecutiveFailures).toBe(2);
    expect(failedTooOften(state, 3)).toBe(false);
    state = observe(state, sample(10, false)).state;
    expect(failedTooOften(state, 3)).toBe(true);
    state = observe(state, sample(15, true)).state;
    expect(state.consecutiveFailures).toBe(0);
  });

  it('records outages with start, end, cause and failed polls; downtime runs to the end when ongoing', () => {
    const { state } = feed([sample(0, true), sample(5, false), sample(10, false), sample(15, true), sample(20, false)]);
    expect(state.outages).toEqual([
      { start: 5, end: 15, cause: '/health/ready 503 not ready (qdrant failing)', failures: 2 },
      { start: 20, cause: '/health/ready 503 not ready (qdrant failing)', failures: 1 },
    ]);
    const summary = summarize(state, 30);
    expect(summary.downtimeMs).toBe(10 + 10);
    expect(summary.uptimePercent).toBe(40);
    expect(summary.status).toBe('down');
  });

  it('does not mutate the state it is given', () => {
    const { state } = feed([sample(0, true), sample(5, false)]);
    const copy = structuredClone(state);
    observe(state, sample(10, true));
    expect(state).toEqual(copy);
  });

  it('keeps latency of good polls only, for percentiles', () => {
    const { state } = feed([sample(0, true, 10), sample(1, true, 30), sample(2, false, 5000), sample(3, true, 20)]);
    const summary = summarize(state, 4);
    expect(summary.latencyMs).toEqual({ p50: 20, p95: 30, max: 30 });
    expect(percentile([], 50)).toBeUndefined();
  });
});
