/**
 * Seed task 2.1's pure judgements, and the offline IaC evaluation they read:
 * the repository's own .railway/railway.ts evaluates per environment, a
 * leftover railway.json fails with the cutoff and the migration steps, and
 * each service setting is judged by what Railway does with it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { backendService, evaluateRailwayIac, IacError, type ServiceNode } from '../../../src/support/railway-iac.ts';
import {
  configAsCodeCutoff,
  declaredSettings,
  judgeConfigAsCode,
} from '../../../src/tasks/2.1-railway-config/config-as-code.ts';
import {
  judgeDockerfileBuild,
  judgeDraining,
  judgeStartCommand,
} from '../../../src/tasks/2.1-railway-config/service-config.ts';

const service = (overrides: Partial<ServiceNode> = {}): ServiceNode => ({
  address: 'service.backend',
  type: 'service',
  kind: 'empty',
  name: 'backend',
  build: { builder: 'DOCKERFILE', dockerfilePath: 'Dockerfile' },
  deploy: { healthcheckPath: '/health', drainingSeconds: 30 },
  ...overrides,
});

describe("the repository's IaC, evaluated offline", () => {
  it('gives production two replicas and other environments one, with the database reference and preserved secrets', async () => {
    const production = await evaluateRailwayIac('.railway/railway.ts');
    const staging = await evaluateRailwayIac('.railway/railway.ts', { environment: 'pr-7' });
    expect(production.problems).toEqual([]);
    const backend = backendService(production.graph, undefined);
    expect(backend.deploy).toMatchObject({
      numReplicas: 2,
      healthcheckPath: '/health',
      restartPolicyType: 'ON_FAILURE',
    });
    expect(backendService(staging.graph, undefined).deploy?.numReplicas).toBe(1);
    // The database's reference in Railway's template syntax, asking for TLS (5.3/database-refuses-plaintext).
    expect(backend.variables?.DATABASE_URL).toEqual({
      type: 'literal',
      value: '${{postgres.DATABASE_URL}}?sslmode=require',
    });
    expect(backend.variables?.COHERE_API_KEY).toEqual({ type: 'preserve' });
    // preserve() stays out of the patch; the template goes to Railway as written.
    const variables = production.desiredConfig.services?.backend?.variables ?? {};
    expect(variables.DATABASE_URL).toEqual({ value: '${{postgres.DATABASE_URL}}?sslmode=require' });
    expect(variables.COHERE_API_KEY).toBeUndefined();
  });

  it('says what is wrong with a file that is no project, without a stack trace', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'shipshape-iac-'));
    await writeFile(path.join(dir, 'railway.ts'), 'export default 5;\n');
    await expect(evaluateRailwayIac(path.join(dir, 'railway.ts'))).rejects.toThrow(/not a project/);
    await writeFile(path.join(dir, 'broken.ts'), 'export default (() => { throw new Error("no project today"); });\n');
    await expect(evaluateRailwayIac(path.join(dir, 'broken.ts'))).rejects.toThrow(/no project today/);
    await expect(evaluateRailwayIac(path.join(dir, 'absent.ts'))).rejects.toBeInstanceOf(IacError);
    await rm(dir, { recursive: true, force: true });
  });
});

describe('2.1/no-config-as-code', () => {
  it("flags the seed-shaped target's railway.json with the cutoff, what is ignored and the migration steps", () => {
    const file = 'fixtures/targets/seed-python/railway.json';
    const verdict = judgeConfigAsCode(
      [{ file: 'railway.json', text: readFileSync(file, 'utf8') }],
      '.railway/railway.ts',
      false,
    );
    expect(verdict.status).toBe('failed');
    const text = `${verdict.message}\n${verdict.status === 'failed' ? verdict.evidence : ''}`;
    expect(text).toContain(configAsCodeCutoff);
    expect(text).toContain('deploy.restartPolicyType = "ON_FAILURE"');
    expect(text).toContain('railway config migrate');
    expect(text).toMatch(/does NOT carry restartPolicyType, restartPolicyMaxRetries, drainingSeconds/);
    expect(text).toContain('railway config plan');
  });

  it('reads the settings of a railway.toml too, and passes a repository without either', () => {
    expect(declaredSettings({ file: 'railway.toml', text: '[deploy]\nrestartPolicyType = "ALWAYS"\n' })).toEqual([
      'deploy.restartPolicyType = "ALWAYS"',
    ]);
    expect(judgeConfigAsCode([], '.railway/railway.ts', true).status).toBe('passed');
  });
});

describe('service settings', () => {
  const here = path.resolve('.');
  it('builds from the Dockerfile the harness verified, which must exist', () => {
    expect(judgeDockerfileBuild(service(), here, 'Dockerfile', existsSync).status).toBe('passed');
    expect(
      judgeDockerfileBuild(service({ build: { builder: 'RAILPACK' } }), here, 'Dockerfile', existsSync).message,
    ).toContain('RAILPACK');
    const other = service({
      build: { builder: 'DOCKERFILE', dockerfilePath: 'fixtures/targets/seed-python/Dockerfile' },
    });
    expect(judgeDockerfileBuild(other, here, 'Dockerfile', existsSync).message).toContain('nobody checked');
  });

  it('refuses a start command that loses SIGTERM or $PORT, and passes none or a direct one', () => {
    expect(judgeStartCommand(service(), undefined).status).toBe('passed');
    expect(judgeStartCommand(service({ deploy: { startCommand: 'npm run start' } }), undefined).status).toBe('failed');
    expect(judgeStartCommand(service({ deploy: { startCommand: 'sh -c "node server.js"' } }), undefined).status).toBe(
      'failed',
    );
    expect(
      judgeStartCommand(service({ deploy: { startCommand: 'uvicorn app:app --port 8000' } }), undefined).message,
    ).toContain('fixes port 8000');
    expect(judgeStartCommand(service({ deploy: { startCommand: 'node src/server.ts' } }), undefined).status).toBe(
      'passed',
    );
  });

  it('wants drainingSeconds to cover the measured drain', () => {
    const measured = { exitAfterMs: 2_800, exitCode: 0, boundMs: 40_000, inFlightAnswered: true, notes: [] };
    expect(judgeDraining(service(), measured).status).toBe('passed');
    expect(judgeDraining(service({ deploy: {} }), measured).message).toContain('defaults to 0');
    expect(judgeDraining(service({ deploy: { drainingSeconds: 2 } }), measured).status).toBe('failed');
    expect(judgeDraining(service(), { ...measured, exitAfterMs: null, exitCode: null }).message).toContain(
      'still running',
    );
    expect(judgeDraining(service(), { ...measured, inFlightAnswered: false }).status).toBe('failed');
  });
});
