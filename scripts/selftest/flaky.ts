/**
 * `npm run selftest:flaky -- --runs N [--cold] [--config=<file>]`: how stable
 * is the harness itself? Runs the full local suite N times on the good target,
 * one run after the other, each as `npm test -- --env=local` in a child
 * process with CI=true and its own report directory, and reports per check
 * how many runs it passed and its p50 and max duration, and per run its exit
 * code and wall time. Writes reports/flaky-<timestamp>.md and .json; exits 0
 * when every run was green, 1 when one was not, 2 when it could not run.
 */
import { mkdir, readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/load.ts';
import type { RunSummary } from '../../src/report/summary.ts';
import { removeRunResources } from '../../src/support/run-resources.ts';
import { checks as registry } from '../../src/tasks/index.ts';
import { flakyUsage, parseFlakyArgs, UsageError, type FlakyArgs } from './args.ts';
import { coldStart, dockerAnswers } from './cold.ts';
import { buildFlakyReport, renderFlakyMarkdown, type ColdStep, type FlakyRun } from './flaky-report.ts';
import { runBounded, type RunningChild } from './harness-child.ts';
import { reportStamp, writeReportPair } from './report-files.ts';
import { duration } from './stats.ts';

const repositoryRoot = path.resolve(import.meta.dirname, '..', '..');

/** A path inside the repository relative to it, any other as it is. */
function shown(file: string): string {
  const relative = path.relative(repositoryRoot, file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

function log(message: string): void {
  process.stderr.write(`[selftest:flaky] ${message}\n`);
}

async function main(): Promise<number> {
  let args: FlakyArgs;
  let target: string;
  let configFile: string;
  try {
    args = parseFlakyArgs(process.argv.slice(2));
    if (args.help) {
      console.log(flakyUsage);
      return 0;
    }
    const config = await loadConfig({ envName: 'local', configFile: args.configFile ?? process.env.SHIPSHAPE_CONFIG });
    target = config.target.name;
    configFile = config.configFile;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`error: ${error.message}\n\n${flakyUsage}`);
      return 2;
    }
    if (error instanceof ConfigError) {
      console.error(`error: ${error.message}`);
      return 2;
    }
    throw error;
  }

  const startedAt = new Date();
  const stamp = reportStamp(startedAt);
  const reportRoot = path.resolve(args.reportDir);
  const runsRoot = path.join(reportRoot, `flaky-${stamp}`);
  await mkdir(runsRoot, { recursive: true });
  // The config as resolved here: the runs start in the repository root, wherever this was started.
  const runArgs = ['--env=local', ...(args.configFile ? [`--config=${configFile}`] : [])];
  const command = `npm test -- ${[...runArgs, `--report-dir=${shown(runsRoot)}/run-<n>`].join(' ')}`;
  const runs: FlakyRun[] = [];
  let cold: ColdStep[] | null = null;

  const write = async () => {
    const report = buildFlakyReport({
      startedAt,
      durationMs: Date.now() - startedAt.getTime(),
      command,
      configFile: shown(configFile),
      target,
      runsRequested: args.runs,
      timeoutMs: args.timeoutMs,
      cold,
      runs,
      expectedIds: registry.map((check) => check.id),
    });
    const files = await writeReportPair(reportRoot, `flaky-${stamp}`, renderFlakyMarkdown(report), report);
    return { report, files };
  };

  let current: RunningChild | undefined;
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) return;
    interrupted = true;
    log('interrupted: stopping the current run (it removes its containers), then writing the report');
    current?.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  if (args.cold) {
    cold = await coldStart({ targetImage: `shipshape-target/${target}:latest`, log });
    if (cold.some((step) => step.status === 'failed')) {
      const { files } = await write();
      log(`the cold start failed; no run started. Report: ${path.relative(process.cwd(), files.markdown)}`);
      return 2;
    }
  } else if (!(await dockerAnswers())) {
    console.error('error: no Docker engine answers; run `npm run setup` or check `docker info`');
    return 2;
  }

  log(`${args.runs} run(s) of \`${command}\` (target ${target}), each killed after ${duration(args.timeoutMs)}`);
  for (let index = 1; index <= args.runs && !interrupted; index += 1) {
    const runDir = path.join(runsRoot, `run-${index}`);
    await mkdir(runDir, { recursive: true });
    log(`run ${index}/${args.runs}${index === 1 && cold ? ' (cold)' : ''}: starting`);
    const outputFile = path.join(runDir, 'output.log');
    current = runBounded({
      command: 'npm',
      args: ['test', '--', ...runArgs, `--report-dir=${runDir}`],
      env: { ...process.env, CI: 'true' },
      cwd: repositoryRoot,
      timeoutMs: args.timeoutMs,
      outputFile,
      onProgress: (line) => process.stderr.write(`  run ${index} | ${line}\n`),
    });
    const child = await current.done;
    current = undefined;
    const errors: string[] = [];
    if (child.spawnError) errors.push(`could not start npm: ${child.spawnError}`);
    if (child.timedOut) errors.push(`killed after the ${duration(args.timeoutMs)} timeout`);
    if (child.timedOut && child.runId) {
      // A killed run may not have removed its containers.
      const removed = await removeRunResources(child.runId).catch(() => undefined);
      if (removed && removed.containers + removed.networks > 0) {
        log(`run ${index}: removed ${removed.containers} container(s) and ${removed.networks} network(s) it left`);
      }
    }
    const summaryDir = await realpath(path.join(runDir, 'latest')).catch(() => undefined);
    let summary: RunSummary | undefined;
    if (summaryDir) {
      try {
        summary = JSON.parse(await readFile(path.join(summaryDir, 'summary.json'), 'utf8')) as RunSummary;
      } catch (error) {
        errors.push(`unreadable summary.json: ${(error as Error).message}`);
      }
    }
    if (!summary && !child.timedOut && !child.spawnError) errors.push('the run wrote no summary.json');
    const fromReport = (file: string) => path.relative(reportRoot, file);
    runs.push({
      run: index,
      exitCode: child.exitCode,
      signal: child.signal,
      wallMs: child.wallMs,
      timedOut: child.timedOut,
      links: {
        ...(summary && summaryDir ? { summary: fromReport(path.join(summaryDir, 'summary.md')) } : {}),
        output: fromReport(outputFile),
      },
      summary: summary && { checks: summary.checks, harnessErrors: summary.harnessErrors },
      errors,
    });
    const counts = summary?.counts;
    const failed = summary?.checks.filter((check) => check.status === 'failed').map((check) => check.id) ?? [];
    log(
      `run ${index}/${args.runs}: exit ${child.exitCode ?? child.signal} in ${duration(child.wallMs)}` +
        (counts ? `, ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped` : '') +
        (failed.length > 0 ? ` (failed: ${failed.join(', ')})` : '') +
        (errors.length > 0 ? `; ${errors.join('; ')}` : ''),
    );
    await write();
  }

  const { report, files } = await write();
  process.stdout.write(`\n${await readFile(files.markdown, 'utf8')}\n`);
  log(`report: ${path.relative(process.cwd(), files.markdown)} (and .json)`);
  if (interrupted) return 130;
  return report.green ? 0 : 1;
}

process.exit(await main());
