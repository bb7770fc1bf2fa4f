/**
 * The deployment under verification. In production: the service's latest
 * deployment through Railway's API, and the commit it should run (the one
 * `npm run deploy` recorded in deployment.json). Locally: the deploy script's
 * orchestration end to end against the Railway stand-in (in-process, on
 * 127.0.0.1), so the path from variables to deployment.json is exercised on
 * every local run.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RailwayStandin } from '../../../fixtures/standins/railway/src/server.ts';
import type { CheckContext } from '../../checks/context.ts';
import { RailwayClient, type DeploymentSummary, type LogLine } from '../../railway/client.ts';
import { deploy, deployExitCodes, describeOutcome, type DeploymentRecord } from '../../railway/deploy.ts';
import { railwaySettings } from '../../railway/settings.ts';
import { selectToken } from '../../railway/tokens.ts';

export interface ObservedDeployment {
  deployment: DeploymentSummary | undefined;
  /** The commit the deployment should run, and where that expectation came from. */
  expectedCommit?: { commit: string; source: string };
  buildLogs: LogLine[];
  deployLogs: LogLine[];
  /** Locally: what the deploy orchestration reported (exit code, message, log tails). */
  orchestration?: { exitCode: number; description: string; record?: DeploymentRecord };
}

export const needsRailway =
  'needs a Railway token (RAILWAY_TOKEN or RAILWAY_API_TOKEN) and RAILWAY_PROJECT_ID, RAILWAY_ENVIRONMENT_ID, RAILWAY_SERVICE_ID';

/** The client for production, or the reason there is none (selectToken throws when both tokens are set). */
export function productionClient(ctx: CheckContext): RailwayClient | string {
  const token = selectToken();
  const settings = railwaySettings();
  if (!token || !settings) return needsRailway;
  return new RailwayClient(settings, token, { timeoutMs: ctx.thresholds.requestTimeoutMs * 2 });
}

/** deployment.json beside the run's report folder (npm run deploy writes it in the report root). */
async function recordedCommit(ctx: CheckContext): Promise<{ commit: string; source: string } | undefined> {
  const file = path.join(path.dirname(ctx.environment.reportDir), 'deployment.json');
  try {
    const record = JSON.parse(await readFile(file, 'utf8')) as Partial<DeploymentRecord>;
    if (typeof record.commit === 'string' && record.commit) return { commit: record.commit, source: file };
  } catch {
    // No deploy recorded by this harness: the commit is not compared.
  }
  return undefined;
}

export async function observeProduction(ctx: CheckContext, client: RailwayClient): Promise<ObservedDeployment> {
  const deployment = await client.latestDeployment();
  ctx.note(deployment ? `latest deployment ${deployment.id}: ${deployment.status}` : 'no deployment listed');
  const expectedCommit = await recordedCommit(ctx);
  if (!deployment) return { deployment, buildLogs: [], deployLogs: [], ...(expectedCommit ? { expectedCommit } : {}) };
  const [buildLogs, deployLogs] = await Promise.all([
    client.buildLogs(deployment.id, 500),
    client.deploymentLogs(deployment.id, 500),
  ]);
  return { deployment, buildLogs, deployLogs, ...(expectedCommit ? { expectedCommit } : {}) };
}

/** Locally: `deploy()` against a fresh stand-in, as `npm run deploy` runs it; the variables are the target's names. */
export async function observeStandinDeploy(ctx: CheckContext): Promise<ObservedDeployment> {
  const token = 'shipshape-local-standin-token';
  const standin = await new RailwayStandin().withProjectToken(token).start();
  const dir = await mkdtemp(path.join(tmpdir(), 'shipshape-standin-deploy-'));
  try {
    const client = new RailwayClient(
      { ...standin.ids, apiUrl: standin.url },
      { kind: 'project', variable: 'RAILWAY_TOKEN', headers: { 'Project-Access-Token': token }, value: token },
    );
    const commit = 'c0ffee0000000000000000000000000000000001';
    const reportFile = path.join(dir, 'deployment.json');
    const lines: string[] = [];
    const outcome = await deploy({
      client,
      // Placeholders under the target's names: the stand-in is told which variables a deploy sets, never real values.
      variables: Object.fromEntries(ctx.target.requiredEnv.map((name) => [name, `placeholder-${name}`])),
      commit,
      pollIntervalMs: 10,
      timeoutMs: Math.max(5_000, ctx.thresholds.requestTimeoutMs),
      reportFile,
      log: (line) => lines.push(line),
    });
    ctx.note(lines.at(-1) ?? 'the deploy printed nothing');
    let record: DeploymentRecord | undefined;
    if (outcome.exitCode === deployExitCodes.deployed) {
      record = JSON.parse(await readFile(reportFile, 'utf8')) as DeploymentRecord;
    }
    const missing = ctx.target.requiredEnv.filter((name) => !standin.variableNames().includes(name));
    const description = [
      describeOutcome(outcome),
      ...lines.map((line) => `  ${line}`),
      ...(missing.length ? [`not set on the service: ${missing.join(', ')}`] : []),
    ].join('\n');
    const id = outcome.deploymentId;
    return {
      deployment: id ? await client.deployment(id) : undefined,
      expectedCommit: { commit, source: 'the commit the local deploy asked for' },
      buildLogs: id ? await client.buildLogs(id, 500) : [],
      deployLogs: id ? await client.deploymentLogs(id, 500) : [],
      orchestration: {
        exitCode: missing.length ? deployExitCodes.failed : outcome.exitCode,
        description,
        ...(record ? { record } : {}),
      },
    };
  } finally {
    await standin.close();
    await rm(dir, { recursive: true, force: true });
  }
}
