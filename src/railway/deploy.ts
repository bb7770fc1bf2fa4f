/**
 * The deploy, once preflight has passed: the variables upserted on the
 * service (names printed, values never), a deployment started (Railway's CLI
 * `railway up --ci` when it is installed, else the GraphQL API's
 * serviceInstanceDeployV2), its status polled with a progress line per
 * change and bounded in time, and the outcome: the tail of the build and
 * deploy logs on failure, `deployment.json` (URL, deployment id, commit) on
 * success. Each outcome has its own exit code (deployExitCodes).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RailwayApiError, type DeploymentSummary, type RailwayClient } from './client.ts';
import { maskSecretValues, secretsOf } from '../support/secrets.ts';
import { tail } from './logs.ts';

/** `npm run deploy` exits with one of these (README "Deploying"). */
export const deployExitCodes = {
  deployed: 0,
  /** Bad arguments or settings: a missing id, no token, both tokens set. */
  usage: 2,
  /** Preflight refused: the local suites are not green, or a required variable is not set. */
  preflight: 3,
  /** Railway's API refused or could not be reached: a bad token (401/403), rate limited (429), the network. */
  api: 4,
  /** The deployment FAILED (usually its build). */
  failed: 5,
  /** The deployment CRASHED after it started. */
  crashed: 6,
  /** The deployment did not finish within the bound. */
  timedOut: 7,
} as const;

/** Statuses after which a deployment changes no more. */
const finalStatuses = new Set(['SUCCESS', 'FAILED', 'CRASHED', 'REMOVED', 'SKIPPED']);

/** What runs `railway up --ci`: the command's exit code (the CLI streams its own build log). */
export type CliRunner = (args: string[]) => Promise<number>;

export interface DeployOptions {
  client: RailwayClient;
  /** Name to value; upserted before the deploy. Only the names are ever printed. */
  variables: Record<string, string>;
  /** The commit to deploy and record (git HEAD). */
  commit: string | undefined;
  /** Set to deploy with Railway's CLI instead of the API. */
  cli?: CliRunner;
  pollIntervalMs: number;
  timeoutMs: number;
  /** How many lines of each log a failure shows. */
  logTailLines?: number;
  /** Where deployment.json goes on success. */
  reportFile: string;
  log: (line: string) => void;
}

export interface DeployOutcome {
  exitCode: number;
  message: string;
  deploymentId?: string;
  status?: string;
  url?: string;
  buildLogTail?: string[];
  deployLogTail?: string[];
}

export interface DeploymentRecord {
  url: string;
  deploymentId: string;
  commit: string | null;
  status: 'SUCCESS';
  deployedAt: string;
  projectId: string;
  environmentId: string;
  serviceId: string;
  via: 'railway-cli' | 'graphql-api';
  customDomains: string[];
}

export async function deploy(options: DeployOptions): Promise<DeployOutcome> {
  try {
    return await deploySteps(options);
  } catch (error) {
    if (error instanceof RailwayApiError) return { exitCode: deployExitCodes.api, message: error.message };
    throw error;
  }
}

async function deploySteps(options: DeployOptions): Promise<DeployOutcome> {
  const { client, log } = options;
  const names = Object.keys(options.variables).sort();
  if (names.length > 0) {
    // skipDeploys: the deploy below is the one deployment of this run.
    await client.upsertVariables(options.variables, { skipDeploys: true });
    log(`variables set on the service: ${names.join(', ')} (values not shown)`);
  }

  const started = Date.now();
  let deploymentId: string;
  if (options.cli) {
    log('deploying with the Railway CLI: railway up --ci');
    const code = await options.cli([
      'up',
      '--ci',
      '--service',
      client.settings.serviceId,
      '--environment',
      client.settings.environmentId,
    ]);
    const latest = await client.latestDeployment();
    // A deployment older than this run is the previous one: the CLI failed before it started a new one.
    const isNew = latest !== undefined && (!latest.createdAt || Date.parse(latest.createdAt) >= started - 60_000);
    if (!latest || !isNew) {
      return {
        exitCode: deployExitCodes.failed,
        message:
          `railway up --ci exited ${code} and started no deployment` +
          (latest ? ` (the latest, ${latest.id}, is an earlier one: ${latest.status})` : ''),
      };
    }
    deploymentId = latest.id;
    if (code !== 0 && (!finalStatuses.has(latest.status) || latest.status === 'SUCCESS')) {
      return failure(options, latest, `railway up --ci exited ${code}`);
    }
  } else {
    deploymentId = await client.deploy(options.commit);
    log(
      `deployment ${deploymentId} started through Railway's API${options.commit ? ` (commit ${options.commit.slice(0, 12)})` : ''}`,
    );
  }

  let last: DeploymentSummary | undefined;
  const deadline = started + options.timeoutMs;
  for (;;) {
    let current: DeploymentSummary;
    try {
      current = await client.deployment(deploymentId);
    } catch (error) {
      // Rate limited while waiting: the deployment goes on at Railway; wait as told if the bound allows.
      const wait =
        error instanceof RailwayApiError && error.kind === 'rate-limited' ? error.retryAfterSeconds : undefined;
      if (wait === undefined || Date.now() + wait * 1000 > deadline) throw error;
      log(`rate limited by Railway's API while polling: waiting ${wait} s as it asks`);
      await sleep(wait * 1000);
      continue;
    }
    if (current.status !== last?.status) {
      log(`deployment ${deploymentId}: ${current.status} (${Math.round((Date.now() - started) / 1000)} s)`);
    }
    last = current;
    if (finalStatuses.has(current.status)) break;
    if (Date.now() + options.pollIntervalMs > deadline) {
      const outcome = await withLogs(options, deploymentId, {
        exitCode: deployExitCodes.timedOut,
        message:
          `deployment ${deploymentId} did not finish within ${Math.round(options.timeoutMs / 1000)} s ` +
          `(last status ${current.status}); it may still be running: see the service in Railway's dashboard`,
        deploymentId,
        status: current.status,
      });
      return outcome;
    }
    await sleep(options.pollIntervalMs);
  }

  if (last.status !== 'SUCCESS') return failure(options, last);

  const domains = await client.domains();
  const host = domains.serviceDomains[0] ?? last.staticUrl ?? domains.customDomains[0]?.domain;
  if (!host) {
    return {
      exitCode: deployExitCodes.failed,
      message: `deployment ${deploymentId} succeeded, but the service has no domain: generate one (Settings -> Networking)`,
      deploymentId,
      status: last.status,
    };
  }
  const record: DeploymentRecord = {
    url: `https://${host}`,
    deploymentId,
    commit: options.commit ?? last.commit ?? null,
    status: 'SUCCESS',
    deployedAt: new Date().toISOString(),
    projectId: client.settings.projectId,
    environmentId: client.settings.environmentId,
    serviceId: client.settings.serviceId,
    via: options.cli ? 'railway-cli' : 'graphql-api',
    customDomains: domains.customDomains.map((domain) => domain.domain),
  };
  await mkdir(path.dirname(options.reportFile), { recursive: true });
  await writeFile(options.reportFile, `${JSON.stringify(record, null, 2)}\n`);
  log(`deployed: ${record.url} (deployment ${deploymentId}); written to ${options.reportFile}`);
  return {
    exitCode: deployExitCodes.deployed,
    message: `deployed ${record.url}`,
    deploymentId,
    status: 'SUCCESS',
    url: record.url,
  };
}

async function failure(options: DeployOptions, deployment: DeploymentSummary, prefix?: string): Promise<DeployOutcome> {
  const exitCode = deployment.status === 'CRASHED' ? deployExitCodes.crashed : deployExitCodes.failed;
  const what =
    deployment.status === 'CRASHED'
      ? 'crashed after it started (see the deploy log)'
      : deployment.status === 'FAILED'
        ? 'failed (see the build log)'
        : `ended as ${deployment.status}`;
  return withLogs(options, deployment.id, {
    exitCode,
    message: `${prefix ? `${prefix}: ` : ''}deployment ${deployment.id} ${what}`,
    deploymentId: deployment.id,
    status: deployment.status,
  });
}

/** Adds the tails of both logs to a failed outcome; a log that cannot be read says so instead. */
async function withLogs(options: DeployOptions, deploymentId: string, outcome: DeployOutcome): Promise<DeployOutcome> {
  const lines = options.logTailLines ?? 30;
  const read = async (which: 'build' | 'deploy'): Promise<string[]> => {
    try {
      const logs =
        which === 'build'
          ? await options.client.buildLogs(deploymentId, lines)
          : await options.client.deploymentLogs(deploymentId, lines);
      // A log may echo a value the deploy just set (an app printing its config): never show it.
      const secrets = secretsOf(options.variables, Object.keys(options.variables));
      return tail(logs, lines).map((line) => maskSecretValues(line, secrets));
    } catch (error) {
      return [`(the ${which} log could not be read: ${(error as Error).message})`];
    }
  };
  return { ...outcome, buildLogTail: await read('build'), deployLogTail: await read('deploy') };
}

/** The outcome as a person reads it: the message, then each log's tail. */
export function describeOutcome(outcome: DeployOutcome): string {
  const parts = [outcome.message];
  if (outcome.buildLogTail)
    parts.push(`build log (last ${outcome.buildLogTail.length} lines):`, ...indent(outcome.buildLogTail));
  if (outcome.deployLogTail)
    parts.push(`deploy log (last ${outcome.deployLogTail.length} lines):`, ...indent(outcome.deployLogTail));
  return parts.join('\n');
}

function indent(lines: string[]): string[] {
  return lines.length === 0 ? ['  (empty)'] : lines.map((line) => `  ${line}`);
}
