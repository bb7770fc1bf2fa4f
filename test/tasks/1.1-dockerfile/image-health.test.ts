/**
 * 1.1/image-healthcheck judges whether the healthcheck works, not only that
 * one is declared: Docker's own health status of a running container must
 * become healthy within the bound the image's settings give. The pure half
 * (the bound, the verdict on a health state) with inputs a good and a broken
 * image produce; then small images whose healthcheck passes, calls a tool the
 * image lacks, or has no verdict yet when the bound passes.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Verdict } from '../../../src/checks/check.ts';
import { newRunId } from '../../../src/environments/run-context.ts';
import { removeOneOff, startOneOff } from '../../../src/support/docker.ts';
import { removeRunResources } from '../../../src/support/run-resources.ts';
import {
  containerHealthVerdict,
  formatHealthLog,
  healthTiming,
  healthyBoundMs,
  type HealthLogEntry,
} from '../../../src/tasks/1.1-dockerfile/image-config.ts';
import { probeImageHealthcheck } from '../../../src/tasks/1.1-dockerfile/image-scan.ts';
import { buildFixtureImage, debianImage, removeFixtureImages } from '../../support/image-fixtures.ts';

process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
const runId = newRunId();
const s = 1e9; // Docker keeps healthcheck durations in nanoseconds

afterAll(async () => {
  await removeFixtureImages();
  await removeRunResources(runId);
});

function shown(verdict: Verdict): string {
  return verdict.status === 'failed' ? `${verdict.message}\n${verdict.evidence ?? ''}` : verdict.message;
}

describe('the bound from the image healthcheck settings', () => {
  it("takes the image's settings: start period + interval x (retries + 1) + timeout", () => {
    // The reference Dockerfile: --interval=10s --timeout=3s --start-period=10s --retries=3.
    const timing = healthTiming({
      Test: ['CMD', 'node'],
      Interval: 10 * s,
      Timeout: 3 * s,
      StartPeriod: 10 * s,
      Retries: 3,
    });
    expect(timing).toEqual({ intervalMs: 10_000, timeoutMs: 3_000, startPeriodMs: 10_000, retries: 3 });
    expect(healthyBoundMs(timing)).toBe(53_000);
  });

  it("uses Docker's defaults for what the image leaves out (30 s interval and timeout, no start period, 3 retries)", () => {
    const timing = healthTiming({ Test: ['CMD-SHELL', 'curl -f http://127.0.0.1:8000/health'] });
    expect(timing).toEqual({ intervalMs: 30_000, timeoutMs: 30_000, startPeriodMs: 0, retries: 3 });
    expect(healthyBoundMs(timing)).toBe(150_000);
    expect(healthTiming(undefined)).toEqual(timing);
  });

  it('is capped, so a generous start period cannot hold the run for long', () => {
    const timing = healthTiming({ Interval: 60 * s, StartPeriod: 300 * s, Retries: 5 });
    expect(healthyBoundMs(timing)).toBe(180_000);
    expect(healthyBoundMs(timing, 5_000)).toBe(5_000);
  });
});

describe("the verdict on Docker's health status", () => {
  const timing = healthTiming({ Interval: 10 * s, Timeout: 3 * s, StartPeriod: 10 * s, Retries: 3 });
  const ok: HealthLogEntry = {
    Start: '2026-12-02T06:38:55.089Z',
    End: '2026-12-02T06:38:55.756Z',
    ExitCode: 0,
    Output: '',
  };
  const curlMissing: HealthLogEntry = {
    Start: '2026-12-02T06:39:05.000Z',
    End: '2026-12-02T06:39:05.012Z',
    ExitCode: 127,
    Output: '/bin/sh: 1: curl: not found\n',
  };

  it('passes healthy, saying when and by which settings', () => {
    const verdict = containerHealthVerdict({ status: 'healthy', log: [ok], sinceStartMs: 12_300 }, timing, 53_000);
    expect(verdict.status).toBe('passed');
    expect(verdict.message).toBe(
      'Docker reports the target container healthy 12.3 s after the container started (bound 53 s from the ' +
        "image's healthcheck: start period 10 s, interval 10 s, timeout 3 s, retries 3); last check exit 0",
    );
  });

  it('fails unhealthy at once, with the failing runs as evidence', () => {
    const log = [curlMissing, curlMissing, curlMissing];
    const verdict = containerHealthVerdict(
      { status: 'unhealthy', failingStreak: 3, log, sinceStartMs: 40_000 },
      timing,
      53_000,
    );
    expect(verdict.status).toBe('failed');
    expect(verdict.message).toMatch(
      /"unhealthy", not "healthy", 40 s after the container started: its healthcheck failed 3 times in a row/,
    );
    const evidence = (verdict as { evidence: string }).evidence.split('\n');
    expect(evidence[0]).toBe("last 3 of Docker's health log entries (newest last):");
    expect(evidence[1]).toBe('2026-12-02T06:39:05.000Z exit 127 after 12 ms: /bin/sh: 1: curl: not found');
  });

  it('fails a status still "starting" once the bound has passed', () => {
    const verdict = containerHealthVerdict({ status: 'starting', log: [], sinceStartMs: 53_400 }, timing, 53_000);
    expect(verdict.status).toBe('failed');
    expect(shown(verdict)).toContain('still "starting", not "healthy", 53.4 s after the container started (bound 53 s');
    expect(shown(verdict)).toContain('health log: no check has run yet');
  });

  it('fails a container Docker runs no healthcheck in', () => {
    expect(containerHealthVerdict({ log: [], sinceStartMs: 1_000 }, timing, 53_000)).toMatchObject({
      status: 'failed',
      message: expect.stringContaining('Docker runs no healthcheck in the target container'),
    });
  });

  it('keeps the last entries only, one line each, and redacts credentials in the output', () => {
    const noisy: HealthLogEntry = {
      ExitCode: 22,
      Output: 'curl: (22) The requested URL returned error: 503\nhttp://admin:hunter2@db:5432/x\n',
    };
    const text = formatHealthLog([ok, ok, ok, ok, noisy]);
    expect(text.split('\n')).toHaveLength(4);
    expect(text).toContain(
      '? exit 22: curl: (22) The requested URL returned error: 503 http://[credentials]@db:5432/x',
    );
    expect(text).not.toContain('hunter2');
  });
});

describe('1.1/image-healthcheck on running containers', () => {
  async function probeRunning(image: string, capMs?: number): Promise<Verdict> {
    const container = await startOneOff({ image, networkName: 'bridge', runId, environment: {} });
    try {
      return await probeImageHealthcheck(image, container.id, capMs === undefined ? {} : { capMs });
    } finally {
      await removeOneOff(container);
    }
  }

  it('passes an image whose healthcheck passes', async () => {
    const image = await buildFixtureImage(
      'healthcheck-works',
      `FROM ${debianImage}\nHEALTHCHECK --interval=1s --timeout=2s --retries=2 CMD ["true"]\nCMD ["sleep", "120"]\n`,
    );
    const verdict = await probeRunning(image);
    expect(verdict.status, shown(verdict)).toBe('passed');
    expect(verdict.message).toMatch(/^Docker reports the target container healthy .* last check exit 0$/);
  });

  it('fails a healthcheck that calls curl in an image without it: declared, never passing', async () => {
    const image = await buildFixtureImage(
      'healthcheck-needs-curl',
      `FROM ${debianImage}\nHEALTHCHECK --interval=1s --timeout=2s --retries=2 CMD curl -f http://127.0.0.1:8000/health\n` +
        'CMD ["sleep", "120"]\n',
    );
    const verdict = await probeRunning(image);
    expect(verdict.status, shown(verdict)).toBe('failed');
    expect(verdict.message).toContain('"unhealthy", not "healthy"');
    expect(shown(verdict)).toContain('exit 127');
    expect(shown(verdict)).toContain('curl: not found');
  });

  it('fails when Docker has no verdict yet once the bound has passed', async () => {
    const image = await buildFixtureImage(
      'healthcheck-slow',
      `FROM ${debianImage}\nHEALTHCHECK --interval=5m CMD ["true"]\nCMD ["sleep", "120"]\n`,
    );
    const started = Date.now();
    const verdict = await probeRunning(image, 3_000);
    expect(verdict.status, shown(verdict)).toBe('failed');
    expect(verdict.message).toContain('still "starting", not "healthy"');
    expect(verdict.message).toContain('(bound 3 s');
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
