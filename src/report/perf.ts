/**
 * The performance report: the load suite's parts (src/load/perf-data.ts) gathered into perf.json, a
 * perf.html that needs no network (charts drawn by echarts on the server as inline SVG: latency
 * histogram, percentiles over time, throughput, the target's CPU and memory, WebSocket memory), and a
 * section of summary.md with the same numbers. With a saved baseline (reports/baseline/perf.json, written
 * by `--save-baseline`) every scenario's change is printed in percent, and the ones that got worse are
 * called regressions.
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as echarts from 'echarts';
import { readPerfParts, type PerfPart, type ScenarioPart, type WebSocketPart } from '../load/perf-data.ts';
import { bucketEdgesMs } from '../load/recorder.ts';
import { screenshotFile } from '../support/chromium.ts';
import { progress } from '../support/progress.ts';

export interface PerfReport {
  env: string;
  runId: string;
  startedAt: string;
  parts: PerfPart[];
  /** Against reports/baseline/perf.json, when there is one. */
  comparison?: Comparison;
}

export interface Change {
  scenario: string;
  metric: string;
  baseline: number;
  current: number;
  /** (current - baseline) / baseline, in percent, rounded to 0.1. */
  percent: number;
  /** Worse by more than the noise allowance (latency up or throughput down by over 20 %). */
  regression: boolean;
}

export interface Comparison {
  baselineStartedAt: string;
  changes: Change[];
}

/** Runs on a shared 2-core machine vary by this much without any change to the code. */
export const regressionAllowancePercent = 20;

const round1 = (value: number): number => Math.round(value * 10) / 10;

function metricsOf(part: PerfPart): Record<string, { value: number; higherIsWorse: boolean }> {
  if (part.kind === 'scenario') {
    return {
      'requests/s': { value: part.run.requestsPerSecond, higherIsWorse: false },
      'p50 ms': { value: part.run.latencyMs.p50, higherIsWorse: true },
      'p95 ms': { value: part.run.latencyMs.p95, higherIsWorse: true },
      'p99 ms': { value: part.run.latencyMs.p99, higherIsWorse: true },
      ...(part.cpuMsPerRequest !== undefined
        ? { 'CPU ms/request': { value: part.cpuMsPerRequest, higherIsWorse: true } }
        : {}),
    };
  }
  if (part.kind === 'websocket') {
    return {
      'answer p95 ms': { value: part.answers.latencyMs.p95, higherIsWorse: true },
      'connect p95 ms': { value: part.run.connectMs.p95, higherIsWorse: true },
      ...(part.resources ? { 'peak memory MB': { value: part.resources.memoryMb.peak, higherIsWorse: true } } : {}),
    };
  }
  return { 'query p95 ms': { value: part.queryMs.p95, higherIsWorse: true } };
}

export function compare(current: readonly PerfPart[], baseline: readonly PerfPart[]): Change[] {
  const changes: Change[] = [];
  for (const part of current) {
    const before = baseline.find((candidate) => candidate.kind === part.kind && candidate.name === part.name);
    if (!before) continue;
    const now = metricsOf(part);
    const then = metricsOf(before);
    for (const [metric, { value, higherIsWorse }] of Object.entries(now)) {
      const old = then[metric]?.value;
      if (old === undefined || !Number.isFinite(old) || !Number.isFinite(value) || old === 0) continue;
      const percent = round1(((value - old) / old) * 100);
      const worse = higherIsWorse ? percent : -percent;
      changes.push({
        scenario: part.name,
        metric,
        baseline: old,
        current: value,
        percent,
        regression: worse > regressionAllowancePercent,
      });
    }
  }
  return changes;
}

// ---------------------------------------------------------------- charts

const palette = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#4b5563'];

function svgChart(option: Record<string, unknown>, width = 900, height = 320): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  chart.setOption({ animation: false, color: palette, textStyle: { fontFamily: 'sans-serif' }, ...option });
  const svg = chart.renderToSVGString();
  chart.dispose();
  return svg;
}

const legend = { top: 28, type: 'scroll' };
const grid = { left: 70, right: 70, top: 70, bottom: 50 };

function histogramChart(scenarios: readonly ScenarioPart[], websocket?: WebSocketPart): string {
  const labels = [...bucketEdgesMs.map((edge) => `≤${edge}`), `>${bucketEdgesMs.at(-1)}`];
  const runs = [
    ...scenarios.map((part) => ({ name: part.name, counts: part.run.histogram.counts })),
    ...(websocket ? [{ name: 'websocket answers', counts: websocket.answers.histogram.counts }] : []),
  ];
  // Only the buckets any run used, so the bars are wide enough to read.
  const used = labels.map((_, index) => runs.some((run) => (run.counts[index] ?? 0) > 0));
  const first = Math.max(0, used.indexOf(true));
  const last = Math.max(first, used.lastIndexOf(true));
  return svgChart({
    title: {
      text: 'Latency histogram (share of answered requests per bucket, ms)',
      left: 'center',
      textStyle: { fontSize: 14 },
    },
    legend,
    grid,
    tooltip: {},
    xAxis: {
      type: 'category',
      data: labels.slice(first, last + 1),
      name: 'ms',
      axisLabel: { rotate: 30, interval: 0 },
    },
    yAxis: { type: 'value', name: '% of answers', max: 100 },
    series: runs.map((run) => {
      const total = run.counts.reduce((sum, count) => sum + count, 0) || 1;
      return {
        name: run.name,
        type: 'bar',
        data: run.counts.slice(first, last + 1).map((count) => round1((count / total) * 100)),
      };
    }),
  });
}

function percentilesChart(scenarios: readonly ScenarioPart[]): string {
  return svgChart({
    title: {
      text: 'Percentiles over time (each second of the measured run)',
      left: 'center',
      textStyle: { fontSize: 14 },
    },
    legend,
    grid,
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'value', name: 's', min: 0 },
    yAxis: { type: 'log', name: 'ms', logBase: 10 },
    series: scenarios.flatMap((part) => [
      {
        name: `${part.name} p95`,
        type: 'line',
        showSymbol: false,
        data: part.run.timeline.filter((point) => point.p95 > 0).map((point) => [point.second, point.p95]),
      },
      {
        name: `${part.name} p50`,
        type: 'line',
        showSymbol: false,
        lineStyle: { type: 'dashed' },
        data: part.run.timeline.filter((point) => point.p50 > 0).map((point) => [point.second, point.p50]),
      },
    ]),
  });
}

function throughputChart(scenarios: readonly ScenarioPart[]): string {
  return svgChart({
    title: {
      text: 'Throughput (requests per second; failures stacked apart)',
      left: 'center',
      textStyle: { fontSize: 14 },
    },
    legend,
    grid,
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'value', name: 's', min: 0 },
    yAxis: { type: 'value', name: 'requests/s' },
    series: scenarios.flatMap((part) => [
      {
        name: part.name,
        type: 'line',
        showSymbol: false,
        data: part.run.timeline.map((point) => [point.second, point.requests - point.non2xx - point.errors]),
      },
      ...(part.run.non2xx + part.run.errors > 0
        ? [
            {
              name: `${part.name} failed`,
              type: 'line',
              showSymbol: false,
              lineStyle: { type: 'dotted' },
              data: part.run.timeline.map((point) => [point.second, point.non2xx + point.errors]),
            },
          ]
        : []),
    ]),
  });
}

function resourcesChart(parts: readonly (ScenarioPart | WebSocketPart)[]): string {
  const withSamples = parts.filter((part) => part.resources && part.resources.samples.length > 0);
  return svgChart(
    {
      title: {
        text: "Target container's CPU (cores) and memory (MB) during each load",
        left: 'center',
        textStyle: { fontSize: 14 },
      },
      legend,
      grid,
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'value', name: 's', min: 0 },
      yAxis: [
        { type: 'value', name: 'cores', position: 'left' },
        { type: 'value', name: 'MB', position: 'right', scale: true },
      ],
      series: withSamples.flatMap((part) => [
        {
          name: `${part.name} CPU`,
          type: 'line',
          showSymbol: false,
          yAxisIndex: 0,
          data: part.resources!.samples.map((sample) => [sample.second, sample.cores]),
        },
        {
          name: `${part.name} memory`,
          type: 'line',
          showSymbol: false,
          yAxisIndex: 1,
          lineStyle: { type: 'dashed' },
          data: part.resources!.samples.map((sample) => [sample.second, sample.memoryMb]),
        },
      ]),
    },
    900,
    340,
  );
}

// ---------------------------------------------------------------- tables

function escape(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

const fixed = (value: number | undefined, digits = 1): string =>
  value === undefined || !Number.isFinite(value) ? 'n/a' : String(Math.round(value * 10 ** digits) / 10 ** digits);

function scenarioRows(scenarios: readonly ScenarioPart[]): string[][] {
  return scenarios.map((part) => {
    const r = part.run;
    const how =
      part.settings.mode === 'open' ? `open ${part.settings.rate}/s` : `closed ${part.settings.connections} conn`;
    return [
      part.name,
      `${how}, ${part.settings.durationSeconds} s`,
      fixed(r.requestsPerSecond),
      fixed(r.latencyMs.p50),
      fixed(r.latencyMs.p90),
      fixed(r.latencyMs.p95),
      fixed(r.latencyMs.p99),
      fixed(r.latencyMs.max),
      String(r.non2xx),
      String(r.errors),
      fixed(part.cpuMsPerRequest, 3),
      part.resources ? `${fixed(part.resources.cpu.meanCores, 2)} / ${fixed(part.resources.cpu.peakCores, 2)}` : 'n/a',
      part.resources ? `${fixed(part.resources.memoryMb.mean)} / ${fixed(part.resources.memoryMb.peak)}` : 'n/a',
    ];
  });
}

const scenarioHeader = [
  'scenario',
  'load',
  'requests/s',
  'p50 ms',
  'p90 ms',
  'p95 ms',
  'p99 ms',
  'max ms',
  'non-2xx',
  'errors',
  'CPU ms/request',
  'cores mean / peak',
  'memory MB mean / peak',
];

function htmlTable(header: readonly string[], rows: readonly string[][]): string {
  return (
    `<table><thead><tr>${header.map((cell) => `<th>${escape(cell)}</th>`).join('')}</tr></thead><tbody>` +
    rows.map((row) => `<tr>${row.map((cell) => `<td>${escape(cell)}</td>`).join('')}</tr>`).join('') +
    '</tbody></table>'
  );
}

function markdownTable(header: readonly string[], rows: readonly string[][]): string[] {
  const cell = (text: string) => text.replaceAll('|', '\\|');
  return [
    `| ${header.map(cell).join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ];
}

function websocketRows(part: WebSocketPart): string[][] {
  const r = part.run;
  return [
    [
      `${r.connected}/${r.clients}`,
      fixed(r.heldSeconds),
      fixed(r.connectMs.p95),
      `${r.answers}/${r.questions}`,
      fixed(part.answers.latencyMs.p50),
      fixed(part.answers.latencyMs.p95),
      fixed(part.answers.latencyMs.p99),
      String(r.dropped),
      String(r.keepAliveClients),
      part.resources
        ? `${fixed(part.resources.memoryMb.first)} → ${fixed(part.resources.memoryMb.last)} (peak ${fixed(part.resources.memoryMb.peak)})`
        : 'n/a',
      part.memory ? `${fixed(part.memory.slopeMbPerMinute, 2)} (limit ${part.memory.limitMbPerMinute})` : 'n/a',
    ],
  ];
}

const websocketHeader = [
  'clients held',
  'held s',
  'connect p95 ms',
  'answered',
  'answer p50 ms',
  'answer p95 ms',
  'answer p99 ms',
  'dropped',
  'keep-alive received',
  'memory MB',
  'idle memory slope MB/min',
];

function thresholdLines(parts: readonly PerfPart[]): string[] {
  return parts.flatMap((part) => (part.kind === 'database' ? [] : part.thresholds.map((verdict) => verdict.line)));
}

function changeRows(comparison: Comparison): string[][] {
  return comparison.changes.map((change) => [
    change.scenario,
    change.metric,
    fixed(change.baseline, 3),
    fixed(change.current, 3),
    `${change.percent > 0 ? '+' : ''}${change.percent}%`,
    change.regression ? 'REGRESSION' : '',
  ]);
}

const changeHeader = ['scenario', 'metric', 'baseline', 'now', 'change', ''];

export function renderPerfHtml(report: PerfReport): string {
  const scenarios = report.parts.filter((part): part is ScenarioPart => part.kind === 'scenario');
  const websocket = report.parts.find((part): part is WebSocketPart => part.kind === 'websocket');
  const database = report.parts.find((part) => part.kind === 'database');
  const sections: string[] = [];
  sections.push(`<h1>shipshape performance: ${escape(report.env)}</h1>`);
  sections.push(
    `<p>Run <code>${escape(report.runId)}</code>, started ${escape(report.startedAt)}. Latency percentiles are exact (HDR histograms of every answer); ` +
      "open-model scenarios count latency from the intended send time. CPU and memory are the target container's, from the Docker stats API.</p>",
  );
  if (scenarios.length > 0) {
    sections.push('<h2>HTTP scenarios</h2>', htmlTable(scenarioHeader, scenarioRows(scenarios)));
    const capped = scenarios.filter((part) => part.capped);
    if (capped.length > 0) sections.push(`<p>${escape(capped[0]!.capped!)}</p>`);
  }
  if (websocket) sections.push('<h2>WebSocket stability</h2>', htmlTable(websocketHeader, websocketRows(websocket)));
  if (database?.kind === 'database') {
    sections.push(
      '<h2>Conversation history query</h2>',
      `<p>${database.seededMessages} messages in ${database.seededConversations} conversations, seeded in ${database.seedMs} ms (removed afterwards). ` +
        `Plan: <code>${escape(database.plan.join(' ← '))}</code> (${database.usesIndex ? 'index' : '<b>no index</b>'}). ` +
        `Query p50 ${fixed(database.queryMs.p50, 3)} ms, p95 ${fixed(database.queryMs.p95, 3)} ms, p99 ${fixed(database.queryMs.p99, 3)} ms over ${database.queryMs.samples} runs.</p>`,
    );
  }
  const lines = thresholdLines(report.parts);
  if (lines.length > 0) sections.push('<h2>Thresholds</h2>', `<pre>${escape(lines.join('\n'))}</pre>`);
  if (report.comparison) {
    sections.push(
      `<h2>Against the baseline of ${escape(report.comparison.baselineStartedAt)}</h2>`,
      htmlTable(changeHeader, changeRows(report.comparison)),
    );
  }
  sections.push('<h2>Charts</h2>');
  if (scenarios.length > 0 || websocket) sections.push(`<figure>${histogramChart(scenarios, websocket)}</figure>`);
  if (scenarios.length > 0) {
    sections.push(`<figure>${percentilesChart(scenarios)}</figure>`, `<figure>${throughputChart(scenarios)}</figure>`);
  }
  const measuredResources = [...scenarios, ...(websocket ? [websocket] : [])];
  if (measuredResources.some((part) => part.resources))
    sections.push(`<figure>${resourcesChart(measuredResources)}</figure>`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>shipshape performance: ${escape(report.env)}</title>
<style>
body { font-family: sans-serif; margin: 24px; color: #111827; max-width: 1000px; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 13px; }
th, td { border: 1px solid #d1d5db; padding: 4px 8px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
th { background: #f3f4f6; }
figure { margin: 12px 0; border: 1px solid #e5e7eb; }
pre { background: #f9fafb; padding: 8px; font-size: 13px; }
</style></head>
<body>
${sections.join('\n')}
</body></html>
`;
}

/** `rendered`: perf.png was drawn from perf.html; otherwise why not. */
export function renderPerfMarkdown(report: PerfReport, rendered: true | string = true): string {
  const scenarios = report.parts.filter((part): part is ScenarioPart => part.kind === 'scenario');
  const websocket = report.parts.find((part): part is WebSocketPart => part.kind === 'websocket');
  const database = report.parts.find((part) => part.kind === 'database');
  const lines: string[] = [
    '## Performance',
    '',
    rendered === true
      ? 'Charts: [perf.html](perf.html) (as Chromium renders it: [perf.png](perf.png)); figures: [perf.json](perf.json).'
      : `Charts: [perf.html](perf.html); figures: [perf.json](perf.json). perf.png was not rendered: ${rendered}.`,
    '',
  ];
  if (scenarios.length > 0) lines.push(...markdownTable(scenarioHeader, scenarioRows(scenarios)), '');
  if (websocket) lines.push(...markdownTable(websocketHeader, websocketRows(websocket)), '');
  if (database?.kind === 'database') {
    lines.push(
      `History query over ${database.seededMessages} seeded messages: ${database.usesIndex ? 'index' : '**no index**'} ` +
        `(${database.plan.join(' <- ')}); p50 ${fixed(database.queryMs.p50, 3)} ms, p95 ${fixed(database.queryMs.p95, 3)} ms.`,
      '',
    );
  }
  const thresholds = thresholdLines(report.parts);
  if (thresholds.length > 0) lines.push('```text', ...thresholds, '```', '');
  if (report.comparison) {
    lines.push(`Against the baseline of ${report.comparison.baselineStartedAt}:`, '');
    lines.push(...markdownTable(changeHeader, changeRows(report.comparison)), '');
  }
  return `${lines.join('\n')}\n`;
}

export interface PerfWriteOptions {
  env: string;
  runId: string;
  startedAt: string;
  /** Where baselines live (default: <reports>/baseline beside the run folders). */
  baselineDir?: string;
  /** Copy this run's perf.json there, as the baseline later runs compare with. */
  saveBaseline?: boolean;
}

/**
 * Writes perf.json and perf.html when the run has load figures and returns the markdown section for
 * summary.md ('' when it has none).
 */
export async function writePerfReport(reportDir: string, options: PerfWriteOptions): Promise<string> {
  const parts = await readPerfParts(reportDir);
  if (parts.length === 0) return '';
  const baselineDir = options.baselineDir ?? path.join(path.dirname(reportDir), 'baseline');
  const report: PerfReport = { env: options.env, runId: options.runId, startedAt: options.startedAt, parts };
  const baseline = await readBaseline(baselineDir);
  // A baseline of another environment (local figures against a deployed service) compares nothing.
  if (baseline && baseline.env !== options.env && !options.saveBaseline) {
    progress(
      `the baseline in ${baselineDir} is of environment ${baseline.env}, this run of ${options.env}: not compared`,
    );
  }
  if (baseline && baseline.env === options.env && !options.saveBaseline) {
    report.comparison = { baselineStartedAt: baseline.startedAt, changes: compare(parts, baseline.parts) };
    for (const change of report.comparison.changes.filter((candidate) => candidate.regression)) {
      progress(
        `regression against the baseline: ${change.scenario} ${change.metric} ${change.baseline} -> ${change.current} ` +
          `(${change.percent > 0 ? '+' : ''}${change.percent}%)`,
      );
    }
  }
  await mkdir(reportDir, { recursive: true });
  const json = path.join(reportDir, 'perf.json');
  await writeFile(json, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(path.join(reportDir, 'perf.html'), renderPerfHtml(report));
  // The page as a reader sees it, drawn offline: a chart that fails to render shows here, not in someone's browser.
  const rendered = await screenshotFile(path.join(reportDir, 'perf.html'), path.join(reportDir, 'perf.png')).then(
    () => true as const,
    (error: Error) => error.message.split('\n')[0] ?? 'Chromium failed',
  );
  if (options.saveBaseline) {
    await mkdir(baselineDir, { recursive: true });
    await copyFile(json, path.join(baselineDir, 'perf.json'));
    progress(`saved this run's performance figures as the baseline: ${path.join(baselineDir, 'perf.json')}`);
  }
  return renderPerfMarkdown(report, rendered);
}

async function readBaseline(dir: string): Promise<PerfReport | undefined> {
  try {
    return JSON.parse(await readFile(path.join(dir, 'perf.json'), 'utf8')) as PerfReport;
  } catch {
    return undefined;
  }
}
