/**
 * `npm run selftest:faults [-- --only=<names>]`: the harness's mutation
 * score. Runs every broken variant of fixtures/faults through the real
 * harness, each with the whole suite of the seed task its expected check
 * belongs to, and reports whether that check caught it (judged as `npm run
 * fault` judges), which other checks also failed on it, and the time per
 * variant. Writes reports/faults-<timestamp>.md and .json; exits 0 when every
 * variant was caught, 1 when one was missed, 2 when it could not run.
 */
import { cp, mkdir, mkdtemp, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { faultVariants } from '../../fixtures/faults/catalog.ts';
import { getContainerRuntimeClient } from 'testcontainers';
import { buildGoodImage, judgeVariant, runVariant } from '../faults/run-variant.ts';
import { faultsUsage, parseFaultsArgs, UsageError, type FaultsArgs } from './args.ts';
import {
  buildFaultsReport,
  otherFailures,
  renderFaultsMarkdown,
  scoreText,
  taskOf,
  type FaultsReport,
  type VariantOutcome,
} from './faults-report.ts';
import { reportStamp, writeReportPair } from './report-files.ts';
import { duration } from './stats.ts';

process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
// As the fault self-test (test/faults.test.ts): variants that never become healthy would each wait out 30 s.
process.env.SHIPSHAPE_HEALTHY_WITHIN_MS ??= '15000';

function log(message: string): void {
  process.stderr.write(`[selftest:faults] ${message}\n`);
}

async function main(): Promise<number> {
  let args: FaultsArgs;
  try {
    args = parseFaultsArgs(
      process.argv.slice(2),
      faultVariants.map((variant) => variant.name),
    );
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`error: ${error.message}\n\n${faultsUsage}`);
    return 2;
  }
  if (args.help) {
    console.log(faultsUsage);
    return 0;
  }
  try {
    await getContainerRuntimeClient();
  } catch {
    console.error('error: no Docker engine answers; run `npm run setup` or check `docker info`');
    return 2;
  }

  const startedAt = new Date();
  const stamp = reportStamp(startedAt);
  const reportRoot = path.resolve(args.reportDir);
  const keptRuns = path.join(reportRoot, `faults-${stamp}`);
  const variants = faultVariants.filter((variant) => !args.only || args.only.includes(variant.name));
  // Outside the repository: a "repository" variant then writes its derived Dockerfile under .shipshape-fault/.
  const workRoot = await mkdtemp(path.join(tmpdir(), 'shipshape-selftest-faults-'));
  const goodImages: FaultsReport['goodImages'] = [];
  const outcomes: VariantOutcome[] = [];

  const write = async () => {
    const report = buildFaultsReport({
      startedAt,
      durationMs: Date.now() - startedAt.getTime(),
      goodImages,
      healthyWithinMs: process.env.SHIPSHAPE_HEALTHY_WITHIN_MS,
      variants: outcomes,
      planned: variants.length,
    });
    const files = await writeReportPair(reportRoot, `faults-${stamp}`, renderFaultsMarkdown(report), report);
    return { report, files };
  };

  // Ctrl-C reaches the variant's run too (same process group), which removes its containers and ends;
  // a SIGTERM to this process alone lets the current variant finish. Either way: no further variant.
  let interrupted = false;
  const onSignal = () => {
    if (!interrupted) log('interrupted: no further variant; writing the report');
    interrupted = true;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    for (const target of [...new Set(variants.map((variant) => variant.target))]) {
      const started = Date.now();
      log(`building the good ${target} target the variants are layered on`);
      try {
        await buildGoodImage(target);
        goodImages.push({ target, ms: Date.now() - started });
      } catch (error) {
        // Its variants fail below with the same error, each recorded as missed.
        goodImages.push({ target, ms: Date.now() - started, error: (error as Error).message });
      }
    }

    for (const [index, variant] of variants.entries()) {
      if (interrupted) break;
      const task = taskOf(variant.caughtBy);
      log(`[${index + 1}/${variants.length}] ${variant.name}: suite ${task}, must be caught by ${variant.caughtBy}`);
      const started = Date.now();
      // What the report says of the variant whether or not it ran.
      const about = {
        name: variant.name,
        defect: variant.defect,
        target: variant.target,
        task,
        caughtBy: variant.caughtBy,
      };
      let outcome: VariantOutcome;
      try {
        const run = await runVariant(variant, { workRoot, scope: 'suite' });
        const verdict = judgeVariant(variant, run);
        const kept = await keepReport(run.reportDir, path.join(keptRuns, variant.name));
        outcome = {
          ...about,
          caught: verdict.caught,
          why: verdict.why,
          alsoFailed: otherFailures(run.summary?.checks ?? [], variant.caughtBy),
          checksRun: run.summary?.checks.length ?? 0,
          exitCode: run.exitCode,
          wallMs: Date.now() - started,
          ...(kept ? { report: path.relative(reportRoot, path.join(kept, 'summary.md')) } : {}),
        };
      } catch (error) {
        outcome = {
          ...about,
          caught: false,
          why: `the variant did not run: ${(error as Error).message}`,
          alsoFailed: [],
          checksRun: 0,
          exitCode: null,
          wallMs: Date.now() - started,
        };
      }
      // An interrupted run says nothing about the variant.
      if (interrupted) break;
      outcomes.push(outcome);
      log(
        `  ${outcome.caught ? 'CAUGHT' : 'MISSED'} ${variant.name} in ${duration(outcome.wallMs)}: ${outcome.why}` +
          (outcome.alsoFailed.length > 0 ? `; also failed: ${outcome.alsoFailed.join(', ')}` : ''),
      );
      await write();
    }
  } finally {
    await rm(workRoot, { recursive: true, force: true });
  }

  const { report, files } = await write();
  process.stdout.write(`\n${await readFile(files.markdown, 'utf8')}\n`);
  log(
    `mutation score ${scoreText(report.caught, report.total)}; report: ${path.relative(process.cwd(), files.markdown)}`,
  );
  if (interrupted) return 130;
  return report.missed.length === 0 && report.total > 0 ? 0 : 1;
}

/** Copies a variant run's report (summary.md/json, junit.xml, logs) beside the faults report; the work dir goes. */
async function keepReport(latest: string, destination: string): Promise<string | undefined> {
  try {
    const source = await realpath(latest);
    await mkdir(path.dirname(destination), { recursive: true });
    await cp(source, destination, { recursive: true });
    return destination;
  } catch {
    return undefined;
  }
}

process.exit(await main());
