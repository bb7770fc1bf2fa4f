/**
 * The runner every check goes through: requirements skip with their reason,
 * the time limit fails the check with its own verdict (and aborts the
 * probe), an exception becomes a failure without a stack trace, and every
 * message and evidence is masked, whichever check produced it.
 */
import { describe, expect, it } from 'vitest';
import { failed, passed, type Verdict } from '../../src/checks/check.ts';
import { defineCheck, type CheckDefinition } from '../../src/checks/definition.ts';
import { provisioningFor, requirementNames, unmetRequirement } from '../../src/checks/requirements.ts';
import { maskVerdict, runCheck } from '../../src/checks/run.ts';
import type { LocalTargetInfo } from '../../src/environments/info.ts';
import { checks } from '../../src/tasks/index.ts';
import { fakeEnvironment, targetSpec } from '../support/environment.ts';

const local: LocalTargetInfo = {
  image: 'target:1',
  buildArgs: {},
  networkName: 'net',
  alias: 'backend',
  environment: { COHERE_API_KEY: 'canary-cohere-123', DATABASE_URL: 'postgres://u:canary-pw-456@postgres:5432/db' },
  containerId: 'c1',
  baseUrl: 'http://127.0.0.1:9',
};

function probe(run: CheckDefinition['run'], more: Partial<CheckDefinition> = {}): CheckDefinition {
  return defineCheck({ id: '9.9/probe', title: 't', hint: 'h', requires: [], run, ...more });
}

describe('requirements', () => {
  it('skip a local check in a remote environment with the reason, before the probe runs', async () => {
    let ran = false;
    const check = probe(
      async () => {
        ran = true;
        return passed('ran');
      },
      { requires: ['running-target'] },
    );
    const verdict = await runCheck(check, fakeEnvironment({ kind: 'remote', baseUrl: 'https://x.example' }));
    expect(verdict).toEqual({ status: 'skipped', message: 'needs --env=local' });
    expect(ran).toBe(false);
  });

  it('name the failed build or start that blocks a downstream check', () => {
    const dependency = { containerId: 'c', alias: 'd', port: 1 };
    const dependencies = {
      postgres: { ...dependency, database: 'db', user: 'u', password: 'p' },
      qdrant: dependency,
      cohere: dependency,
    };
    const environment = (more: Partial<LocalTargetInfo>) =>
      fakeEnvironment({ local: { ...local, dependencies, ...more } });
    expect(unmetRequirement(['started-environment'], fakeEnvironment({ local }))).toBe(
      'the local environment started no containers for this run',
    );
    const buildFailure = { message: 'COPY failed', evidence: '' };
    expect(unmetRequirement(['running-target'], environment({ buildFailure }))).toBe(
      'the target image did not build (see 1.2/image-builds)',
    );
    expect(unmetRequirement(['running-target'], environment({ startFailure: buildFailure }))).toBe(
      'the target did not become healthy (see 1.2/healthy-within-bound)',
    );
    expect(unmetRequirement(['running-target'], environment({}))).toBeUndefined();
    // A deployed service is reachable as it is; locally only once it runs.
    expect(unmetRequirement(['reachable-target'], fakeEnvironment({ kind: 'remote' }))).toBeUndefined();
  });

  it('follow the target declarations: no database, no readiness route, no WebSocket', () => {
    const target = targetSpec({ database: null, paths: { ...targetSpec().paths, ready: null, ws: null } });
    const environment = fakeEnvironment({ target, local });
    expect(unmetRequirement(['database'], environment)).toBe('the target declares no database (target.database)');
    expect(unmetRequirement(['readiness-route'], environment)).toMatch(
      /no readiness route \(target.paths.ready is null\)/,
    );
    expect(unmetRequirement(['websocket-route'], environment)).toMatch(/no WebSocket route/);
    // The first unmet one in the declared order wins.
    expect(unmetRequirement(['websocket-route', 'database'], environment)).toMatch(/WebSocket/);
  });

  it('every declared requirement is one the runner knows', () => {
    for (const check of checks)
      for (const requirement of check.requires) expect(requirementNames).toContain(requirement);
  });
});

describe('time limit', () => {
  it('fails a check that overruns its own limit, and aborts its probe', async () => {
    let aborted: unknown;
    const check = probe(
      (ctx) =>
        new Promise<Verdict>((resolve) => {
          ctx.signal.addEventListener('abort', () => {
            aborted = ctx.signal.reason;
            // A probe that ignores the abort must not change the verdict either.
            setTimeout(() => resolve(passed('too late')), 50);
          });
        }),
      { timeLimitMs: 100 },
    );
    const started = Date.now();
    const verdict = await runCheck(check, fakeEnvironment({ local }));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(verdict).toEqual(failed('did not finish within its time limit (0.1 s)'));
    expect(String(aborted)).toContain('9.9/probe did not finish within its time limit of 100 ms');
  });

  it('takes a limit computed from the thresholds', async () => {
    const check = probe(async () => passed('ok'), { timeLimitMs: ({ thresholds }) => thresholds.healthyWithinMs });
    expect(await runCheck(check, fakeEnvironment({ local }))).toEqual(passed('ok'));
  });
});

describe('errors and secrets', () => {
  it('turns a probe that throws into a failure with the first line of its message', async () => {
    const check = probe(async () => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:5432\n    at TCPConnectWrap.afterConnect');
    });
    expect(await runCheck(check, fakeEnvironment({ local }))).toEqual(
      failed('the check could not complete: connect ECONNREFUSED 127.0.0.1:5432'),
    );
  });

  it("masks the run's secrets in every message and evidence, whatever the check", async () => {
    const check = probe(async (ctx) =>
      failed(`key ${ctx.local.environment.COHERE_API_KEY}`, `url ${ctx.local.environment.DATABASE_URL}`),
    );
    const verdict = await runCheck(check, fakeEnvironment({ local }));
    expect(verdict).toEqual(failed('key [COHERE_API_KEY masked]', 'url [DATABASE_URL masked]'));
    const passedVerdict = await runCheck(
      probe(async () => passed('password canary-pw-456 seen')),
      fakeEnvironment({ local }),
    );
    expect(passedVerdict.message).toBe('password [DATABASE_URL (its password) masked] seen');
  });

  it('masks the local database password even when no variable holds it', () => {
    const verdict = maskVerdict(failed('url postgres://u:hunter22@h/db', 'again hunter22'), [
      { name: 'POSTGRES_PASSWORD', value: 'hunter22' },
    ]);
    expect(verdict).toEqual(
      failed('url postgres://u:[POSTGRES_PASSWORD masked]@h/db', 'again [POSTGRES_PASSWORD masked]'),
    );
  });

  it('a check reaching for the local environment it did not require is a harness bug, said plainly', async () => {
    const check = probe(async (ctx) => passed(ctx.local.image));
    const verdict = await runCheck(check, fakeEnvironment({ kind: 'remote', baseUrl: 'https://x.example' }));
    expect(verdict).toEqual(
      failed("the check could not complete: 9.9/probe reached for the local environment without requiring 'local'"),
    );
  });
});

describe('provisioning', () => {
  it('starts only what the selected checks need', () => {
    const needs = (...ids: string[]) =>
      provisioningFor(checks.filter((check) => ids.includes(check.id)).flatMap((check) => check.requires));
    expect(needs('1.1/pipefail', '1.1/copy-not-add')).toBe('nothing');
    expect(needs('1.1/pipefail', '1.1/non-root-user')).toBe('image');
    expect(needs('1.2/image-builds')).toBe('image');
    // Containers of the image on the run's network need the network and the dependencies, healthy target or not.
    expect(needs('3.1/reachable-on-network-address')).toBe('everything');
    expect(needs('1.2/healthy-within-bound')).toBe('everything');
    expect(needs('1.1/pipefail', '3.2/tls-connections')).toBe('everything');
  });
});
