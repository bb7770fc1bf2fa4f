/**
 * The monitor's uptime report: `<dir>/monitor-<timestamp>.json` for tools and
 * `.md` for people, written when the monitor stops for any reason (its
 * polls, its failure limit, Ctrl-C), so a cron job leaves a record each run.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { StatusChange, UptimeSummary } from './state.ts';

export type StopReason = 'finished' | 'failure-limit' | 'interrupted';

export interface MonitorReport {
  url: string;
  env: string;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  stopReason: StopReason;
  exitCode: number;
  settings: { intervalMs: number; timeoutMs: number; maxConsecutiveFailures: number; question?: string };
  summary: UptimeSummary;
  changes: { at: string; from: string; to: string; summary: string; afterMs?: number }[];
}

export function changeRecord(change: StatusChange): MonitorReport['changes'][number] {
  return {
    at: new Date(change.at).toISOString(),
    from: change.from,
    to: change.to,
    summary: change.sample.summary,
    ...(change.afterMs !== undefined ? { afterMs: change.afterMs } : {}),
  };
}

const reasons: Record<StopReason, string> = {
  finished: 'the polls asked for were done',
  'failure-limit': 'too many consecutive failures',
  interrupted: 'interrupted (Ctrl-C or SIGTERM)',
};

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export function reportMarkdown(report: MonitorReport): string {
  const { summary } = report;
  const lines = [
    `# Uptime: ${report.url}`,
    '',
    `- Environment: ${report.env}; from ${report.startedAt} to ${report.endedAt} (${seconds(report.durationMs)})`,
    `- Stopped: ${reasons[report.stopReason]}; exit ${report.exitCode}`,
    `- Polls: ${summary.polls}, failed: ${summary.failures}, uptime: ${summary.uptimePercent ?? '-'} %, downtime: ${seconds(summary.downtimeMs)}`,
    `- Latency of good polls: p50 ${summary.latencyMs.p50 ?? '-'} ms, p95 ${summary.latencyMs.p95 ?? '-'} ms, max ${summary.latencyMs.max ?? '-'} ms`,
    `- Every ${seconds(report.settings.intervalMs)}, timeout ${seconds(report.settings.timeoutMs)}, stop after ${report.settings.maxConsecutiveFailures} consecutive failures` +
      (report.settings.question ? `, asking "${report.settings.question}"` : ''),
    '',
    '## Status changes',
    '',
    '| at | from | to | what the poll saw |',
    '| --- | --- | --- | --- |',
    ...report.changes.map(
      (change) => `| ${change.at} | ${change.from} | ${change.to} | ${change.summary.replaceAll('|', '\\|')} |`,
    ),
    '',
    '## Outages',
    '',
    ...(summary.outages.length === 0
      ? ['None.']
      : [
          '| start | end | failed polls | cause |',
          '| --- | --- | --- | --- |',
          ...summary.outages.map(
            (outage) =>
              `| ${new Date(outage.start).toISOString()} | ${outage.end ? new Date(outage.end).toISOString() : 'ongoing'} | ${outage.failures} | ${outage.cause.replaceAll('|', '\\|')} |`,
          ),
        ]),
    '',
  ];
  return lines.join('\n');
}

/** Writes both files; returns their paths. */
export async function writeMonitorReport(dir: string, report: MonitorReport): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const stamp = report.startedAt.replaceAll(':', '-').replace(/\.\d+Z$/, 'Z');
  const base = path.join(dir, `monitor-${stamp}`);
  await writeFile(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(`${base}.md`, reportMarkdown(report));
  return [`${base}.json`, `${base}.md`];
}
