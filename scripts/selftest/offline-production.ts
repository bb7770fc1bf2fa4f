/**
 * Production mode end to end, offline: the target started as `--env=local`
 * starts it (the same image, PostgreSQL and stand-ins), behind a local
 * TLS-terminating edge on 127.0.0.1 (tls-edge.ts) whose certificate a
 * throwaway CA signed, with the Railway GraphQL stand-in in place of Railway's
 * API. `npm test -- --env=production` then runs against it, told to trust the
 * CA by the config alone (environments.production.tls.caFile: 4.3's handshake
 * adds it to the system roots, and the runner hands it to every suite's
 * workers as NODE_EXTRA_CA_CERTS).
 *
 * The fault variants of 4.1, 4.3 and 2.2/variables-on-service are setups of
 * this: a broken certificate, an edge that serves plain HTTP, a failed or
 * crashed latest deployment, a custom domain whose certificate failed, a
 * variable missing on the service (fixtures/faults/catalog.ts `production`).
 *
 *   node scripts/selftest/offline-production.ts [--suite=4.3] [--certificate=expired]
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { RailwayStandin, type StartedRailwayStandin } from '../../fixtures/standins/railway/src/server.ts';
import type { Scenario } from '../../fixtures/standins/railway/src/scenarios.ts';
import { loadConfig } from '../../src/config/load.ts';
import { LocalEnvironment, type StartedLocalEnvironment } from '../../src/environments/local/local-environment.ts';
import { newRunId } from '../../src/environments/run-context.ts';
import type { RunSummary } from '../../src/report/summary.ts';
import { removeRunResources } from '../../src/support/run-resources.ts';
import { progress } from '../../src/support/progress.ts';
import { loadCorpus } from '../../src/tasks/5.1-end-to-end/corpus.ts';
import { startTlsEdge, type CertificateKind, type StartedEdge } from './tls-edge.ts';

const repositoryRoot = path.resolve(import.meta.dirname, '..', '..');
// As the runner: the run removes its own containers; Ryuk's image cannot be pulled offline.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
export const defaultTargetConfig = path.join(repositoryRoot, 'shipshape.config.ts');

/** What differs from a good production: each field one fault of the catalog's production variants. */
export interface ProductionSetup {
  certificate?: CertificateKind;
  /** false: the edge serves the app over plain HTTP instead of redirecting. */
  redirectHttp?: boolean;
  /** How the service's latest deployment ended (default success). */
  latestDeployment?: Scenario;
  /** The custom domain's certificate status in Railway's account (default CERTIFICATE_STATUS_TYPE_VALID). */
  customDomainCertificate?: string;
  /** Required variables the service lacks on Railway (default none). */
  variablesMissingOnService?: string[];
}

export interface OfflineProductionOptions extends ProductionSetup {
  /** The target's config (default shipshape.config.ts; a fault variant's). */
  targetConfig?: string;
  /** false: no backend behind the edge (the certificate and Railway checks need none). */
  backend?: boolean;
  workDir: string;
}

export interface OfflineProduction {
  /** A config whose `production` environment is this setup. */
  configFile: string;
  /** What the harness run needs in its environment: the CA, Railway's stand-in and ids, a token. */
  env: Record<string, string>;
  /**
   * What `--deploy` needs besides: the target's required variables, as the deploy upserts them (Railway
   * references and placeholders; the backend behind the edge runs with the local environment's own).
   */
  deployEnv: Record<string, string>;
  baseUrl: string;
  /** Where the edge forwards to: the target's own http://127.0.0.1:<port>. */
  upstream: string;
  railway: StartedRailwayStandin;
  edge: StartedEdge;
  stop(): Promise<void>;
}

export const offlineProjectToken = 'offline-production-project-token';
const customDomain = 'chat.offline-production.test';

function gitHead(): string {
  return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repositoryRoot, encoding: 'utf8' }).trim();
}

/** Without a backend the edge still needs an upstream: one that answers 503 to everything, saying why. */
async function noBackend(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((_request, response) => {
    response.writeHead(503, { 'content-type': 'text/plain' });
    response.end('offline production: no backend started for this run');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * A deployed service has its documents: the corpus goes in through the target's ingestion route, as a team
 * ingests after a deploy, so production answers (streamed ones included) are what a user gets, not the
 * empty-collection answer.
 */
async function ingestCorpus(
  baseUrl: string,
  config: Awaited<ReturnType<typeof loadConfig>>,
  environment: Record<string, string>,
): Promise<void> {
  const documents = config.target.api.documents;
  if (!documents) return;
  const pages = await loadCorpus(config.target.endToEnd.rag.corpus);
  const response = await fetch(`${baseUrl}${documents.path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${environment[documents.tokenVariable] ?? ''}`,
    },
    body: JSON.stringify({
      documents: pages.map((page) => ({ id: page.file, title: page.title, file_path: page.file, text: page.text })),
    }),
    signal: AbortSignal.timeout(120_000),
  });
  if (!response.ok) throw new Error(`offline production: ingesting the corpus answered ${response.status}`);
  progress(`offline production: ingested ${pages.length} documents into the target`);
}

export async function startOfflineProduction(options: OfflineProductionOptions): Promise<OfflineProduction> {
  await mkdir(options.workDir, { recursive: true });
  const targetConfig = options.targetConfig ?? defaultTargetConfig;
  const runId = newRunId();
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const step of stops.reverse()) await step().catch(() => undefined);
    await removeRunResources(runId).catch(() => undefined);
  };
  try {
    let upstream: string;
    if (options.backend === false) {
      const placeholder = await noBackend();
      stops.push(placeholder.close);
      upstream = placeholder.url;
    } else {
      // The backend here is the setup, not what is judged: give it room on a busy machine (the fault self-test
      // shortens SHIPSHAPE_HEALTHY_WITHIN_MS for variants meant never to become healthy).
      const config = await loadConfig({
        envName: 'local',
        configFile: targetConfig,
        env: { ...process.env, SHIPSHAPE_HEALTHY_WITHIN_MS: '120000' },
      });
      const reportDir = path.join(options.workDir, 'backend');
      await mkdir(reportDir, { recursive: true });
      progress('offline production: starting the target as --env=local does');
      const started: StartedLocalEnvironment = await new LocalEnvironment(config, runId, reportDir).start('everything');
      stops.push(() => started.stop());
      if (!started.info.baseUrl || started.info.local?.startFailure || started.info.local?.buildFailure) {
        const why = started.info.local?.buildFailure?.message ?? started.info.local?.startFailure?.message ?? 'no URL';
        throw new Error(`offline production: the target did not start: ${why}`);
      }
      upstream = started.info.baseUrl;
      await ingestCorpus(upstream, config, started.info.local?.environment ?? {});
    }

    const edge = await startTlsEdge({
      upstream,
      dir: options.workDir,
      certificate: options.certificate ?? 'good',
      redirectHttp: options.redirectHttp ?? true,
    });
    stops.push(() => edge.close());
    progress(`offline production: ${edge.httpsUrl} (TLS, ${options.certificate ?? 'good'} certificate) -> ${upstream}`);

    const target = await loadConfig({ envName: 'local', configFile: targetConfig });
    const missing = new Set(options.variablesMissingOnService ?? []);
    const onService = Object.fromEntries(
      target.target.requiredEnv.filter((name) => !missing.has(name)).map((name) => [name, `set-on-railway-${name}`]),
    );
    const railway = await new RailwayStandin()
      .withProjectToken(offlineProjectToken)
      .withServiceDomain(new URL(edge.httpsUrl).host)
      .withCustomDomain({
        domain: customDomain,
        certificateStatus: options.customDomainCertificate ?? 'CERTIFICATE_STATUS_TYPE_VALID',
      })
      .withVariables(onService)
      .withFinishedDeployment(options.latestDeployment ?? 'success', gitHead())
      .start();
    stops.push(() => railway.close());

    const configFile = path.join(options.workDir, 'shipshape.production-offline.config.ts');
    await writeFile(
      configFile,
      [
        '// Written by scripts/selftest/offline-production.ts: the target behind a local TLS edge.',
        `import good from ${JSON.stringify(pathToFileURL(targetConfig).href)};`,
        'export default {',
        '  ...good,',
        // The target's context as the target's own config resolves it: this file lives elsewhere.
        `  target: { ...good.target, context: ${JSON.stringify(target.target.context)} },`,
        '  environments: {',
        '    ...good.environments,',
        `    production: ${JSON.stringify({ kind: 'remote', baseUrl: edge.httpsUrl, httpUrl: edge.httpUrl, tls: { caFile: edge.caFile } })},`,
        '  },',
        '};',
        '',
      ].join('\n'),
    );
    // The CA is trusted through the config alone (tls.caFile): the runner hands it to every suite.
    const env: Record<string, string> = {
      RAILWAY_API_URL: railway.url,
      RAILWAY_TOKEN: offlineProjectToken,
      RAILWAY_PROJECT_ID: railway.ids.projectId,
      RAILWAY_ENVIRONMENT_ID: railway.ids.environmentId,
      RAILWAY_SERVICE_ID: railway.ids.serviceId,
    };
    const deployEnv = Object.fromEntries(
      target.target.requiredEnv.map((name) => [
        name,
        name === 'DATABASE_URL' ? '${{postgres.DATABASE_URL}}' : `offline-production-placeholder-${name}`,
      ]),
    );
    return { configFile, env, deployEnv, baseUrl: edge.httpsUrl, upstream, railway, edge, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface ProductionRun {
  exitCode: number | null;
  summary: RunSummary | undefined;
  output: string;
}

/** `npm run deploy -- --env=production --skip-verify` against the setup (the Railway stand-in), as a child process. */
export async function runProductionDeploy(
  production: OfflineProduction,
  options: { reportRoot: string },
): Promise<{ exitCode: number | null; output: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...production.env, ...production.deployEnv };
  delete env.RAILWAY_API_TOKEN;
  const child = spawn(
    process.execPath,
    [
      path.join(repositoryRoot, 'scripts', 'deploy.ts'),
      '--env=production',
      '--skip-verify',
      '--poll=0.2',
      `--config=${production.configFile}`,
      `--report-dir=${options.reportRoot}`,
    ],
    { cwd: repositoryRoot, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { exitCode, output };
}

/** `npm test -- --env=production` against the setup, as a child process (it inherits the CA and Railway's settings). */
export async function runProductionHarness(
  production: OfflineProduction,
  options: { args: string[]; reportRoot: string; env?: Record<string, string>; echo?: boolean },
): Promise<ProductionRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...production.env, ...options.env };
  // Settings of the machine the tests run on must not leak in: only this setup's Railway and no other token.
  delete env.RAILWAY_API_TOKEN;
  delete env.SHIPSHAPE_BASE_URL;
  delete env.NODE_EXTRA_CA_CERTS;
  const child = spawn(
    process.execPath,
    [
      path.join(repositoryRoot, 'scripts', 'run.ts'),
      '--env=production',
      `--config=${production.configFile}`,
      `--report-dir=${options.reportRoot}`,
      ...options.args,
    ],
    { cwd: repositoryRoot, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    if (options.echo) process.stderr.write(chunk);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', resolve));
  let summary: RunSummary | undefined;
  try {
    summary = JSON.parse(await readFile(path.join(options.reportRoot, 'latest', 'summary.json'), 'utf8')) as RunSummary;
  } catch {
    summary = undefined;
  }
  return { exitCode, summary, output };
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      suite: { type: 'string' },
      check: { type: 'string' },
      certificate: { type: 'string', default: 'good' },
      deploy: { type: 'boolean', default: false },
    },
  });
  const workDir = await mkdtemp(path.join(tmpdir(), 'shipshape-production-offline-'));
  const production = await startOfflineProduction({ workDir, certificate: values.certificate as CertificateKind });
  let code: number;
  try {
    const run = await runProductionHarness(production, {
      args: [
        ...(values.suite ? [`--suite=${values.suite}`] : []),
        ...(values.check ? [`--check=${values.check}`] : []),
        ...(values.deploy ? ['--deploy', '--skip-verify'] : []),
      ],
      reportRoot: path.join(workDir, 'reports'),
      ...(values.deploy ? { env: production.deployEnv } : {}),
      echo: true,
    });
    code = run.exitCode ?? 2;
  } finally {
    await production.stop();
    await rm(workDir, { recursive: true, force: true });
  }
  process.exit(code);
}
