import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseThreshold } from '../../src/config/thresholds.ts';
import { closedLoop, openModel } from '../../src/load/http.ts';
import { judgeScenario } from '../../src/load/judge.ts';
import { liveLine } from '../../src/load/live.ts';
import { percentileOf, Recorder } from '../../src/load/recorder.ts';
import { memoryTrend } from '../../src/load/resources.ts';
import { effectiveScenario } from '../../src/load/safety.ts';

describe('Recorder', () => {
  it('reads exact percentiles from the whole histogram and keeps failures apart', () => {
    const recorder = new Recorder(0);
    for (let ms = 1; ms <= 1000; ms++) recorder.record(ms, { status: 200 }, ms);
    recorder.record(5, { status: 503 }, 10);
    recorder.record(0, { error: 'ECONNRESET' }, 10);
    const run = recorder.finish(2);
    expect(run.requests).toBe(1002);
    expect(run.ok).toBe(1000);
    expect(run.non2xx).toBe(1);
    expect(run.errors).toBe(1);
    expect(run.statuses).toEqual({ '503': 1 });
    expect(run.errorKinds).toEqual({ ECONNRESET: 1 });
    // 3 significant digits: within 0.1 %.
    expect(run.latencyMs.p50).toBeCloseTo(500, -0.5);
    expect(run.latencyMs.p95).toBeCloseTo(950, -0.5);
    expect(run.latencyMs.p99).toBeCloseTo(990, -0.5);
    expect(run.latencyMs.max).toBeCloseTo(1000, -0.5);
    expect(percentileOf(run, 99.9)).toBeCloseTo(999, -0.5);
    expect(run.failureRate).toBeCloseTo(2 / 1002);
    expect(run.requestsPerSecond).toBe(501);
    expect(run.timeline.map((point) => point.second)).toEqual([0, 1]);
    expect(run.histogram.counts.reduce((a, b) => a + b, 0)).toBe(1001);
  });

  it('says nothing was measured rather than inventing a latency', () => {
    const run = new Recorder().finish(1);
    expect(run.latencyMs.p95).toBeNaN();
    const [verdict] = judgeScenario('health', [parseThreshold('p95<300ms')], run);
    expect(verdict!.ok).toBe(false);
    expect(verdict!.line).toContain('measured nothing');
  });
});

describe('judgeScenario', () => {
  const recorder = new Recorder(0);
  for (let i = 0; i < 100; i++) recorder.record(i < 90 ? 100 : 900, i < 99 ? { status: 200 } : { status: 500 });
  const run = recorder.finish(10);

  it('prints the measured value beside the limit as written, in its unit', () => {
    const verdicts = judgeScenario(
      'query',
      ['p95<300ms', 'p(50)<1s', 'errors<0.5%', 'rps>5', 'count>=100'].map(parseThreshold),
      run,
    );
    expect(verdicts.map((verdict) => [verdict.ok, verdict.line])).toEqual([
      [false, 'query: ✗ p95<300ms  measured p(95)=900.1ms'],
      [true, 'query: ✓ p(50)<1s  measured p(50)=0.1s'],
      [false, 'query: ✗ errors<0.5%  measured errors=1%'],
      [true, 'query: ✓ rps>5  measured rps=10'],
      [true, 'query: ✓ count>=100  measured count=100'],
    ]);
  });
});

describe('memoryTrend', () => {
  const flat = Array.from({ length: 14 }, (_, i) => ({ second: i, cores: 0, memoryMb: 280 + (i % 3) }));

  it('stays near zero for a heap that saws around a level, even with one spike at the end', () => {
    const spiked = [...flat, { second: 14, cores: 0, memoryMb: 311 }, { second: 15, cores: 0, memoryMb: 282 }];
    expect(Math.abs(memoryTrend(spiked).slopeMbPerMinute)).toBeLessThan(10);
  });

  it('shows a steady climb in MB per minute', () => {
    const leaking = flat.map((sample) => ({ ...sample, memoryMb: 200 + sample.second * 4 }));
    expect(memoryTrend(leaking).slopeMbPerMinute).toBeCloseTo(240);
  });

  it('refuses to judge from fewer than three samples', () => {
    expect(memoryTrend(flat.slice(0, 2)).slopeMbPerMinute).toBeNaN();
  });
});

describe('production safety', () => {
  const scenario = {
    route: 'query',
    mode: 'closed',
    connections: 50,
    rate: 20,
    durationSeconds: 8,
    warmupSeconds: 2,
  } as const;
  const cap = { rate: 10, durationSeconds: 20, websocketClients: 5 };

  it('caps every scenario against a remote environment to 10 rps for 20 s unless --load=full', () => {
    const capped = effectiveScenario(scenario, 'remote', cap, 'capped');
    expect(capped.scenario).toMatchObject({ mode: 'open', rate: 10, durationSeconds: 20, warmupSeconds: 0 });
    expect(capped.capped).toContain('--load=full');
    expect(effectiveScenario(scenario, 'remote', cap, 'full').scenario).toEqual(scenario);
    expect(effectiveScenario(scenario, 'local', cap, 'capped').scenario).toEqual(scenario);
  });
});

describe('live line', () => {
  it('says elapsed time, requests per second and p95 so far', () => {
    const recorder = new Recorder(0);
    for (let i = 0; i < 40; i++) recorder.record(20, { status: 200 }, 100);
    expect(liveLine('health', 4000, 8000, recorder)).toBe(
      'load health: 4.0 s / 8 s, 10.0 rps, p95 20.0 ms so far, 0 failed',
    );
  });
});

describe('HTTP load against a local server', () => {
  let server: http.Server;
  let baseUrl = '';
  /** Every request waits this long while `stalled` is set: a server that stops answering for a while. */
  let stallMs = 0;

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      const answer = () => response.writeHead(request.url === '/missing' ? 404 : 200).end('ok');
      if (stallMs > 0) setTimeout(answer, stallMs);
      else answer();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('closed loop: counts requests, answers and non-2xx apart', async () => {
    let n = 0;
    const run = await closedLoop({
      baseUrl,
      label: 'test',
      connections: 4,
      durationSeconds: 1,
      warmupSeconds: 0,
      timeoutSeconds: 5,
      next: () => ({ method: 'GET', path: n++ % 2 ? '/missing' : '/' }),
      live: false,
    });
    expect(run.requests).toBeGreaterThan(50);
    expect(run.non2xx).toBeGreaterThan(0);
    expect(run.ok).toBeGreaterThan(0);
    expect(run.errors).toBe(0);
    expect(run.mode).toBe('closed');
  });

  it('open model: a stall shows as latency from the intended send time (no coordinated omission)', async () => {
    stallMs = 400;
    try {
      const run = await openModel({
        baseUrl,
        label: 'test',
        rate: 50,
        // One socket: requests queue behind the stalled one, and that wait is latency.
        connections: 1,
        durationSeconds: 1,
        warmupSeconds: 0,
        timeoutSeconds: 3,
        next: () => ({ method: 'GET', path: '/' }),
        live: false,
      });
      // 50 arrivals in a second, each served 400 ms after the last on one socket: most wait seconds.
      expect(run.requests).toBe(50);
      expect(run.latencyMs.p50).toBeGreaterThan(1000);
      expect(run.errors).toBeGreaterThan(0);
      expect(run.targetRate).toBe(50);
    } finally {
      stallMs = 0;
    }
  });
});
