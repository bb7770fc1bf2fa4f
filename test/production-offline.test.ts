/**
 * Production mode end to end, offline: the target behind a local TLS edge
 * with a throwaway CA the harness is told to trust, and the Railway stand-in
 * in place of Railway. `npm run deploy` deploys through the stand-in, then
 * `npm test -- --env=production` runs every suite against the HTTPS URL: the
 * non-destructive checks pass, the ones that need containers skip saying so,
 * and 4.3 passes; `--deploy` runs the deploy as setup; a broken certificate
 * fails 4.3.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  runProductionDeploy,
  runProductionHarness,
  startOfflineProduction,
  type OfflineProduction,
} from '../scripts/selftest/offline-production.ts';

let workRoot: string;
beforeAll(async () => {
  workRoot = await mkdtemp(path.join(tmpdir(), 'shipshape-production-offline-'));
});
afterAll(async () => {
  await rm(workRoot, { recursive: true, force: true });
});

function tail(text: string, lines = 60): string {
  return text.split('\n').slice(-lines).join('\n');
}

describe('the offline production setup (target behind a TLS edge, Railway stand-in)', () => {
  let production: OfflineProduction;
  beforeAll(async () => {
    production = await startOfflineProduction({ workDir: path.join(workRoot, 'good') });
  }, 240_000);
  afterAll(async () => {
    await production?.stop();
  });

  it('npm run deploy, then npm test -- --env=production: every suite runs, 4.1 and 4.3 pass, the rest pass or skip with a reason', async () => {
    const reportRoot = path.join(workRoot, 'good', 'reports');
    const deploy = await runProductionDeploy(production, { reportRoot });
    expect(deploy.exitCode, deploy.output).toBe(0);
    const record = JSON.parse(await readFile(path.join(reportRoot, 'deployment.json'), 'utf8')) as { url: string };
    expect(record.url).toBe(production.baseUrl);

    const run = await runProductionHarness(production, { args: [], reportRoot });
    const checks = run.summary?.checks ?? [];
    const failures = checks.filter((check) => check.status === 'failed');
    expect(
      failures.map((check) => `${check.id}: ${check.message}`),
      tail(run.output),
    ).toEqual([]);

    const https = checks.filter((check) => check.task === '4.3');
    expect(https.map((check) => `${check.id}: ${check.status}`)).toEqual(https.map((check) => `${check.id}: passed`));
    expect(https.length).toBe(6);
    for (const id of ['4.1/deployment-succeeded', '4.1/deployment-logs-clean', '2.2/variables-on-service']) {
      expect(checks.find((check) => check.id === id)?.status, id).toBe('passed');
    }
    // WebSocket upgrades pass the edge (wss:// with the trusted CA).
    expect(checks.find((check) => check.id === '1.2/websocket-answers')?.status).toBe('passed');
    // The commit the deploy recorded is the one 4.1 compared.
    expect(checks.find((check) => check.id === '4.1/deployment-succeeded')?.message).toContain('for commit');
    // The production endpoints are in the report.
    expect(checks.find((check) => check.id === '4.3/certificate-trusted')?.message).toContain(
      `health ${production.baseUrl}/health`,
    );
    // Container and fault checks skip, each with its reason; non-destructive checks of other suites ran.
    const skipped = checks.filter((check) => check.status === 'skipped');
    for (const check of skipped) expect(check.message, check.id).toMatch(/\S{4,}/);
    expect(skipped.some((check) => check.message.includes('needs --env=local'))).toBe(true);
    const othersPassed = checks.filter((check) => check.status === 'passed' && !['4.1', '4.3'].includes(check.task));
    expect(othersPassed.length).toBeGreaterThan(5);
  }, 420_000);

  it('npm test -- --env=production --deploy deploys through the stand-in first, then verifies it', async () => {
    const reportRoot = path.join(workRoot, 'good', 'reports-deploy');
    const run = await runProductionHarness(production, {
      args: ['--deploy', '--skip-verify', '--suite=4.1'],
      reportRoot,
      env: production.deployEnv,
    });
    expect(run.exitCode, tail(run.output)).toBe(0);
    expect(run.output).toContain('[deploy] deployed: ');
    expect(existsSync(path.join(reportRoot, 'deployment.json'))).toBe(true);
    expect(run.summary?.checks.map((check) => `${check.id}: ${check.status}`)).toEqual([
      '4.1/deployment-succeeded: passed',
      '4.1/deployment-logs-clean: passed',
    ]);
  }, 180_000);
});

describe('a broken certificate fails 4.3', () => {
  it.each(['expired', 'wrong-host'] as const)(
    '%s',
    async (certificate) => {
      const workDir = path.join(workRoot, certificate);
      const production = await startOfflineProduction({ workDir, certificate, backend: false });
      try {
        const run = await runProductionHarness(production, {
          args: ['--check=4.3/certificate-trusted,4.3/certificate-matches-host,4.3/certificate-days-left'],
          reportRoot: path.join(workDir, 'reports'),
        });
        expect(run.exitCode, tail(run.output)).toBe(1);
        const status = Object.fromEntries((run.summary?.checks ?? []).map((check) => [check.id, check.status]));
        expect(status).toEqual(
          certificate === 'expired'
            ? {
                '4.3/certificate-trusted': 'failed',
                '4.3/certificate-matches-host': 'passed',
                '4.3/certificate-days-left': 'failed',
              }
            : {
                '4.3/certificate-trusted': 'passed',
                '4.3/certificate-matches-host': 'failed',
                '4.3/certificate-days-left': 'passed',
              },
        );
      } finally {
        await production.stop();
      }
    },
    120_000,
  );
});
