/**
 * Runs the real harness against one broken variant: builds the good target,
 * layers the variant's defect on it (or edits its Dockerfile), and runs
 * `npm test -- --check=<the checks that must catch it>`. Shared by
 * `npm run fault` and the fault self-test, so both judge the same way.
 */
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { mkdir, mkdtemp, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FaultVariant } from '../../fixtures/faults/catalog.ts';
import { applyDockerfileEdits } from '../../fixtures/faults/dockerfile-edits.ts';
import { prepareOverlay } from './overlay.ts';
import { runProductionVariant } from './production-variant.ts';
import { loadConfig, type ResolvedConfig } from '../../src/config/load.ts';
import { buildTargetImage } from '../../src/environments/local/image-build.ts';
import type { CheckRecord, RunSummary } from '../../src/report/summary.ts';

const repositoryRoot = path.resolve(import.meta.dirname, '..', '..');

/** The config file of each good target a variant can be layered on. */
export const goodTargetConfigs: Record<FaultVariant['target'], string> = {
  reference: path.join(repositoryRoot, 'shipshape.config.ts'),
  'seed-python': path.join(repositoryRoot, 'fixtures', 'targets', 'seed-python', 'shipshape.config.ts'),
};

export interface VariantRun extends HarnessRun {
  /** The record of the check that must catch the variant, if the run produced one. */
  check: CheckRecord | undefined;
}

/** Builds the good target once per process and target kind; variants build on top of it. */
const goodImages = new Map<string, Promise<string>>();

export function buildGoodImage(target: FaultVariant['target']): Promise<string> {
  let image = goodImages.get(target);
  if (!image) {
    image = (async () => {
      const config = await loadConfig({ envName: 'local', configFile: goodTargetConfigs[target] });
      const tag = `shipshape-fault/good-${target}:latest`;
      // As the harness builds the target: each FROM from its own image or that image's substitute.
      await buildTargetImage(config.images, config.target, tag);
      return tag;
    })();
    goodImages.set(target, image);
  }
  return image;
}

/**
 * A context "repository" variant's Dockerfile: the good target's Dockerfile
 * with the variant's dockerfileEdits, written where the build can read it. The
 * Docker API builds from a tar of the context, so the Dockerfile must lie
 * inside the good context: in the run's work directory when that does
 * (`npm run fault` works in tmp/faults/, git-ignored), else in a fresh folder
 * under .shipshape-fault/ in the context (git-ignored too), removed by `cleanup`.
 */
async function writeVariantDockerfile(
  variant: FaultVariant,
  good: ResolvedConfig,
  workDir: string,
): Promise<{ dockerfile: string; cleanup: () => Promise<void> }> {
  const goodDockerfile = path.resolve(good.target.context, good.target.dockerfile);
  const shown = path.relative(repositoryRoot, goodDockerfile);
  const text = applyDockerfileEdits(await readFile(goodDockerfile, 'utf8'), variant.dockerfileEdits ?? [], {
    variant: variant.name,
    dockerfile: shown === 'Dockerfile' ? 'the root Dockerfile' : shown,
  });
  const fromContext = path.relative(good.target.context, workDir);
  const insideContext = !fromContext.startsWith('..') && !path.isAbsolute(fromContext);
  const scratchRoot = path.join(good.target.context, '.shipshape-fault');
  if (!insideContext) await mkdir(scratchRoot, { recursive: true });
  const dir = insideContext ? workDir : await mkdtemp(path.join(scratchRoot, `${variant.name}-`));
  const file = path.join(dir, 'Dockerfile');
  await writeFile(file, text);
  return {
    dockerfile: path.relative(good.target.context, file),
    cleanup: async () => {
      if (insideContext) return;
      await rm(dir, { recursive: true, force: true });
      // Another run may still have its folder there.
      await rmdir(scratchRoot).catch(() => undefined);
    },
  };
}

/** A config that imports the good target's config and points the target at the variant. */
async function writeVariantConfig(
  variant: FaultVariant,
  goodImage: string,
  workDir: string,
): Promise<{ file: string; cleanup: () => Promise<void> }> {
  const goodConfig = goodTargetConfigs[variant.target];
  const good = await loadConfig({ envName: 'local', configFile: goodConfig });
  const variantDir = path.resolve(repositoryRoot, variant.dir);
  let cleanup = () => Promise.resolve();
  let target: { context: string; dockerfile: string; buildArgs: Record<string, string>; railway?: object };
  if (variant.context === 'repository') {
    const derived = await writeVariantDockerfile(variant, good, workDir);
    cleanup = derived.cleanup;
    target = { context: good.target.context, dockerfile: derived.dockerfile, buildArgs: good.target.buildArgs };
  } else if (variant.context === 'overlay') {
    // A copy of the good repository with the variant's files over it: the target's IaC and docs are read there.
    // Outside the repository (a copy cannot lie inside what it copies; npm run fault works in tmp/faults/).
    const scratch = await mkdtemp(path.join(tmpdir(), `shipshape-overlay-${variant.name}-`));
    const copy = await prepareOverlay(variant, good.target.context, scratch, repositoryRoot);
    cleanup = () => rm(copy, { recursive: true, force: true });
    target = { context: copy, dockerfile: good.target.dockerfile, buildArgs: good.target.buildArgs };
  } else {
    target = { context: variantDir, dockerfile: 'Dockerfile', buildArgs: { TARGET_IMAGE: goodImage } };
    // The image is the variant's; the repository files (Railway IaC, docs) stay the good target's.
    const { iacFile, docFile, service } = good.target.railway;
    target.railway = { iac: iacFile, doc: docFile, ...(service ? { service } : {}) };
  }
  const file = path.join(workDir, 'shipshape.config.ts');
  await writeFile(
    file,
    [
      `// Written by scripts/faults/run-variant.ts for the variant ${variant.name}.`,
      `import good from ${JSON.stringify(pathToFileURL(goodConfig).href)};`,
      `export default {`,
      `  ...good,`,
      `  target: { ...good.target, name: ${JSON.stringify(`fault-${variant.name}`)}, ...${JSON.stringify(target)} },`,
      `};`,
      '',
    ].join('\n'),
  );
  return { file, cleanup };
}

export interface HarnessRun {
  exitCode: number | null;
  summary: RunSummary | undefined;
  reportDir: string;
  output: string;
}

/** `npm test -- --env=local --config=<file> --check=<ids>` as a child process, as a user would run it. */
export async function runHarness(options: {
  configFile: string;
  checks?: string[];
  suites?: string[];
  reportRoot: string;
  echo?: boolean;
}): Promise<HarnessRun> {
  const args = [
    path.join(repositoryRoot, 'scripts', 'run.ts'),
    '--env=local',
    `--config=${options.configFile}`,
    `--report-dir=${options.reportRoot}`,
  ];
  if (options.checks) args.push(`--check=${options.checks.join(',')}`);
  if (options.suites) args.push(`--suite=${options.suites.join(',')}`);
  const child = spawn(process.execPath, args, { cwd: repositoryRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    if (options.echo) process.stderr.write(chunk);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const reportDir = path.join(options.reportRoot, 'latest');
  let summary: RunSummary | undefined;
  try {
    summary = JSON.parse(await readFile(path.join(reportDir, 'summary.json'), 'utf8')) as RunSummary;
  } catch {
    summary = undefined;
  }
  return { exitCode, summary, reportDir, output };
}

export async function runVariant(
  variant: FaultVariant,
  /** scope "check" (default) runs only the check that must catch the variant; "suite" runs its seed task's whole suite. */
  options: { workRoot: string; echo?: boolean; scope?: 'check' | 'suite' },
): Promise<VariantRun> {
  const goodImage = await buildGoodImage(variant.target);
  const workDir = path.join(options.workRoot, variant.name);
  await mkdir(workDir, { recursive: true });
  const config = await writeVariantConfig(variant, goodImage, workDir);
  try {
    // A defect in what production presents (a certificate, Railway's account of the deploy): --env=production.
    if (variant.production)
      return await runProductionVariant(variant, variant.production, config.file, workDir, options);
    const run = await runHarness({
      configFile: config.file,
      ...(options.scope === 'suite'
        ? { suites: [...new Set(checksOf(variant).map((id) => id.split('/')[0]!))] }
        : { checks: checksOf(variant) }),
      reportRoot: path.join(workDir, 'reports'),
      echo: options.echo,
    });
    return { ...run, check: run.summary?.checks.find((record) => record.id === variant.caughtBy) };
  } finally {
    await config.cleanup();
  }
}

/** The checks a variant's run needs: the one that must catch it, after those whose traffic reaches the defect. */
function checksOf(variant: FaultVariant): string[] {
  return [...(variant.alsoRun ?? []), variant.caughtBy];
}

/** The good target itself, with the given checks: the other half of every variant's proof. */
export function runGoodTarget(
  target: FaultVariant['target'],
  checks: string[],
  options: { workRoot: string; echo?: boolean },
): Promise<HarnessRun> {
  return runHarness({
    configFile: goodTargetConfigs[target],
    checks,
    reportRoot: path.join(options.workRoot, `good-${target}`, 'reports'),
    echo: options.echo,
  });
}

/** Caught means: the named check failed, and for this defect (its symptom is in the message or evidence). */
export function judgeVariant(variant: FaultVariant, run: VariantRun): { caught: boolean; why: string } {
  if (!run.check) return { caught: false, why: `the run has no record of ${variant.caughtBy} (exit ${run.exitCode})` };
  if (run.check.status !== 'failed') {
    return { caught: false, why: `${variant.caughtBy} ${run.check.status}: ${run.check.message}` };
  }
  const text = `${run.check.message}\n${run.check.evidence ?? ''}`;
  if (!text.includes(variant.symptom)) {
    return {
      caught: false,
      why: `${variant.caughtBy} failed, but not with the symptom "${variant.symptom}": ${run.check.message}`,
    };
  }
  return { caught: true, why: `${variant.caughtBy} failed: ${run.check.message}` };
}
