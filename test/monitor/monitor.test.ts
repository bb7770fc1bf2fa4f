import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseMonitorArgs } from '../../src/cli/monitor-args.ts';
import { UsageError } from '../../src/cli/args.ts';
import { runMonitor, type MonitorOptions } from '../../src/monitor/monitor.ts';
import { dependencySummary, readinessSample } from '../../src/monitor/poll.ts';
import type { Sample } from '../../src/monitor/state.ts';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function options(results: boolean[], extra: Partial<MonitorOptions> = {}) {
  const dir = await mkdtemp(path.join(tmpdir(), 'shipshape-monitor-'));
  dirs.push(dir);
  const printed: string[] = [];
  let index = 0;
  const poll = async (): Promise<Sample> => {
    const ok = results[Math.min(index++, results.length - 1)]!;
    return {
      at: Date.now(),
      ok,
      latencyMs: 7,
      summary: ok ? '/health/ready 200 ready' : '/health/ready 503 not ready',
    };
  };
  const opts: MonitorOptions = {
    target: {
      baseUrl: 'http://127.0.0.1:1',
      readyPath: '/health/ready',
      queryPath: '/q',
      query: { questionField: 'query', answerField: 'answer' },
      timeoutMs: 10,
    },
    env: 'local',
    intervalMs: 1,
    maxConsecutiveFailures: 3,
    reportDir: dir,
    signal: new AbortController().signal,
    print: (line) => printed.push(line),
    poll,
    ...extra,
  };
  return { opts, printed, dir };
}

describe('npm run monitor', () => {
  it('exits 1 after N consecutive failures and writes the report', async () => {
    const { opts, printed, dir } = await options([true, false, true, false, false, false, true]);
    const result = await runMonitor(opts);
    expect(result.exitCode).toBe(1);
    expect(result.stopReason).toBe('failure-limit');
    expect(result.report.summary.polls).toBe(6);
    expect(printed.filter((line) => / (UP|DOWN) /.test(line))).toHaveLength(4);
    expect(printed.at(-1)).toContain('3 consecutive failed polls');
    const files = await readdir(dir);
    expect(files.filter((file) => file.endsWith('.json'))).toHaveLength(1);
    const report = JSON.parse(
      await readFile(
        path.join(
          dir,
          files.find((file) => file.endsWith('.json'))!,
        ),
        'utf8',
      ),
    );
    expect(report.changes.map((change: { to: string }) => change.to)).toEqual(['up', 'down', 'up', 'down']);
    expect(
      await readFile(
        path.join(
          dir,
          files.find((file) => file.endsWith('.md'))!,
        ),
        'utf8',
      ),
    ).toContain('## Outages');
  });

  it('exits 0 after --count polls with no failure streak', async () => {
    const { opts } = await options([true, false, true], { maxPolls: 5 });
    const result = await runMonitor(opts);
    expect(result).toMatchObject({ exitCode: 0, stopReason: 'finished' });
    expect(result.report.summary).toMatchObject({ polls: 5, failures: 1, uptimePercent: 80 });
  });

  it('stops on abort (Ctrl-C) with exit 130 and still writes the report', async () => {
    const controller = new AbortController();
    const { opts, dir } = await options([true], { intervalMs: 60_000, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();
    const result = await runMonitor(opts);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(result).toMatchObject({ exitCode: 130, stopReason: 'interrupted' });
    expect((await readdir(dir)).length).toBe(2);
  });

  it('reads the failing dependencies from a readiness body', () => {
    const body = {
      status: 'unavailable',
      checks: { postgres: { ok: true, latencyMs: 3 }, qdrant: { ok: false, latencyMs: 2000, error: 'timeout' } },
    };
    expect(dependencySummary(body)).toEqual({ failing: ['qdrant'], text: 'qdrant: timeout, postgres 3 ms' });
    const sample = readinessSample(0, '/health/ready', {
      ok: true,
      status: 503,
      body: JSON.stringify(body),
      latencyMs: 2004,
    });
    expect(sample).toMatchObject({ ok: false });
    expect(sample.summary).toContain('503 not ready (qdrant failing)');
  });

  it('refuses bad flags with a message naming them', () => {
    expect(() => parseMonitorArgs(['--interval=0'])).toThrow(UsageError);
    expect(() => parseMonitorArgs(['--interval=2', '--timeout=5'])).toThrow(/must not exceed --interval/);
    expect(() => parseMonitorArgs(['--failures=1.5'])).toThrow(/whole number/);
    expect(() => parseMonitorArgs(['--url=ftp://x'])).toThrow(/http\(s\) URL/);
    expect(() => parseMonitorArgs(['--bogus'])).toThrow(UsageError);
    expect(parseMonitorArgs(['--ask', '--url=http://127.0.0.1:8000/'])).toMatchObject({
      question: 'What does a ROS 2 node do?',
      url: 'http://127.0.0.1:8000',
      maxConsecutiveFailures: 3,
    });
  });
});
