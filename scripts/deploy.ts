/**
 * `npm run deploy -- --env=production`: deploys the target to Railway.
 *
 * 1. preflight: the local suites green for this commit (a fresh summary of an `--env=local` run, else
 *    `npm test -- --env=local` now; `--skip-verify` skips it), and every variable the target requires set
 *    in this environment;
 * 2. the variables upserted on the service (values from this environment, never printed: names only);
 * 3. the deploy: Railway's CLI `railway up --ci` when it is on PATH, else the GraphQL API
 *    (serviceInstanceDeployV2);
 * 4. its status polled with a progress line per change, bounded by --timeout;
 * 5. on failure the tail of the build and deploy logs and a non-zero exit; on success
 *    `<report-dir>/deployment.json` with the URL, deployment id and commit.
 *
 * Settings come from the environment: RAILWAY_TOKEN (project token) or RAILWAY_API_TOKEN (account token),
 * RAILWAY_PROJECT_ID, RAILWAY_ENVIRONMENT_ID, RAILWAY_SERVICE_ID, and RAILWAY_API_URL (default Railway's).
 * Exit codes: src/railway/deploy.ts deployExitCodes (0 deployed, 2 usage, 3 preflight, 4 API, 5 failed,
 * 6 crashed, 7 timed out).
 */
import { execFileSync, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../src/config/load.ts';
import { RailwayClient } from '../src/railway/client.ts';
import { deploy, deployExitCodes, describeOutcome, type CliRunner } from '../src/railway/deploy.ts';
import {
  judgeLocalSummary,
  missingVariables,
  variablesToUpsert,
  type LocalRunSummary,
} from '../src/railway/preflight.ts';
import { requireRailwaySettings, RailwaySettingsError } from '../src/railway/settings.ts';
import { requireToken, RailwayTokenError } from '../src/railway/tokens.ts';
import { backendService, evaluateRailwayIacOnce } from '../src/support/railway-iac.ts';
import { checks } from '../src/tasks/index.ts';

const usage = `Usage: npm run deploy -- --env=production [--skip-verify] [--via=auto|api|cli] [--timeout=<s>] [--poll=<s>]
                          [--variables=<names>] [--config=<file>] [--report-dir=<dir>]

  --env=<name>        a remote environment of the config (default production)
  --skip-verify       do not require the local suites green before deploying
  --via=<how>         auto (default: the railway CLI when on PATH, else the API), api, or cli
  --timeout=<s>       how long to wait for the deployment to finish (default 900)
  --poll=<s>          seconds between status queries (default 5; Railway rate-limits the API per hour)
  --variables=<names> more variables to upsert besides the target's required and secret ones
  --config=<file>     config file (default shipshape.config.ts)
  --report-dir=<dir>  where the local run's summary is read and deployment.json written (default: reports)

Environment: RAILWAY_TOKEN or RAILWAY_API_TOKEN (not both), RAILWAY_PROJECT_ID, RAILWAY_ENVIRONMENT_ID,
RAILWAY_SERVICE_ID, RAILWAY_API_URL (optional). The target's variables are read from this environment.

Exit codes: 0 deployed, 2 usage or settings, 3 preflight refused, 4 Railway's API refused or unreachable,
            5 deployment failed, 6 deployment crashed, 7 did not finish in time.`;

const maxSummaryAgeMs = 24 * 3_600_000;

function say(line: string): void {
  process.stderr.write(`[deploy] ${line}\n`);
}

class UsageError extends Error {}

function parse(argv: string[]) {
  let values;
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        env: { type: 'string', default: 'production' },
        'skip-verify': { type: 'boolean', default: false },
        via: { type: 'string', default: 'auto' },
        timeout: { type: 'string', default: '900' },
        poll: { type: 'string', default: '5' },
        variables: { type: 'string' },
        config: { type: 'string' },
        'report-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const seconds = (name: 'timeout' | 'poll') => {
    const value = Number(values[name]);
    if (!Number.isFinite(value) || value <= 0)
      throw new UsageError(`--${name} takes a positive number of seconds, got "${values[name]}"`);
    return value * 1000;
  };
  if (!['auto', 'api', 'cli'].includes(values.via!))
    throw new UsageError(`--via takes auto, api or cli, got "${values.via}"`);
  const extra = (values.variables ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const malformed = extra.filter((name) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name));
  if (malformed.length > 0)
    throw new UsageError(`--variables takes variable names; not names: ${malformed.join(', ')}`);
  return {
    env: values.env!,
    skipVerify: values['skip-verify']!,
    via: values.via as 'auto' | 'api' | 'cli',
    timeoutMs: seconds('timeout'),
    pollMs: seconds('poll'),
    extraVariables: extra,
    configFile: values.config,
    reportDir: values['report-dir'],
    help: values.help!,
  };
}

/** The `railway` executable on PATH, if any. */
export function findOnPath(command: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function cliRunner(executable: string): CliRunner {
  return (args) =>
    new Promise((resolve, reject) => {
      // The CLI streams the build log itself; it reads RAILWAY_TOKEN / RAILWAY_API_TOKEN from this environment.
      const child = spawn(executable, args, { stdio: ['ignore', 'inherit', 'inherit'] });
      child.once('error', reject);
      child.once('close', (code) => resolve(code ?? 1));
    });
}

function gitCommit(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

async function readSummary(file: string): Promise<LocalRunSummary | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as LocalRunSummary;
  } catch {
    return undefined;
  }
}

/** `npm test -- --env=local` as a child process, its output shown; its exit code. */
function runLocalSuites(configFile: string, reportDir: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [path.join(import.meta.dirname, 'run.ts'), '--env=local', `--config=${configFile}`, `--report-dir=${reportDir}`],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
    child.once('error', reject);
    child.once('close', (code) => resolve(code ?? 1));
  });
}

/**
 * Variables the target's Railway IaC supplies itself: a reference (db.env.DATABASE_URL) or a literal. Railway
 * fills them in from the IaC (railway config apply), so the deploy neither needs them here nor overwrites them;
 * preserve() ones are set by the deploy. No IaC (or one that does not evaluate, see 2.1): none.
 */
async function suppliedByIac(config: Awaited<ReturnType<typeof loadConfig>>): Promise<Set<string>> {
  try {
    const iac = await evaluateRailwayIacOnce(config.target.railway.iacFile);
    const service = backendService(iac.graph, config.target.railway.service);
    return new Set(
      Object.entries(service.variables ?? {})
        .filter(([, value]) => (value as { type?: string }).type !== 'preserve')
        .map(([name]) => name),
    );
  } catch {
    return new Set();
  }
}

async function main(argv: string[]): Promise<number> {
  let args;
  let config;
  let settings;
  let token;
  try {
    args = parse(argv);
    if (args.help) {
      console.log(usage);
      return 0;
    }
    config = await loadConfig({
      envName: args.env,
      configFile: args.configFile ?? process.env.SHIPSHAPE_CONFIG,
      requireBaseUrl: false,
    });
    if (config.environment.kind !== 'remote') {
      throw new UsageError(`--env=${args.env} is a local environment; deploy to a remote one such as production`);
    }
    token = requireToken();
    settings = requireRailwaySettings();
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`error: ${error.message}\n\n${usage}`);
      return deployExitCodes.usage;
    }
    if (error instanceof ConfigError || error instanceof RailwayTokenError || error instanceof RailwaySettingsError) {
      console.error(`error: ${error.message}`);
      return deployExitCodes.usage;
    }
    throw error;
  }
  const reportDir = path.resolve(args.reportDir ?? config.reportDir);
  const commit = gitCommit();

  // 1. Preflight.
  const fromIac = await suppliedByIac(config);
  const needed = config.target.requiredEnv.filter((name) => !fromIac.has(name));
  const missing = missingVariables(needed, process.env);
  if (missing.length > 0) {
    console.error(
      `error: preflight: the target requires ${missing.join(', ')}, not set in this environment. ` +
        'Set each (a Railway reference such as ${{postgres.DATABASE_URL}} is upserted as written) and deploy again',
    );
    return deployExitCodes.preflight;
  }
  say(`preflight: required variables set: ${needed.join(', ') || '(none)'}`);
  const declared = config.target.requiredEnv.filter((name) => fromIac.has(name));
  if (declared.length > 0) {
    say(`from the Railway IaC (a reference or a literal, applied with railway config apply): ${declared.join(', ')}`);
  }
  if (args.skipVerify) {
    say('preflight: --skip-verify: the local suites were not checked');
  } else {
    const judged = judgeLocalSummary(
      await readSummary(path.join(reportDir, 'latest', 'summary.json')),
      commit,
      Date.now(),
      maxSummaryAgeMs,
      checks.map((check) => check.id),
    );
    if (judged.verdict === 'red') {
      console.error(
        `error: preflight: ${judged.why}; fix the failing checks (reports/latest/summary.md) or pass --skip-verify`,
      );
      return deployExitCodes.preflight;
    }
    if (judged.verdict === 'stale') {
      say(`preflight: ${judged.why}: running npm test -- --env=local`);
      const code = await runLocalSuites(config.configFile, reportDir);
      if (code !== 0) {
        console.error(
          `error: preflight: the local suites exited ${code}; not deploying (pass --skip-verify to deploy anyway)`,
        );
        return deployExitCodes.preflight;
      }
      say('preflight: the local suites passed');
    } else {
      say(`preflight: ${judged.why}`);
    }
  }

  // 2-5. Variables, deploy, poll, outcome.
  const railwayCli = args.via === 'api' ? undefined : findOnPath('railway');
  if (args.via === 'cli' && !railwayCli) {
    console.error("error: --via=cli: no `railway` on PATH (install Railway's CLI, or use --via=api)");
    return deployExitCodes.usage;
  }
  say(
    `deploying service ${settings.serviceId} (environment ${settings.environmentId}) with ${token.variable} ` +
      `(${token.kind} token) through ${railwayCli ? `the Railway CLI (${railwayCli})` : `the GraphQL API at ${new URL(settings.apiUrl).host}`}`,
  );
  const client = new RailwayClient(settings, token);
  const outcome = await deploy({
    client,
    // Never over what the IaC supplies: a local DATABASE_URL must not replace the reference to Railway's database.
    variables: variablesToUpsert(
      [...config.target.requiredEnv, ...config.target.secretEnv, ...args.extraVariables].filter(
        (name) => !fromIac.has(name),
      ),
      process.env,
    ),
    commit,
    ...(railwayCli ? { cli: cliRunner(railwayCli) } : {}),
    pollIntervalMs: args.pollMs,
    timeoutMs: args.timeoutMs,
    reportFile: path.join(reportDir, 'deployment.json'),
    log: say,
  });
  if (outcome.exitCode !== deployExitCodes.deployed) console.error(`error: ${describeOutcome(outcome)}`);
  return outcome.exitCode;
}

if (import.meta.main) process.exit(await main(process.argv.slice(2)));
