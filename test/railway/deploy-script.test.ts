/**
 * `npm run deploy` (scripts/deploy.ts) as a user runs it, as a child process,
 * against the Railway stand-in on 127.0.0.1: one test per scripted outcome,
 * each with its own exit code, and never a variable's value in the output.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RailwayStandin, type StartedRailwayStandin } from '../../fixtures/standins/railway/src/server.ts';
import type { Scenario } from '../../fixtures/standins/railway/src/scenarios.ts';
import { deployExitCodes } from '../../src/railway/deploy.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
const projectToken = 'project-token-for-the-standin-7f3a';
const apiToken = 'account-token-for-the-standin-91c2';
// The target's required variables, with values that must never show in the output.
const variables = {
  DATABASE_URL: 'postgresql://app:pw-0b5e9d1c@postgres.railway.internal:5432/app?sslmode=require',
  QDRANT_URL: 'https://qdrant.example.internal:6333',
  QDRANT_API_KEY: 'qdrant-key-canary-4c1d8e',
  QDRANT_COLLECTION: 'docs',
  COHERE_API_KEY: 'cohere-key-canary-77ab90',
};

let workRoot: string;
let standin: StartedRailwayStandin | undefined;

beforeAll(async () => {
  workRoot = await mkdtemp(path.join(tmpdir(), 'shipshape-deploy-'));
});
afterAll(async () => {
  await rm(workRoot, { recursive: true, force: true });
});
afterEach(async () => {
  await standin?.close();
  standin = undefined;
});

async function startStandin(scenario: Scenario): Promise<StartedRailwayStandin> {
  standin = await new RailwayStandin()
    .withScenario(scenario)
    .withProjectToken(projectToken)
    .withApiToken(apiToken)
    .withRetryAfter(42)
    .start();
  return standin;
}

interface Run {
  code: number | null;
  output: string;
  reportDir: string;
}

let runs = 0;

async function runDeploy(
  railway: StartedRailwayStandin,
  options: { env?: Record<string, string | undefined>; args?: string[] } = {},
): Promise<Run> {
  const reportDir = path.join(workRoot, `run-${(runs += 1)}`);
  await mkdir(reportDir, { recursive: true });
  const merged: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    RAILWAY_API_URL: railway.url,
    RAILWAY_PROJECT_ID: railway.ids.projectId,
    RAILWAY_ENVIRONMENT_ID: railway.ids.environmentId,
    RAILWAY_SERVICE_ID: railway.ids.serviceId,
    RAILWAY_TOKEN: projectToken,
    ...variables,
    ...options.env,
  };
  const env = Object.fromEntries(Object.entries(merged).filter(([, value]) => value !== undefined));
  const child = spawn(
    process.execPath,
    [
      path.join(root, 'scripts', 'deploy.ts'),
      '--env=production',
      '--poll=0.02',
      '--timeout=20',
      `--report-dir=${reportDir}`,
      ...(options.args ?? ['--skip-verify']),
      ...((options.args ?? []).some((arg) => arg.startsWith('--via')) ? [] : ['--via=api']),
    ],
    { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, output, reportDir };
}

function expectNoValues(output: string): void {
  for (const [name, value] of Object.entries({ ...variables, projectToken, apiToken })) {
    expect(output.includes(value), `${name}'s value appears in the output`).toBe(false);
  }
  expect(output.includes('pw-0b5e9d1c')).toBe(false);
}

describe('npm run deploy against the Railway stand-in', () => {
  it('SUCCESS: upserts the variables (names only shown), deploys, polls, writes deployment.json', async () => {
    const railway = await startStandin('success');
    const run = await runDeploy(railway);
    expect(run.code, run.output).toBe(deployExitCodes.deployed);
    // DATABASE_URL (a reference) and QDRANT_COLLECTION (a literal) come from .railway/railway.ts, not from here.
    const upserted = ['COHERE_API_KEY', 'QDRANT_API_KEY', 'QDRANT_URL'];
    expect(run.output).toContain(`variables set on the service: ${upserted.join(', ')} (values not shown)`);
    expect(run.output).toContain(
      'from the Railway IaC (a reference or a literal, applied with railway config apply): DATABASE_URL, QDRANT_COLLECTION',
    );
    expect(run.output).toMatch(/BUILDING[\s\S]*DEPLOYING[\s\S]*SUCCESS/);
    expectNoValues(run.output);
    const record = JSON.parse(await readFile(path.join(run.reportDir, 'deployment.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(record).toMatchObject({
      url: 'https://backend-production.up.railway.app',
      deploymentId: railway.deploymentIds()[0],
      status: 'SUCCESS',
      via: 'graphql-api',
    });
    expect(record.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(railway.variableNames()).toEqual(upserted);
    expect(railway.holdsValue('COHERE_API_KEY', variables.COHERE_API_KEY)).toBe(true);
    // Only the project token, in Railway's header for it.
    expect(railway.requests.every((request) => request.auth === 'project')).toBe(true);
  });

  it('FAILED: shows the tail of the build log and exits with its own code', async () => {
    const railway = await startStandin('failed');
    const run = await runDeploy(railway);
    expect(run.code, run.output).toBe(deployExitCodes.failed);
    expect(run.output).toContain('failed (see the build log)');
    expect(run.output).toContain('build log (last');
    expect(run.output).toContain('ERROR: failed to solve');
    expect(existsSync(path.join(run.reportDir, 'deployment.json'))).toBe(false);
    expectNoValues(run.output);
  });

  it('CRASHED: shows the deploy log tail and exits with its own code', async () => {
    const railway = await startStandin('crashed');
    const run = await runDeploy(railway);
    expect(run.code, run.output).toBe(deployExitCodes.crashed);
    expect(run.output).toContain('crashed after it started');
    expect(run.output).toContain('ECONNREFUSED postgres.railway.internal:5432');
    expect(existsSync(path.join(run.reportDir, 'deployment.json'))).toBe(false);
  });

  it('a deploy that never finishes: stops at the bound, says the last status', async () => {
    const railway = await startStandin('never-finishes');
    const started = Date.now();
    const run = await runDeploy(railway, { args: ['--skip-verify', '--timeout=1.5'] });
    expect(run.code, run.output).toBe(deployExitCodes.timedOut);
    expect(run.output).toContain('did not finish within 2 s (last status BUILDING)');
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('a bad token: exits with the API code and names the variable to check, never the token', async () => {
    const railway = await startStandin('success');
    const run = await runDeploy(railway, { env: { RAILWAY_TOKEN: 'not-the-right-token-123' } });
    expect(run.code, run.output).toBe(deployExitCodes.api);
    expect(run.output).toContain('the token was refused');
    expect(run.output).toContain('Check RAILWAY_TOKEN');
    expect(run.output).not.toContain('not-the-right-token-123');
    expect(railway.deploymentIds()).toEqual([]);
  });

  it('an account token goes as Authorization: Bearer', async () => {
    const railway = await startStandin('success');
    const run = await runDeploy(railway, { env: { RAILWAY_TOKEN: undefined, RAILWAY_API_TOKEN: apiToken } });
    expect(run.code, run.output).toBe(deployExitCodes.deployed);
    expect(railway.requests.every((request) => request.auth === 'account')).toBe(true);
  });

  it('rate limited (429): exits with the API code and says when to retry', async () => {
    const railway = await startStandin('rate-limited');
    const run = await runDeploy(railway);
    expect(run.code, run.output).toBe(deployExitCodes.api);
    expect(run.output).toContain('rate limited (HTTP 429); retry after 42 s');
    expectNoValues(run.output);
  });

  it('both tokens set: refuses before any request, saying which to unset', async () => {
    const railway = await startStandin('success');
    const run = await runDeploy(railway, { env: { RAILWAY_API_TOKEN: apiToken } });
    expect(run.code, run.output).toBe(deployExitCodes.usage);
    expect(run.output).toContain('both RAILWAY_TOKEN (project token) and RAILWAY_API_TOKEN (account token) are set');
    expect(run.output).toContain('unset RAILWAY_API_TOKEN');
    expect(railway.requests).toEqual([]);
    expectNoValues(run.output);
  });

  it("uses Railway's CLI (railway up --ci) when one is on PATH, then follows the deployment through the API", async () => {
    const railway = await startStandin('success');
    // A stand-in for the CLI: `railway up --ci --service <id> --environment <id>` starts a deployment, exits 0.
    const bin = path.join(workRoot, 'bin');
    await mkdir(bin, { recursive: true });
    const fake = path.join(bin, 'railway');
    await writeFile(
      fake,
      [
        `#!${process.execPath}`,
        'const args = process.argv.slice(2);',
        "if (args[0] !== 'up' || !args.includes('--ci')) process.exit(64);",
        'const flag = (name) => args[args.indexOf(name) + 1];',
        'const response = await fetch(process.env.RAILWAY_API_URL, {',
        "  method: 'POST',",
        "  headers: { 'content-type': 'application/json', 'Project-Access-Token': process.env.RAILWAY_TOKEN },",
        '  body: JSON.stringify({',
        "    query: 'mutation($e: String!, $s: String!) { serviceInstanceDeployV2(environmentId: $e, serviceId: $s) }',",
        "    variables: { e: flag('--environment'), s: flag('--service') },",
        '  }),',
        '});',
        "console.log('fake railway up: deployment', (await response.json()).data.serviceInstanceDeployV2);",
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    const run = await runDeploy(railway, {
      env: { PATH: `${bin}${path.delimiter}${process.env.PATH}` },
      args: ['--skip-verify', '--via=auto'],
    });
    expect(run.code, run.output).toBe(deployExitCodes.deployed);
    expect(run.output).toContain('deploying with the Railway CLI: railway up --ci');
    expect(run.output).toContain('fake railway up: deployment');
    const record = JSON.parse(await readFile(path.join(run.reportDir, 'deployment.json'), 'utf8')) as { via: string };
    expect(record.via).toBe('railway-cli');
  });

  it('a railway CLI that fails before deploying is a failure, never the previous SUCCESS', async () => {
    standin = await new RailwayStandin()
      .withProjectToken(projectToken)
      .withFinishedDeployment('success', 'f'.repeat(40))
      .start();
    const bin = path.join(workRoot, 'bin-failing');
    await mkdir(bin, { recursive: true });
    await writeFile(
      path.join(bin, 'railway'),
      `#!${process.execPath}\nconsole.error('upload failed');\nprocess.exit(1);\n`,
      {
        mode: 0o755,
      },
    );
    const run = await runDeploy(standin, {
      env: { PATH: `${bin}${path.delimiter}${process.env.PATH}` },
      args: ['--skip-verify', '--via=cli'],
    });
    expect(run.code, run.output).toBe(deployExitCodes.failed);
    expect(run.output).toContain('railway up --ci exited 1');
    expect(existsSync(path.join(run.reportDir, 'deployment.json'))).toBe(false);
  });

  it('preflight: a required variable missing stops the deploy, naming it', async () => {
    const railway = await startStandin('success');
    const run = await runDeploy(railway, { env: { QDRANT_API_KEY: undefined } });
    expect(run.code, run.output).toBe(deployExitCodes.preflight);
    expect(run.output).toContain('the target requires QDRANT_API_KEY, not set');
    expect(railway.requests).toEqual([]);
  });

  it('preflight: a failing local run of this commit stops the deploy unless --skip-verify', async () => {
    const railway = await startStandin('success');
    const reportDir = path.join(workRoot, 'red');
    await mkdir(path.join(reportDir, 'latest'), { recursive: true });
    const commit = await new Promise<string>((resolve) => {
      const git = spawn('git', ['rev-parse', '--short', 'HEAD'], { cwd: root });
      let out = '';
      git.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      git.on('close', () => resolve(out.trim()));
    });
    await writeFile(
      path.join(reportDir, 'latest', 'summary.json'),
      JSON.stringify({ env: 'local', startedAt: new Date().toISOString(), exitCode: 1, target: { commit } }),
    );
    const run = await runDeploy(railway, { args: [`--report-dir=${reportDir}`] });
    expect(run.code, run.output).toBe(deployExitCodes.preflight);
    expect(run.output).toContain(`the latest local run of this commit exited 1`);
    expect(railway.requests).toEqual([]);
  });
});
