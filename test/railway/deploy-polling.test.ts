/** The deploy's polling, in-process against the stand-in: a 429 while waiting is waited out when the bound allows. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RailwayStandin } from '../../fixtures/standins/railway/src/server.ts';
import { RailwayClient } from '../../src/railway/client.ts';
import { deploy, deployExitCodes } from '../../src/railway/deploy.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'shipshape-deploy-polling-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('waits out a 429 with Retry-After while polling, then reports the outcome', async () => {
  const standin = await new RailwayStandin().withProjectToken('t').withRetryAfter(1).start();
  try {
    const client = new RailwayClient(
      { ...standin.ids, apiUrl: standin.url },
      { kind: 'project', variable: 'RAILWAY_TOKEN', headers: { 'Project-Access-Token': 't' }, value: 't' },
    );
    const lines: string[] = [];
    const log = (line: string) => {
      lines.push(line);
      // Once the deployment is under way, Railway starts refusing for a moment.
      if (line.includes(': QUEUED')) {
        standin.setScenario('rate-limited');
        setTimeout(() => standin.setScenario('success'), 300);
      }
    };
    const outcome = await deploy({
      client,
      variables: {},
      commit: undefined,
      pollIntervalMs: 20,
      timeoutMs: 20_000,
      reportFile: path.join(dir, 'deployment.json'),
      log,
    });
    expect(outcome.exitCode, lines.join('\n')).toBe(deployExitCodes.deployed);
    expect(lines.some((line) => line.includes('rate limited') && line.includes('waiting 1 s'))).toBe(true);
  } finally {
    await standin.close();
  }
});
