import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RouteResult } from './load.ts';

/** A limit on one route's figure, kept as data so the report can print it beside the measured value. */
export interface Threshold {
  route: string;
  /** The load the limit is stated for; a run at another concurrency reports the figure without judging it. */
  connections: number;
  p95Ms?: number;
  minRequestsPerSecond?: number;
}

export interface ThresholdOutcome {
  route: string;
  metric: string;
  limit: string;
  measured: number | undefined;
  passed: boolean;
  /** Set when the run's concurrency differs from the threshold's: shown, not judged. */
  notJudged?: string;
}

/**
 * A route with non-2xx answers or connection errors fails every threshold on
 * it: fast failures (429, 500) would otherwise look like good latency.
 */
export function evaluate(
  thresholds: readonly Threshold[],
  results: readonly RouteResult[],
  connections: number,
): ThresholdOutcome[] {
  return thresholds.flatMap((threshold) =>
    judge(threshold, results).map((outcome) =>
      threshold.connections === connections
        ? outcome
        : {
            ...outcome,
            // Failed requests fail the run at any concurrency.
            passed: results.some((r) => r.route === threshold.route && r.non2xx === 0 && r.errors === 0),
            notJudged: `stated for ${threshold.connections} connections, run at ${connections}`,
          },
    ),
  );
}

function judge(threshold: Threshold, results: readonly RouteResult[]): ThresholdOutcome[] {
  const outcomes: ThresholdOutcome[] = [];
  const result = results.find((candidate) => candidate.route === threshold.route);
  const clean = result !== undefined && result.non2xx === 0 && result.errors === 0;
  if (threshold.p95Ms !== undefined) {
    const measured = result?.latencyMs.p95;
    outcomes.push({
      route: threshold.route,
      metric: 'p95 (ms)',
      limit: `< ${threshold.p95Ms}`,
      measured,
      passed: clean && measured !== undefined && measured < threshold.p95Ms,
    });
  }
  if (threshold.minRequestsPerSecond !== undefined) {
    const measured = result?.requestsPerSecond;
    outcomes.push({
      route: threshold.route,
      metric: 'requests/s',
      limit: `>= ${threshold.minRequestsPerSecond}`,
      measured,
      passed: clean && measured !== undefined && measured >= threshold.minRequestsPerSecond,
    });
  }
  return outcomes;
}

export interface Ratios {
  /** query p95 / health p95: how much slower a question is than the cheapest route, in the same run. */
  p95: number | undefined;
  /** query requests/s / health requests/s. */
  throughput: number | undefined;
}

export function ratios(query: RouteResult | undefined, health: RouteResult | undefined): Ratios {
  const divide = (a: number | undefined, b: number | undefined): number | undefined =>
    a !== undefined && b ? Math.round((a / b) * 1000) / 1000 : undefined;
  return {
    p95: divide(query?.latencyMs.p95, health?.latencyMs.p95),
    throughput: divide(query?.requestsPerSecond, health?.requestsPerSecond),
  };
}

export function routeRows(results: readonly RouteResult[]): Record<string, Record<string, number>> {
  return Object.fromEntries(
    results.map((result) => [
      result.route,
      {
        'requests/s': result.requestsPerSecond,
        'p50 ms': result.latencyMs.p50,
        'p95 ms': result.latencyMs.p95,
        'p99 ms': result.latencyMs.p99,
        'max ms': result.latencyMs.max,
        non2xx: result.non2xx,
        errors: result.errors,
      },
    ]),
  );
}

/** Lines that make a broken run impossible to miss. */
export function failureBanner(results: readonly RouteResult[]): string[] {
  return results
    .filter((result) => result.non2xx > 0 || result.errors > 0)
    .map(
      (result) =>
        `!!! ${result.route}: ${result.non2xx} non-2xx responses and ${result.errors} errors ` +
        `(${result.timeouts} timeouts) out of ${result.requests}: these figures do not describe a healthy backend`,
    );
}

export interface BenchReport {
  timestamp: string;
  passed: boolean;
  [key: string]: unknown;
}

export function markdown(
  report: BenchReport,
  results: readonly RouteResult[],
  ratio: Ratios,
  outcomes: ThresholdOutcome[],
): string {
  const lines = [
    `# Backend benchmark ${report.timestamp}`,
    '',
    '| route | requests/s | p50 ms | p95 ms | p99 ms | max ms | non-2xx | errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...results.map(
      (r) =>
        `| ${r.route} | ${r.requestsPerSecond} | ${r.latencyMs.p50} | ${r.latencyMs.p95} | ${r.latencyMs.p99} | ` +
        `${r.latencyMs.max} | ${r.non2xx} | ${r.errors} |`,
    ),
    '',
    `Ratios (same run): query p95 / health p95 = ${ratio.p95 ?? 'n/a'}; ` +
      `query throughput / health throughput = ${ratio.throughput ?? 'n/a'}`,
    '',
    '| threshold | limit | measured | result |',
    '| --- | --- | ---: | --- |',
    ...outcomes.map(
      (o) =>
        `| ${o.route} ${o.metric} | ${o.limit} | ${o.measured ?? 'n/a'} | ` +
        `${o.notJudged ? `not judged (${o.notJudged})` : o.passed ? 'pass' : 'FAIL'} |`,
    ),
    ...failureBanner(results).map((line) => `\n**${line}**`),
    '',
  ];
  return lines.join('\n');
}

export async function writeReports(
  dir: string,
  report: BenchReport,
  md: string,
): Promise<{ json: string; markdown: string }> {
  await mkdir(dir, { recursive: true });
  const stamp = report.timestamp.replace(/[:.]/g, '-');
  const json = path.join(dir, `backend-${stamp}.json`);
  const markdownFile = path.join(dir, `backend-${stamp}.md`);
  await writeFile(json, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(markdownFile, md);
  return { json, markdown: markdownFile };
}
