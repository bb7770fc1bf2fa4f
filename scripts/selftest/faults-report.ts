/**
 * The fault self-test's verdict, a mutation score: for every broken variant,
 * whether the check it names caught it (judged as `npm run fault` judges),
 * which other checks of the same suite also failed on it, and how long it
 * took. Pure: the runner hands it each variant's outcome.
 */
import type { CheckRecord } from '../../src/report/summary.ts';
import { duration } from './stats.ts';

export interface VariantOutcome {
  name: string;
  defect: string;
  target: string;
  /** The seed task whose whole suite ran against the variant. */
  task: string;
  caughtBy: string;
  caught: boolean;
  /** judgeVariant's reason, or what stopped the variant from running. */
  why: string;
  /** Other checks of the suite that failed on the variant, in run order. */
  alsoFailed: string[];
  /** How many checks gave a verdict in the run. */
  checksRun: number;
  exitCode: number | null;
  wallMs: number;
  /** The variant run's summary.md, relative to the faults report, when it wrote one. */
  report?: string;
}

/** The seed task of a check id: "3.2/pool-within-limit" -> "3.2". */
export function taskOf(checkId: string): string {
  return checkId.split('/')[0]!;
}

/** Checks other than the expected one that failed in the variant's run. */
export function otherFailures(checks: readonly Pick<CheckRecord, 'id' | 'status'>[], caughtBy: string): string[] {
  return checks.filter((check) => check.status === 'failed' && check.id !== caughtBy).map((check) => check.id);
}

export interface FaultsReport {
  kind: 'shipshape-selftest-faults';
  startedAt: string;
  durationMs: number;
  caught: number;
  total: number;
  /** How many variants were to run; more than total when the run was interrupted. */
  planned: number;
  missed: string[];
  /** Time to build each good target the variants are layered on, before the first variant. */
  goodImages: { target: string; ms: number; error?: string }[];
  /** SHIPSHAPE_HEALTHY_WITHIN_MS the runs used. */
  healthyWithinMs: string | undefined;
  variants: VariantOutcome[];
}

export function buildFaultsReport(input: {
  startedAt: Date;
  durationMs: number;
  goodImages: FaultsReport['goodImages'];
  healthyWithinMs: string | undefined;
  variants: readonly VariantOutcome[];
  planned?: number;
}): FaultsReport {
  return {
    kind: 'shipshape-selftest-faults',
    startedAt: input.startedAt.toISOString(),
    durationMs: input.durationMs,
    caught: input.variants.filter((variant) => variant.caught).length,
    total: input.variants.length,
    planned: input.planned ?? input.variants.length,
    missed: input.variants.filter((variant) => !variant.caught).map((variant) => variant.name),
    goodImages: input.goodImages,
    healthyWithinMs: input.healthyWithinMs,
    variants: [...input.variants],
  };
}

/** "3/4 (75%)"; a catalog with no variant scores nothing rather than 100%. */
export function scoreText(caught: number, total: number): string {
  return total === 0 ? '0/0 (no variant ran)' : `${caught}/${total} (${Math.floor((100 * caught) / total)}%)`;
}

export function renderFaultsMarkdown(report: FaultsReport): string {
  const lines: string[] = [];
  lines.push('# shipshape self-test: broken variants', '');
  lines.push(`**Mutation score: ${scoreText(report.caught, report.total)} caught**`, '');
  if (report.planned > report.total) {
    lines.push(`**Incomplete: ${report.total} of ${report.planned} variants ran (interrupted).**`, '');
  }
  lines.push(`- Missed: ${report.missed.length > 0 ? report.missed.map((name) => `\`${name}\``).join(', ') : 'none'}`);
  lines.push(
    '- Each variant ran through the real harness with the whole suite of its expected check ' +
      "(`npm test -- --env=local --suite=<task>`); caught means that check failed with the variant's symptom, " +
      'judged as `npm run fault` judges. "Also failed" lists the suite\'s other checks that failed on it.',
  );
  lines.push(`- Started ${report.startedAt}, took ${duration(report.durationMs)}`);
  const builds = report.goodImages.map(
    (build) => `${build.target} ${duration(build.ms)}${build.error ? ` (failed: ${cell(build.error)})` : ''}`,
  );
  if (builds.length > 0) lines.push(`- Good images built first: ${builds.join(', ')}`);
  if (report.healthyWithinMs) lines.push(`- Health bound: SHIPSHAPE_HEALTHY_WITHIN_MS=${report.healthyWithinMs}`);
  lines.push('');

  lines.push('| variant | suite | expected check | verdict | also failed | exit | time |');
  lines.push('|---|---|---|---|---|---|---|');
  for (const variant of report.variants) {
    const name = variant.report ? `[\`${variant.name}\`](${variant.report})` : `\`${variant.name}\``;
    const also = variant.alsoFailed.length > 0 ? variant.alsoFailed.map((id) => `\`${id}\``).join(', ') : '–';
    lines.push(
      `| ${name} | ${variant.task} | \`${variant.caughtBy}\` | ${variant.caught ? 'CAUGHT' : '**MISSED**'} | ${also} | ` +
        `${variant.exitCode ?? '–'} | ${duration(variant.wallMs)} |`,
    );
  }
  lines.push('');

  const missed = report.variants.filter((variant) => !variant.caught);
  if (missed.length > 0) {
    lines.push('## Missed', '');
    for (const variant of missed) {
      lines.push(`### \`${variant.name}\``, '', `Defect: ${variant.defect}`, '', `Why: ${variant.why}`, '');
    }
  }
  return `${lines.join('\n')}\n`;
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}
