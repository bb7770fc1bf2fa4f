/**
 * Load benchmark of the backend as it ships: the image built from the root
 * Dockerfile, on a Docker network with PostgreSQL and the Qdrant and Cohere
 * stand-ins (the local environment's wiring). Ingests a few corpus pages, then
 * loads GET /health and POST /api/v1/query in turn with autocannon, each after
 * an unrecorded warm-up. Prints a table, the query/health ratios (the machine
 * is shared, so the ratio within one run compares better across runs than the
 * absolute figures), and writes reports/bench/backend-<timestamp>.{json,md}.
 *
 *   node scripts/bench-backend.ts [--profile] [--connections N] [--set NAME=VALUE ...]
 *
 * --profile also watches the backend's PostgreSQL connections during the query
 * load and loads the stand-ins directly (Cohere embed and chat, Qdrant search)
 * at the same concurrency, to tell their time from the backend's.
 * --connections N replaces the 50 connections (each sends its next request as
 * soon as the last is answered, so latency is about connections / throughput):
 * fewer show the latency below saturation. The threshold is only judged at 50.
 * --set passes a variable to the backend (DATABASE_POOL_MAX=50), to test a
 * hypothesis about where the time goes; the report records it.
 *
 * Exit 0: every threshold held; 99: only thresholds failed; 2: it could not run.
 */
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ExitCode } from '../src/cli/exit-codes.ts';
import { loadConfig } from '../src/config/load.ts';
import { progress } from '../src/support/progress.ts';
import { removeRunResources } from '../src/support/run-resources.ts';
import { ingest, loadCorpus, preflightQuery } from './bench/corpus.ts';
import { cpuPerRequest, cpuSample } from './bench/cpu.ts';
import { startBenchEnvironment, benchTargetEnvironment, type BenchEnvironment } from './bench/environment.ts';
import {
  measure,
  rotatingJsonPost,
  warmUp,
  type LoadSettings,
  type LoadTarget,
  type RouteResult,
} from './bench/load.ts';
import { samplePoolActivity, type PoolActivity } from './bench/postgres-activity.ts';
import { profileStandins } from './bench/profile.ts';
import {
  evaluate,
  failureBanner,
  markdown,
  ratios,
  routeRows,
  writeReports,
  type BenchReport,
  type Threshold,
} from './bench/report.ts';

// Ryuk cannot be pulled on air-gapped machines; the run label and removeRunResources clean up instead.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';

const settings: LoadSettings & { pages: number } = {
  connections: 50,
  durationSeconds: 10,
  warmupSeconds: 2,
  timeoutSeconds: 10,
  pages: 6,
};
const thresholds: Threshold[] = [{ route: '/api/v1/query', connections: 50, p95Ms: 100 }];
/** The command line; a mistake in it is a benchmark that could not run (exit 2), said in one line. */
function parseOptions(): { profile: boolean; extraEnvironment: Record<string, string> } {
  try {
    const { values } = parseArgs({
      options: {
        profile: { type: 'boolean', default: false },
        connections: { type: 'string' },
        set: { type: 'string', multiple: true, default: [] },
      },
    });
    if (values.connections !== undefined) {
      settings.connections = Number(values.connections);
      if (!Number.isInteger(settings.connections) || settings.connections <= 0 || settings.connections > 1000) {
        throw new Error(`--connections takes an integer from 1 to 1000, not ${values.connections}`);
      }
    }
    const extraEnvironment = Object.fromEntries(
      values.set.map((pair) => {
        const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(pair);
        if (!match) throw new Error(`--set takes NAME=VALUE, not ${pair}`);
        return [match[1]!, match[2]!];
      }),
    );
    return { profile: values.profile, extraEnvironment };
  } catch (error) {
    progress(
      `${(error as Error).message}; usage: node scripts/bench-backend.ts [--profile] [--connections N] [--set NAME=VALUE]`,
    );
    process.exit(ExitCode.harnessError);
  }
}
const { profile, extraEnvironment } = parseOptions();
const runId = `bench-${Date.now().toString(36)}`;

let cleaning: Promise<unknown> | undefined;
function cleanUp(): Promise<unknown> {
  cleaning ??= removeRunResources(runId).then(
    (swept) => progress(`removed ${swept.containers} containers and ${swept.networks} networks of ${runId}`),
    (error: unknown) => progress(`cleanup of ${runId} failed: ${(error as Error).message}`),
  );
  return cleaning;
}
process.once('SIGINT', () => {
  progress('interrupted: removing containers');
  void cleanUp().finally(() => process.exit(ExitCode.interrupted));
});

async function loadRoute(env: BenchEnvironment, target: LoadTarget, watchPool = false) {
  progress(`measuring ${target.route}: ${settings.warmupSeconds} s warm-up, then ${settings.durationSeconds} s`);
  await warmUp(target, settings);
  const before = await cpuSample(env.containers);
  // autocannon runs in this process and shares the 2 cores: its CPU is part of the picture.
  const ownBefore = process.cpuUsage();
  const running = measure(target, settings);
  const pool: PoolActivity | undefined = watchPool
    ? await samplePoolActivity(env.standins.postgresUri, running)
    : undefined;
  const result = await running;
  const own = process.cpuUsage(ownBefore);
  const after = await cpuSample(env.containers);
  const loadGenerator = (own.user + own.system) * 1000;
  return {
    result,
    pool,
    cpu: cpuPerRequest(
      { ...before, 'load generator': 0 },
      { ...after, 'load generator': loadGenerator },
      result.requests,
      result.durationSeconds,
    ),
  };
}

async function main(): Promise<number> {
  const config = await loadConfig({ envName: 'local' });
  const env = await startBenchEnvironment(config, runId, extraEnvironment);
  const corpus = await loadCorpus(config.root, settings.pages);
  progress(`ingesting ${corpus.pages.length} pages of fixtures/corpus`);
  const chunks = await ingest(env.baseUrl, env.adminToken, corpus);
  await preflightQuery(env.baseUrl, corpus.questions[0]!);

  const health = await loadRoute(env, {
    route: '/health',
    url: `${env.baseUrl}/health`,
  });
  const query = await loadRoute(
    env,
    {
      route: '/api/v1/query',
      url: env.baseUrl,
      next: rotatingJsonPost(
        '/api/v1/query',
        corpus.questions.map((question) => ({ query: question })),
      ),
    },
    profile,
  );
  const results: RouteResult[] = [health.result, query.result];
  const ratio = ratios(query.result, health.result);
  const standins = profile ? await profileStandins(env, settings, corpus.questions) : undefined;

  const outcomes = evaluate(thresholds, results, settings.connections);
  const passed = outcomes.every((outcome) => outcome.passed);
  console.table(routeRows(results));
  console.log(
    `ratios (same run): query p95 / health p95 = ${ratio.p95 ?? 'n/a'}; ` +
      `query throughput / health throughput = ${ratio.throughput ?? 'n/a'}`,
  );
  console.log('CPU per measured request (ms) and cores busy, by container:');
  console.table({ '/health': flatten(health.cpu), '/api/v1/query': flatten(query.cpu) });
  if (query.pool) {
    console.log(
      `backend's PostgreSQL connections during the query load (${query.pool.samples} samples): ` +
        `mean ${query.pool.meanConnections} open; by state: ${JSON.stringify(query.pool.meanByState)}`,
    );
  }
  if (standins) {
    console.log(`stand-ins loaded directly at ${settings.connections} connections:`);
    console.table(routeRows(standins));
  }
  for (const line of failureBanner([...results, ...(standins ?? [])])) console.error(line);
  for (const outcome of outcomes) {
    console.log(
      `threshold ${outcome.route} ${outcome.metric} ${outcome.limit}: measured ${outcome.measured ?? 'n/a'} ` +
        `-> ${outcome.notJudged ? `not judged (${outcome.notJudged})` : outcome.passed ? 'pass' : 'FAIL'}`,
    );
  }

  const report: BenchReport = {
    timestamp: new Date().toISOString(),
    passed,
    runId,
    settings,
    environment: {
      images: env.images,
      substituted: env.substituted,
      buildMs: env.buildMs,
      targetOverrides: { ...benchTargetEnvironment, ...extraEnvironment },
      corpus: { pages: corpus.pages.map((page) => page.file_path), chunks, questions: corpus.questions.length },
    },
    results,
    ratios: ratio,
    cpu: { '/health': health.cpu, '/api/v1/query': query.cpu },
    postgresPoolDuringQuery: query.pool,
    standins,
    thresholds: outcomes,
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown', node: process.version },
  };
  const files = await writeReports(
    path.resolve(config.root, config.reportDir, 'bench'),
    report,
    markdown(report, results, ratio, outcomes),
  );
  console.log(`wrote ${path.relative(process.cwd(), files.json)} and ${path.relative(process.cwd(), files.markdown)}`);
  return passed ? ExitCode.passed : ExitCode.thresholdsOnly;
}

function flatten(cpu: Record<string, { cpuMsPerRequest: number; coresBusy: number }>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(cpu).map(([role, value]) => [role, `${value.cpuMsPerRequest} ms (${value.coresBusy} cores)`]),
  );
}

let exitCode: number;
try {
  exitCode = await main();
} catch (error) {
  // Docker missing, a failed build, a backend that never got ready: no figures, so no verdict on speed.
  progress(`the benchmark could not run: ${error instanceof Error ? error.message : String(error)}`);
  exitCode = ExitCode.harnessError;
} finally {
  await cleanUp();
}
process.exit(exitCode);
