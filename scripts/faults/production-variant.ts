/**
 * Fault variants whose defect is in what production presents (fault.json's
 * `production`, fixtures/faults/production-setup.ts): the offline production
 * setup is started with that one thing broken, and the check that must catch
 * it runs with `--env=production` against it. The good half of the proof is
 * runGoodProduction: the same checks, nothing broken, all passing.
 */
import path from 'node:path';
import type { FaultVariant } from '../../fixtures/faults/catalog.ts';
import type { ProductionSetupInput } from '../../fixtures/faults/production-setup.ts';
import { runProductionHarness, startOfflineProduction } from '../selftest/offline-production.ts';
import type { HarnessRun, VariantRun } from './run-variant.ts';

export async function runProductionVariant(
  variant: FaultVariant,
  setup: ProductionSetupInput,
  /** The variant's config (its image, for a variant with a Dockerfile): the backend behind the edge when setup.backend. */
  variantConfigFile: string,
  workDir: string,
  options: { echo?: boolean; scope?: 'check' | 'suite' },
): Promise<VariantRun> {
  const { backend, ...broken } = setup;
  const production = await startOfflineProduction({
    ...broken,
    backend,
    ...(backend ? { targetConfig: variantConfigFile } : {}),
    workDir: path.join(workDir, 'production'),
  });
  try {
    const reportRoot = path.join(workDir, 'reports');
    const run = await runProductionHarness(production, {
      args: [options.scope === 'suite' ? `--suite=${variant.caughtBy.split('/')[0]}` : `--check=${variant.caughtBy}`],
      reportRoot,
      ...(options.echo ? { echo: true } : {}),
    });
    return {
      exitCode: run.exitCode,
      summary: run.summary,
      output: run.output,
      reportDir: path.join(reportRoot, 'latest'),
      check: run.summary?.checks.find((record) => record.id === variant.caughtBy),
    };
  } finally {
    await production.stop();
  }
}

/** The checks the production variants name, against a good offline production (the target behind the edge). */
export async function runGoodProduction(
  checks: string[],
  options: { workRoot: string; echo?: boolean },
): Promise<HarnessRun> {
  const workDir = path.join(options.workRoot, 'good-production');
  const production = await startOfflineProduction({ workDir: path.join(workDir, 'production') });
  try {
    const reportRoot = path.join(workDir, 'reports');
    const run = await runProductionHarness(production, {
      args: [`--check=${checks.join(',')}`],
      reportRoot,
      ...(options.echo ? { echo: true } : {}),
    });
    return {
      exitCode: run.exitCode,
      summary: run.summary,
      output: run.output,
      reportDir: path.join(reportRoot, 'latest'),
    };
  } finally {
    await production.stop();
  }
}
