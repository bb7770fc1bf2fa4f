import { describe, expect, it } from 'vitest';
import {
  errorCodeOf,
  judgeFrameDuringOutage,
  judgeHttpDuringOutage,
  judgeScenario,
  readinessNamesDown,
  type ScenarioBounds,
  type ScenarioObservations,
} from '../../../src/tasks/5.1-end-to-end/scenario-verdict.ts';

const bounds: ScenarioBounds = {
  errorWithinMs: 10_000,
  detectWithinMs: 10_000,
  recoverWithinMs: 30_000,
  responseType: 'response',
  errorType: 'error',
};
const error503 = {
  status: 503,
  text: '{"error":{"code":"upstream_unavailable","message":"x","request_id":"1"}}',
  tookMs: 800,
  timedOut: false,
};

function healthy(): ScenarioObservations {
  return {
    http: error503,
    ws: { frame: { type: 'error', code: 'upstream_unavailable' }, tookMs: 900, timedOut: false },
    readiness: { named: { status: 503, afterMs: 400 }, polls: 2 },
    recovery: {
      readyAfterMs: 300,
      http: { status: 200, text: '{}', tookMs: 200, timedOut: false },
      ws: { frame: { type: 'response' }, tookMs: 200, timedOut: false },
    },
    lost: [],
  };
}

describe('judgeHttpDuringOutage', () => {
  it('accepts a 503 with a code within the bound', () => {
    expect(judgeHttpDuringOutage(error503, bounds)).toBeUndefined();
  });
  it('refuses a 200 carrying an error text, a 500, a 503 without a code, a late 503 and a hang', () => {
    expect(
      judgeHttpDuringOutage({ ...error503, status: 200, text: '{"answer":"Error: qdrant down"}' }, bounds),
    ).toMatch(/answered 200 during the outage/);
    expect(judgeHttpDuringOutage({ ...error503, status: 500 }, bounds)).toMatch(/500, not 503/);
    expect(judgeHttpDuringOutage({ ...error503, text: 'Service Unavailable' }, bounds)).toMatch(/no error code/);
    expect(judgeHttpDuringOutage({ ...error503, tookMs: 12_000 }, bounds)).toMatch(/beyond the bound/);
    expect(judgeHttpDuringOutage({ text: '', tookMs: 15_000, timedOut: true, error: 'timeout' }, bounds)).toMatch(
      /hangs instead of failing fast/,
    );
  });
});

describe('judgeFrameDuringOutage', () => {
  it('accepts an error frame with a code; refuses an answer, a hang and a close', () => {
    expect(
      judgeFrameDuringOutage({ frame: { type: 'error', code: 'x' }, tookMs: 10, timedOut: false }, bounds),
    ).toBeUndefined();
    expect(judgeFrameDuringOutage({ frame: { type: 'response' }, tookMs: 10, timedOut: false }, bounds)).toMatch(
      /sent an answer during the outage/,
    );
    expect(judgeFrameDuringOutage({ tookMs: 10_000, timedOut: true }, bounds)).toMatch(/hangs/);
    expect(judgeFrameDuringOutage({ tookMs: 10, timedOut: false, error: 'closed (1011)' }, bounds)).toMatch(
      /no error frame/,
    );
  });
});

describe('judgeScenario', () => {
  it('passes a clean outage and recovery', () => {
    expect(judgeScenario(healthy(), bounds, 'qdrant')).toEqual([]);
  });
  it('names readiness that never said it, a recovery that did not come, and lost questions', () => {
    const observed = healthy();
    observed.readiness = { polls: 40, last: '200 {"status":"ok"}' };
    observed.recovery = { ...observed.recovery, http: { status: 503, text: '', tookMs: 5, timedOut: false } };
    delete observed.recovery.readyAfterMs;
    observed.lost = ['after, over HTTP'];
    const problems = judgeScenario(observed, bounds, 'postgres');
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/readiness did not answer 503 naming postgres/);
    expect(problems.join('\n')).toMatch(/not in the database: after, over HTTP/);
  });
});

describe('readinessNamesDown', () => {
  it('reads {checks:{name:{ok:false}}} and a few other shapes', () => {
    expect(readinessNamesDown('{"status":"unavailable","checks":{"qdrant":{"ok":false}}}', 'qdrant')).toBe(true);
    expect(
      readinessNamesDown('{"status":"unavailable","checks":{"qdrant":{"ok":true},"cohere":{"ok":false}}}', 'qdrant'),
    ).toBe(false);
    expect(readinessNamesDown('{"postgres":"down"}', 'postgres')).toBe(true);
    expect(readinessNamesDown('postgres: unreachable', 'postgres')).toBe(true);
    expect(readinessNamesDown('{"status":"error"}', 'postgres')).toBe(false);
  });
  it('reads the error code of the contract and of a flat body', () => {
    expect(errorCodeOf('{"error":{"code":"upstream_rate_limited"}}')).toBe('upstream_rate_limited');
    expect(errorCodeOf('{"code":"x"}')).toBe('x');
    expect(errorCodeOf('oops')).toBeUndefined();
  });
});
