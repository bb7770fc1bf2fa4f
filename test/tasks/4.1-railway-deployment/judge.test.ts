import { describe, expect, it } from 'vitest';
import type { ObservedDeployment } from '../../../src/tasks/4.1-railway-deployment/deployment.ts';
import { judgeDeployment, judgeLogs } from '../../../src/tasks/4.1-railway-deployment/judge.ts';
import { missingOnService } from '../../../src/tasks/2.2-railway-variables/on-service.ts';

const commit = '0123456789abcdef0123456789abcdef01234567';
const good: ObservedDeployment = {
  deployment: { id: 'd1', status: 'SUCCESS', commit },
  expectedCommit: { commit, source: 'reports/deployment.json' },
  buildLogs: [{ message: 'Build time: 40 seconds', severity: 'info' }],
  deployLogs: [{ message: '{"level":30,"msg":"listening"}', severity: 'info' }],
};

describe('the latest deployment', () => {
  it('passes SUCCESS for the expected commit', () => {
    expect(judgeDeployment(good)).toMatchObject({
      ok: true,
      message: expect.stringContaining('for commit 0123456789ab'),
    });
  });

  it('fails FAILED and CRASHED, naming the status', () => {
    for (const status of ['FAILED', 'CRASHED']) {
      expect(judgeDeployment({ ...good, deployment: { id: 'd1', status, commit } })).toMatchObject({
        ok: false,
        message: expect.stringContaining(`is ${status}, not SUCCESS`),
      });
    }
  });

  it('fails another commit and says which', () => {
    const other = { ...good, deployment: { id: 'd1', status: 'SUCCESS', commit: 'fedcba9876543210' } };
    expect(judgeDeployment(other)).toMatchObject({
      ok: false,
      message: expect.stringContaining('runs commit fedcba987654'),
    });
  });

  it('says when no commit was compared', () => {
    const { expectedCommit: _unused, ...withoutRecord } = good;
    expect(judgeDeployment(withoutRecord)).toMatchObject({
      ok: true,
      message: expect.stringContaining('not compared'),
    });
  });

  it('fails a local deploy that did not exit 0, with its description', () => {
    const local = { ...good, orchestration: { exitCode: 6, description: 'crashed after it started' } };
    expect(judgeDeployment(local)).toMatchObject({ ok: false, evidence: 'crashed after it started' });
  });
});

describe('the deployment logs', () => {
  it('pass without error lines and fail with them, quoting them', () => {
    expect(judgeLogs(good)).toMatchObject({ ok: true });
    const noisy = { ...good, deployLogs: [...good.deployLogs, { message: '{"level":50,"msg":"boom"}' }] };
    expect(judgeLogs(noisy)).toMatchObject({ ok: false, evidence: expect.stringContaining('deploy: {"level":50') });
    const severity = { ...good, buildLogs: [{ message: 'something odd', severity: 'error' }] };
    expect(judgeLogs(severity)).toMatchObject({ ok: false });
  });
});

describe('2.2/variables-on-service', () => {
  it('names the required variables the service lacks', () => {
    expect(missingOnService(['A', 'B', 'C'], ['C', 'A'])).toEqual(['B']);
  });
});
