/**
 * The flaky self-test's verdict: N runs of the full local suite on the good
 * target, folded into one row per check (how many runs it passed, its median
 * and slowest duration) and one row per run (exit code, wall time, what
 * failed). Pure: the runner hands it what each run left behind.
 */
import type { CheckRecord, CheckStatus } from '../../src/report/summary.ts';
import { duration, percentile, secondsCell } from './stats.ts';

/** What one run of `npm test -- --env=local` left: its exit and, when it wrote one, its summary.json. */
export interface FlakyRun {
  /** 1-based. */
  run: number;
  exitCode: number | null;
  /** Set when the run ended on a signal (after a timeout, say). */
  signal?: string | null;
  wallMs: number;
  timedOut: boolean;
  /** Relative to the flaky report: the run's summary.md (when it wrote one) and its console output. */
  links: { summary?: string; output: string };
  summary:
    { checks: Pick<CheckRecord, 'id' | 'status' | 'durationMs' | 'message'>[]; harnessErrors: string[] } | undefined;
  /** What went wrong around the run itself: a timeout, no summary.json, a failed spawn. */
  errors: string[];
}

export interface CheckRow {
  id: string;
  runs: number;
  passed: number;
  failed: number;
  skipped: number;
  /** Runs without a verdict for this check (a run that died, or lost it). */
  missing: number;
  p50Ms: number | undefined;
  maxMs: number | undefined;
  /** Per run, in order: the status, or "missing". */
  statuses: (CheckStatus | 'missing')[];
  durationsMs: (number | null)[];
}

export interface RunRow {
  run: number;
  exitCode: number | null;
  signal: string | null;
  wallMs: number;
  timedOut: boolean;
  green: boolean;
  failedChecks: string[];
  harnessErrors: string[];
  links: { summary?: string; output: string };
}

export interface ColdStep {
  step: string;
  status: 'done' | 'skipped' | 'failed';
  detail: string;
  ms: number;
}

export interface FlakyReport {
  kind: 'shipshape-selftest-flaky';
  startedAt: string;
  durationMs: number;
  command: string;
  configFile: string;
  target: string;
  runsRequested: number;
  timeoutMs: number;
  /** null without --cold. */
  cold: ColdStep[] | null;
  green: boolean;
  /** Checks that passed in some runs and not in others. */
  flaky: string[];
  /** Checks that passed in no run. */
  neverPassed: string[];
  checks: CheckRow[];
  runs: RunRow[];
}

/** A run is green when it exited 0 on its own: every check passed, no harness error, no timeout. */
export function isGreen(run: FlakyRun): boolean {
  return run.exitCode === 0 && !run.timedOut && run.errors.length === 0;
}

/**
 * One row per check, in the order of `expectedIds` (the registry's) and then
 * any other id a run reported. A check a run has no verdict for counts as not
 * passed in that run.
 */
export function aggregateChecks(runs: readonly FlakyRun[], expectedIds: readonly string[] = []): CheckRow[] {
  const ids = [...expectedIds];
  for (const run of runs)
    for (const check of run.summary?.checks ?? []) if (!ids.includes(check.id)) ids.push(check.id);
  return ids.map((id) => {
    const records = runs.map((run) => run.summary?.checks.find((check) => check.id === id));
    const durations = records.flatMap((record) => (record ? [record.durationMs] : []));
    const count = (status: CheckStatus) => records.filter((record) => record?.status === status).length;
    return {
      id,
      runs: runs.length,
      passed: count('passed'),
      failed: count('failed'),
      skipped: count('skipped'),
      missing: records.filter((record) => record === undefined).length,
      p50Ms: percentile(durations, 50),
      maxMs: percentile(durations, 100),
      statuses: records.map((record) => record?.status ?? 'missing'),
      durationsMs: records.map((record) => record?.durationMs ?? null),
    };
  });
}

export function runRows(runs: readonly FlakyRun[]): RunRow[] {
  return runs.map((run) => ({
    run: run.run,
    exitCode: run.exitCode,
    signal: run.signal ?? null,
    wallMs: run.wallMs,
    timedOut: run.timedOut,
    green: isGreen(run),
    failedChecks: (run.summary?.checks ?? []).filter((check) => check.status === 'failed').map((check) => check.id),
    harnessErrors: [...run.errors, ...(run.summary?.harnessErrors ?? [])],
    links: run.links,
  }));
}

export function buildFlakyReport(
  input: Pick<
    FlakyReport,
    'durationMs' | 'command' | 'configFile' | 'target' | 'runsRequested' | 'timeoutMs' | 'cold'
  > & {
    startedAt: Date;
    runs: readonly FlakyRun[];
    expectedIds?: readonly string[];
  },
): FlakyReport {
  const checks = aggregateChecks(input.runs, input.expectedIds);
  const runs = runRows(input.runs);
  const coldFailed = (input.cold ?? []).some((step) => step.status === 'failed');
  return {
    kind: 'shipshape-selftest-flaky',
    startedAt: input.startedAt.toISOString(),
    durationMs: input.durationMs,
    command: input.command,
    configFile: input.configFile,
    target: input.target,
    runsRequested: input.runsRequested,
    timeoutMs: input.timeoutMs,
    cold: input.cold,
    // Fewer runs than asked for (interrupted) is not green either.
    green: !coldFailed && runs.length === input.runsRequested && runs.every((run) => run.green),
    flaky: checks.filter((row) => row.passed > 0 && row.passed < row.runs).map((row) => row.id),
    neverPassed: checks.filter((row) => row.passed === 0 && row.skipped < row.runs).map((row) => row.id),
    checks,
    runs,
  };
}

export function renderFlakyMarkdown(report: FlakyReport): string {
  const lines: string[] = [];
  const greenRuns = report.runs.filter((run) => run.green).length;
  lines.push('# shipshape self-test: flaky checks', '');
  lines.push(
    `- Verdict: **${report.green ? 'GREEN' : 'NOT GREEN'}**: ${greenRuns} of ${report.runsRequested} run(s) green` +
      (report.runs.length < report.runsRequested ? ` (${report.runs.length} ran)` : ''),
  );
  lines.push(`- Flaky (passed in some runs, not all): ${listOrNone(report.flaky)}`);
  lines.push(`- Never passed: ${listOrNone(report.neverPassed)}`);
  lines.push(
    `- Target: ${report.target} (\`${report.configFile}\`), each run \`${report.command}\` with CI=true, ` +
      `killed after ${duration(report.timeoutMs)}`,
  );
  lines.push(`- Started ${report.startedAt}, took ${duration(report.durationMs)}`);
  if (report.cold) {
    lines.push(`- Cold start before run 1:`);
    for (const step of report.cold) {
      lines.push(`  - ${step.step}: ${step.status} (${duration(step.ms)}): ${cell(step.detail)}`);
    }
  }
  lines.push('');

  lines.push('## Checks', '');
  lines.push("p50 and max are the check's own duration over the runs that gave it a verdict.", '');
  lines.push('| check | passed/runs | p50 s | max s | not passed |', '|---|---|---|---|---|');
  for (const row of report.checks) {
    const mark = report.flaky.includes(row.id) ? ' (flaky)' : '';
    lines.push(
      `| \`${row.id}\`${mark} | ${row.passed}/${row.runs} | ${secondsCell(row.p50Ms)} | ${secondsCell(row.maxMs)} | ${notPassed(row)} |`,
    );
  }
  lines.push('');

  lines.push('## Runs', '');
  lines.push('| run | exit | wall time | failed checks | report |', '|---|---|---|---|---|');
  for (const run of report.runs) {
    const label = `${run.run}${run.run === 1 && report.cold ? ' (cold)' : ''}`;
    const exit = run.timedOut
      ? `killed: timeout${run.exitCode === null ? '' : ` (${run.exitCode})`}`
      : run.exitCode === null
        ? `killed (${run.signal ?? 'signal'})`
        : String(run.exitCode);
    const failed = run.failedChecks.length > 0 ? run.failedChecks.map((id) => `\`${id}\``).join(', ') : '–';
    const links = [
      ...(run.links.summary ? [`[summary](${run.links.summary})`] : []),
      `[output](${run.links.output})`,
    ].join(', ');
    lines.push(`| ${label} | ${exit} | ${duration(run.wallMs)} | ${failed} | ${links} |`);
  }
  lines.push('');

  const errors = report.runs.flatMap((run) => run.harnessErrors.map((error) => `run ${run.run}: ${cell(error)}`));
  if (errors.length > 0) {
    lines.push('## Harness errors', '');
    for (const error of errors) lines.push(`- ${error}`);
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}

function notPassed(row: CheckRow): string {
  const parts = row.statuses.flatMap((status, index) => (status === 'passed' ? [] : [`run ${index + 1} ${status}`]));
  return parts.length > 0 ? parts.join(', ') : '–';
}

function listOrNone(ids: readonly string[]): string {
  return ids.length > 0 ? ids.map((id) => `\`${id}\``).join(', ') : 'none';
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}
