import { mkdir, readdir, rename, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { targetBaseOf } from '../environments/info.ts';
import { writePerfReport } from './perf.ts';
import type { RunSummary } from './summary.ts';

/** `saveBaseline`: this run's performance figures become reports/baseline/perf.json (`--save-baseline`). */
export async function writeReports(
  reportDir: string,
  summary: RunSummary,
  options: { saveBaseline?: boolean } = {},
): Promise<void> {
  await mkdir(reportDir, { recursive: true });
  await writeFile(path.join(reportDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  // perf.json and perf.html when the load suite (5.2) ran, and its numbers for summary.md.
  const perf = await writePerfReport(reportDir, {
    env: summary.env,
    runId: summary.runId,
    startedAt: summary.startedAt,
    saveBaseline: options.saveBaseline ?? false,
  }).catch((error: Error) => `## Performance\n\nThe performance report could not be written: ${error.message}\n`);
  const markdown = renderMarkdown(summary, await listLogs(reportDir));
  await writeFile(path.join(reportDir, 'summary.md'), perf ? `${markdown}\n${perf}` : markdown);
  await pointLatestAt(reportDir);
}

/** reports/latest -> the newest run, swapped atomically so readers never see it missing. */
async function pointLatestAt(reportDir: string): Promise<void> {
  const parent = path.dirname(reportDir);
  const temporary = path.join(parent, `.latest-${process.pid}`);
  await symlink(path.basename(reportDir), temporary);
  await rename(temporary, path.join(parent, 'latest'));
}

const statusMark = { passed: 'PASS', failed: 'FAIL', skipped: 'SKIP' } as const;

async function listLogs(reportDir: string): Promise<string[]> {
  try {
    return (await readdir(path.join(reportDir, 'logs'))).sort().map((name) => `logs/${name}`);
  } catch {
    return [];
  }
}

export function renderMarkdown(summary: RunSummary, logs: readonly string[] = []): string {
  const lines: string[] = [];
  const { counts } = summary;
  lines.push(`# shipshape report: ${summary.env}`, '');
  lines.push(`- Outcome: **${summary.outcome}** (exit code ${summary.exitCode})`);
  lines.push(`- Checks: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  lines.push(`- Started: ${summary.startedAt}, took ${(summary.durationMs / 1000).toFixed(1)} s`);
  const where = summary.target.url ? ` at ${summary.target.url}` : '';
  lines.push(
    `- Target: ${summary.target.name}${where}, image \`${summary.target.image}\`, harness commit \`${summary.target.commit}\``,
  );
  const images = Object.entries(summary.images).filter(([key]) => targetBaseOf(key) === undefined);
  if (images.length > 0) lines.push(`- Images: ${images.map(([role, image]) => `${role} \`${image}\``).join(', ')}`);
  const bases = Object.entries(summary.images).flatMap(([key, used]) => {
    const named = targetBaseOf(key);
    return named === undefined ? [] : [{ named, used }];
  });
  if (bases.length > 0) {
    // A substitute is not the image Railway builds from: the report says which stood in for which.
    const shown = bases.map(({ named, used }) =>
      used === named ? `\`${named}\`` : `\`${named}\` built from its substitute \`${used}\``,
    );
    lines.push(`- Target base images: ${shown.join('; ')}`);
  }
  lines.push('');

  if (summary.harnessErrors.length > 0) {
    lines.push('## The harness could not run', '');
    for (const error of summary.harnessErrors) lines.push(`- ${cell(error)}`);
    lines.push('');
  }

  const tasks = [...new Set(summary.checks.map((check) => check.task))].sort((a, b) =>
    a.localeCompare(b, 'en', { numeric: true }),
  );
  for (const task of tasks) {
    lines.push(`## Seed task ${task}`, '', '| check | status | details |', '|---|---|---|');
    for (const check of summary.checks.filter((c) => c.task === task)) {
      lines.push(`| \`${check.id}\` | ${statusMark[check.status]} | ${cell(check.message)}${links(check)} |`);
    }
    lines.push('');
  }

  const failures = summary.checks.filter((check) => check.status === 'failed');
  if (failures.length > 0) {
    lines.push('## What to change', '');
    for (const check of failures) {
      lines.push(`### \`${check.id}\``, '', check.message, '');
      if (check.hint) lines.push(`**Hint:** ${check.hint}`, '');
      if (check.evidence) lines.push('Evidence:', '', '```text', check.evidence, '```', '');
    }
    if (logs.length > 0) {
      lines.push('## Container logs', '', 'Secret values are masked.', '');
      for (const log of logs) lines.push(`- [${log}](${log})`);
      lines.push('');
    }
  }
  return `${lines.join('\n')}\n`;
}

/** A check's attachments as links beside its message (paths are relative to summary.md). */
function links(check: RunSummary['checks'][number]): string {
  if (!check.attachments?.length) return '';
  return ` (${check.attachments.map((file) => `[${cell(file.label)}](${encodeURI(file.path)})`).join(', ')})`;
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}
