/**
 * perf.html and perf.json from the load suite's parts, viewed as a person would: rendered by headless
 * Chromium with the network off. The screenshot is kept in reports/selftest/perf-html.png.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { launchChromium } from '../src/support/chromium.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpRun } from '../src/load/http.ts';
import { writePerfPart, type PerfPart } from '../src/load/perf-data.ts';
import { Recorder } from '../src/load/recorder.ts';
import { compare, writePerfReport } from '../src/report/perf.ts';

function syntheticRun(baseMs: number, rps: number, mode: 'closed' | 'open'): HttpRun {
  const recorder = new Recorder(0);
  for (let second = 0; second < 8; second++) {
    for (let i = 0; i < rps; i++) {
      recorder.record(
        baseMs * (0.5 + ((i * 7919) % 100) / 60) + second,
        { status: i % 97 ? 200 : 500 },
        second * 1000 + i,
      );
    }
  }
  return { ...recorder.finish(8), mode, connections: 20, ...(mode === 'open' ? { targetRate: rps } : {}) };
}

const resources = (base: number) => {
  const samples = Array.from({ length: 8 }, (_, i) => ({
    second: i + 1,
    cores: 0.4 + (i % 3) / 10,
    memoryMb: base + i,
  }));
  return {
    samples,
    cpu: { meanCores: 0.5, peakCores: 0.6, totalMs: 4000 },
    memoryMb: { mean: base + 4, peak: base + 7, first: base, last: base + 7 },
  };
};

function parts(scale = 1): PerfPart[] {
  const answers = syntheticRun(300 * scale, 60, 'open');
  return [
    {
      kind: 'scenario',
      name: 'health',
      route: 'health',
      settings: { mode: 'closed', connections: 20, durationSeconds: 8, warmupSeconds: 2 },
      run: syntheticRun(15 * scale, 1000, 'closed'),
      resources: resources(180),
      cpuMsPerRequest: 0.21,
      thresholds: [
        {
          scenario: 'health',
          source: 'p95<500ms',
          ok: true,
          line: 'health: ✓ p95<500ms  measured p(95)=30ms',
          measured: 30,
          limit: 500,
        },
      ],
    },
    {
      kind: 'scenario',
      name: 'query',
      route: 'query',
      settings: { mode: 'open', connections: 20, rate: 20, durationSeconds: 8, warmupSeconds: 2 },
      run: syntheticRun(200 * scale, 20, 'open'),
      resources: resources(200),
      cpuMsPerRequest: 8.7,
      thresholds: [],
    },
    {
      kind: 'websocket',
      name: 'websocket',
      run: {
        clients: 500,
        connected: 500,
        dropped: 0,
        dropReasons: {},
        keepAliveClients: 500,
        keepAliveExpected: 500,
        keepAliveMissing: 0,
        lastAnswerSecond: 6,
        questions: 500,
        answers: 500,
        unanswered: 0,
        errorFrames: {},
        connectMs: answers.latencyMs,
        heldSeconds: 20,
      },
      answers,
      resources: resources(250),
      memory: { slopeMbPerMinute: 1.2, samples: 12, limitMbPerMinute: 60, fromSecond: 8 },
      thresholds: [],
    },
    {
      kind: 'database',
      name: 'history',
      seededMessages: 100000,
      seededConversations: 1000,
      seedMs: 3400,
      plan: ['Sort', 'Bitmap Heap Scan on messages', 'Bitmap Index Scan using messages_conversation_created_at_idx'],
      usesIndex: true,
      queryMs: { ...answers.latencyMs, samples: 200 },
    },
  ];
}

describe('performance report', () => {
  let root = '';
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'shipshape-perf-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('writes nothing when the run had no load', async () => {
    expect(await writePerfReport(path.join(root, 'empty'), { env: 'local', runId: 'r0', startedAt: 't0' })).toBe('');
    expect(existsSync(path.join(root, 'empty', 'perf.html'))).toBe(false);
  });

  it('writes perf.json, a perf.html with charts that renders offline, and the numbers for summary.md', async () => {
    const runDir = path.join(root, 'local-1');
    for (const part of parts()) await writePerfPart(runDir, part);
    const markdown = await writePerfReport(runDir, { env: 'local', runId: 'r1', startedAt: 't1' });
    expect(markdown).toContain('## Performance');
    expect(markdown).toMatch(/\| health \| closed 20 conn, 8 s \| 1000 \|/);
    expect(markdown).toContain('health: ✓ p95<500ms  measured p(95)=30ms');
    const json = JSON.parse(await readFile(path.join(runDir, 'perf.json'), 'utf8'));
    expect(json.parts).toHaveLength(4);

    const html = await readFile(path.join(runDir, 'perf.html'), 'utf8');
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
    expect(html.match(/<svg /g)?.length).toBe(4);

    // The report drew perf.png with Chromium (setup installs it): a missing browser fails here, never skips.
    expect(markdown).toContain('[perf.png](perf.png)');
    expect(existsSync(path.join(runDir, 'perf.png'))).toBe(true);
    const browser = await launchChromium();
    try {
      const context = await browser.newContext({ offline: true, viewport: { width: 1100, height: 900 } });
      const page = await context.newPage();
      const requests: string[] = [];
      page.on('request', (request) => requests.push(request.url()));
      await page.goto(`file://${path.join(runDir, 'perf.html')}`);
      const charts = await page.$$eval('figure svg', (svgs) =>
        svgs.map((svg) => {
          const box = svg.getBoundingClientRect();
          return { width: box.width, height: box.height, marks: svg.querySelectorAll('path, rect').length };
        }),
      );
      expect(charts).toHaveLength(4);
      for (const chart of charts) {
        expect(chart.width).toBeGreaterThan(800);
        expect(chart.marks).toBeGreaterThan(10);
      }
      expect(requests.filter((url) => !url.startsWith('file://'))).toEqual([]);
      const png = path.join(runDir, 'perf-html.png');
      await page.screenshot({ path: png, fullPage: true });
      await mkdir('reports/selftest', { recursive: true });
      await copyFile(png, 'reports/selftest/perf-html.png');
    } finally {
      await browser.close();
    }
  });

  it('saves a baseline and prints later changes in percent, calling a worse p95 a regression', async () => {
    const baselineDir = path.join(root, 'baseline');
    const first = path.join(root, 'local-2');
    for (const part of parts()) await writePerfPart(first, part);
    await writePerfReport(first, { env: 'local', runId: 'r2', startedAt: 't2', baselineDir, saveBaseline: true });
    expect(existsSync(path.join(baselineDir, 'perf.json'))).toBe(true);

    const slower = path.join(root, 'local-3');
    for (const part of parts(3)) await writePerfPart(slower, part);
    const markdown = await writePerfReport(slower, { env: 'local', runId: 'r3', startedAt: 't3', baselineDir });
    expect(markdown).toContain('Against the baseline of t2');
    expect(markdown).toMatch(/\| health \| p95 ms \| [\d.]+ \| [\d.]+ \| \+\d+(\.\d)?% \| REGRESSION \|/);
  });

  it('compares like with like and ignores what the baseline did not measure', () => {
    const changes = compare(parts(), parts().slice(0, 1));
    expect(new Set(changes.map((change) => change.scenario))).toEqual(new Set(['health']));
    expect(changes.every((change) => change.percent === 0 && !change.regression)).toBe(true);
  });
});
