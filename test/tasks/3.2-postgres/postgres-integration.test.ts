/**
 * The pure half of suite 3.2: identifier quoting, and the judgements on a
 * readiness timeline, on pool samples and on which accepted questions were
 * stored, each with inputs a good and a broken target would produce. The
 * end-to-end proof is the fault variants in fixtures/faults and the suite run
 * against the reference.
 */
import { describe, expect, it } from 'vitest';
import type { LocalTargetInfo } from '../../../src/environments/info.ts';
import {
  evaluateAcceptedStored,
  evaluateOutageTimeline,
  evaluatePoolSamples,
  formatQuestion,
  formatTimeline,
  likeContaining,
  quoteIdentifier,
  quoteTableName,
  reportsDependencyDown,
  statusCounts,
  type OutageBounds,
  type QuestionOutcome,
  type ReadinessSample,
} from '../../../src/tasks/3.2-postgres/evaluate.ts';
import { targetDatabaseName, uniqueMarker } from '../../../src/tasks/3.2-postgres/probes.ts';
import { passed } from '../../../src/checks/check.ts';

describe('identifier quoting', () => {
  it('quotes plain names', () => {
    expect(quoteIdentifier('messages')).toBe('"messages"');
    expect(quoteIdentifier('Messages')).toBe('"Messages"');
  });

  it('doubles embedded quotes, so a hostile name cannot close the identifier', () => {
    expect(quoteIdentifier('a"b')).toBe('"a""b"');
    expect(quoteIdentifier('x"; DROP TABLE messages; --')).toBe('"x""; DROP TABLE messages; --"');
  });

  it('refuses what PostgreSQL cannot name', () => {
    expect(() => quoteIdentifier('')).toThrow(/cannot be empty/);
    expect(() => quoteIdentifier('a\0b')).toThrow(/NUL/);
  });

  it('quotes schema and table separately', () => {
    expect(quoteTableName('messages')).toBe('"messages"');
    expect(quoteTableName('chat.messages')).toBe('"chat"."messages"');
    expect(quoteTableName('my"schema.t')).toBe('"my""schema"."t"');
    expect(() => quoteTableName('a.b.c')).toThrow(/not a table or schema.table name/);
    expect(() => quoteTableName('.messages')).toThrow(/cannot be empty/);
  });

  it('makes LIKE wildcards in a marker literal', () => {
    expect(likeContaining('shipshape-abc-123')).toBe('%shipshape-abc-123%');
    expect(likeContaining('50%_off\\')).toBe('%50\\%\\_off\\\\%');
  });

  it('gives each question its own marker, tagged with the run', () => {
    const a = uniqueMarker('run1');
    const b = uniqueMarker('run1');
    expect(a).toMatch(/^shipshape-run1-[0-9a-f]{10}$/);
    expect(a).not.toBe(b);
  });
});

const ready = '{"status":"ready","checks":{"postgres":{"ok":true,"latencyMs":2},"qdrant":{"ok":true,"latencyMs":3}}}';
const postgresDown =
  '{"status":"unavailable","checks":{"postgres":{"ok":false,"latencyMs":2001,"error":"timeout"},"qdrant":{"ok":true,"latencyMs":3}}}';
const qdrantDown =
  '{"status":"unavailable","checks":{"postgres":{"ok":true,"latencyMs":2},"qdrant":{"ok":false,"latencyMs":3,"error":"unreachable"}}}';

function sample(phase: ReadinessSample['phase'], atMs: number, status: number | undefined, text = ''): ReadinessSample {
  return {
    phase,
    atMs,
    tookMs: status === undefined ? 5_000 : 20,
    status,
    text: status === undefined ? 'TimeoutError' : text,
    timedOut: status === undefined,
  };
}

const bounds: OutageBounds = {
  dependency: 'postgres',
  outage: 'pause',
  detectWithinMs: 10_000,
  recoverWithinMs: 30_000,
  requestTimeoutMs: 5_000,
};

describe('readiness through an outage', () => {
  it('reads "down" from the per-dependency checks, and only on a 503', () => {
    expect(reportsDependencyDown({ status: 503, text: postgresDown }, 'postgres')).toBe(true);
    expect(reportsDependencyDown({ status: 503, text: qdrantDown }, 'postgres')).toBe(false);
    expect(reportsDependencyDown({ status: 200, text: postgresDown }, 'postgres')).toBe(false);
    // Without per-dependency checks, the body must at least name it.
    expect(reportsDependencyDown({ status: 503, text: 'database postgres unreachable' }, 'postgres')).toBe(true);
    expect(reportsDependencyDown({ status: 503, text: 'Service Unavailable' }, 'postgres')).toBe(false);
    // Checks that leave the dependency out do not name it.
    expect(reportsDependencyDown({ status: 503, text: '{"checks":{"db":{"ok":false}}}' }, 'postgres')).toBe(false);
  });

  it('passes: 200 before, 503 naming postgres within the bound, 200 after', () => {
    const verdict = evaluateOutageTimeline(
      [
        sample('before', 40, 200, ready),
        sample('outage', 600, 200, ready),
        sample('outage', 2_120, 503, postgresDown),
        sample('recovery', 300, 200, ready),
      ],
      bounds,
    );
    expect(verdict).toMatchObject({ status: 'passed' });
    expect(verdict.message).toBe(
      '503 naming postgres 2.1 s after it was paused (bound 10.0 s); 200 again 300 ms after it came back (bound 30.0 s)',
    );
  });

  it('fails a route that hangs during the outage, even if a 503 follows', () => {
    const verdict = evaluateOutageTimeline(
      [
        sample('before', 40, 200, ready),
        sample('outage', 5_000, undefined),
        sample('outage', 8_300, 503, postgresDown),
        sample('recovery', 10, 200, ready),
      ],
      bounds,
    );
    expect(verdict.status).toBe('failed');
    expect(verdict.message).toMatch(/^readiness did not answer within 5\.0 s while postgres was paused \(1 of 2/);
    expect(verdict.message).not.toMatch(/no 503/);
    expect(verdict.status === 'failed' && verdict.evidence).toMatch(
      /outage {3}t\+5000ms: no answer within 5\.0 s \(hung\)/,
    );
  });

  it('fails a route that stays 200 while the database is down', () => {
    const verdict = evaluateOutageTimeline(
      [
        sample('before', 40, 200, ready),
        ...[500, 1_000, 9_800].map((at) => sample('outage', at, 200, ready)),
        sample('recovery', 10, 200, ready),
      ],
      { ...bounds, outage: 'stop' },
    );
    expect(verdict.status).toBe('failed');
    expect(verdict.message).toBe('no 503 naming postgres within 10.0 s of postgres being stopped; answers seen: 200×3');
  });

  it('fails a 503 that does not say which dependency is down', () => {
    const verdict = evaluateOutageTimeline(
      [sample('before', 40, 200, ready), sample('outage', 2_000, 503, qdrantDown), sample('recovery', 10, 200, ready)],
      bounds,
    );
    expect(verdict.status).toBe('failed');
    expect(verdict.message).toMatch(/503s came, but their body does not report it as down/);
  });

  it('fails detection after the bound', () => {
    const verdict = evaluateOutageTimeline(
      [
        sample('before', 40, 200, ready),
        sample('outage', 10_400, 503, postgresDown),
        sample('recovery', 10, 200, ready),
      ],
      bounds,
    );
    expect(verdict.message).toBe('the first 503 naming postgres came 10.4 s after it was paused (bound 10.0 s)');
  });

  it('fails when readiness never comes back, or comes back late', () => {
    const never = evaluateOutageTimeline(
      [
        sample('before', 40, 200, ready),
        sample('outage', 2_000, 503, postgresDown),
        sample('recovery', 15_000, 503, postgresDown),
        sample('recovery', 30_000, 503, postgresDown),
      ],
      bounds,
    );
    expect(never.message).toBe(
      'readiness did not answer 200 within 30.0 s of postgres coming back; answers seen: 503×2',
    );
    const late = evaluateOutageTimeline(
      [sample('before', 40, 200, ready), sample('outage', 2_000, 503, postgresDown), sample('recovery', 31_000, 200)],
      bounds,
    );
    expect(late.message).toBe('readiness answered 200 again only 31.0 s after postgres came back (bound 30.0 s)');
  });

  it('fails without a 200 before the outage: the outage could not be told apart', () => {
    const verdict = evaluateOutageTimeline([sample('before', 30_000, 503, postgresDown)], bounds);
    expect(verdict.status).toBe('failed');
    expect(verdict.message).toMatch(/readiness was not 200 before postgres was paused/);
  });

  it('collapses runs of like answers in the timeline and keeps their ends', () => {
    const timeline = formatTimeline([
      sample('before', 40, 200, ready),
      ...[300, 600, 900, 1_200].map((at) => sample('outage', at, 200, ready)),
      sample('outage', 2_000, 503, postgresDown),
      sample('recovery', 5, 200, ready),
    ]);
    const lines = timeline.split('\n');
    expect(lines).toHaveLength(6);
    expect(lines[1]).toMatch(/^outage {3}t\+300ms: 200 \{"status":"ready"/);
    expect(lines[2]).toBe('outage   ... 2 more 200 answers ...');
    expect(lines[3]).toMatch(/^outage {3}t\+1200ms: 200/);
    expect(lines[4]).toMatch(/^outage {3}t\+2000ms: 503 .*"error":"timeout"/);
  });
});

describe('pool samples under a burst', () => {
  const ok = Array.from({ length: 40 }, () => 200);

  it('passes at or under the limit, with the figures', () => {
    const verdict = evaluatePoolSamples({ samples: [1, 4, 10, 10, 7], limit: 10, statuses: ok });
    expect(verdict).toEqual(
      passed('max 10 connections from the target in 5 samples (limit 10); 40 concurrent questions answered 200×40'),
    );
  });

  it('fails over the limit', () => {
    const verdict = evaluatePoolSamples({ samples: [3, 25, 40, 38], limit: 10, statuses: ok });
    expect(verdict.status).toBe('failed');
    expect(verdict.message).toBe('the target held 40 connections to PostgreSQL at once, over its limit of 10');
  });

  it('does not pass vacuously when the rate limit turned the burst away', () => {
    const statuses = [...Array.from({ length: 8 }, () => 200), ...Array.from({ length: 32 }, () => 429)];
    const verdict = evaluatePoolSamples({ samples: [1, 2, 2], limit: 10, statuses });
    expect(verdict.status).toBe('failed');
    expect(verdict.message).toMatch(/only 8 of 40 questions reached the app \(32 answered 429\)/);
    expect(verdict.message).toMatch(/RATE_LIMIT_PER_MINUTE/);
  });

  it('counts unanswered questions as not having reached the app', () => {
    const statuses = [...Array.from({ length: 10 }, () => 503), ...Array.from({ length: 30 }, () => undefined)];
    const verdict = evaluatePoolSamples({ samples: [10], limit: 10, statuses });
    expect(verdict.message).toMatch(/only 10 of 40 questions reached the app/);
    // Nothing was rate limited, so the message does not blame the rate limit.
    expect(verdict.message).not.toMatch(/RATE_LIMIT_PER_MINUTE/);
  });

  it('still fails over the limit when most questions were rate limited', () => {
    const statuses = [...Array.from({ length: 5 }, () => 200), ...Array.from({ length: 35 }, () => 429)];
    const verdict = evaluatePoolSamples({ samples: [12], limit: 10, statuses });
    expect(verdict.message).toMatch(/over its limit of 10/);
  });

  it('fails when nothing was sampled or no connection was seen', () => {
    expect(evaluatePoolSamples({ samples: [], limit: 10, statuses: ok }).message).toMatch(/never sampled/);
    expect(evaluatePoolSamples({ samples: [0, 0, 0], limit: 10, statuses: ok }).message).toMatch(
      /no connection from the target's address was seen/,
    );
  });

  it('counts statuses, unanswered included', () => {
    expect(statusCounts([200, 429, 200, undefined, 503])).toBe('200×2, 429×1, 503×1, no answer×1');
    expect(statusCounts([])).toBe('');
  });
});

describe('accepted questions are stored', () => {
  const stored = { conversations: 0, messages: 1 };
  const missing = { conversations: 0, messages: 0 };
  const q = (
    label: string,
    phase: QuestionOutcome['phase'],
    status: number | undefined,
    found: Record<string, number>,
  ): QuestionOutcome => ({
    label,
    phase,
    marker: `m-${label}`,
    status,
    found,
    ...(status === undefined ? { error: 'TimeoutError' } : {}),
  });

  it('passes when refused questions are missing and accepted ones are stored', () => {
    const verdict = evaluateAcceptedStored(
      [
        q('outage-1', 'outage', 503, missing),
        q('outage-2', 'outage', undefined, stored),
        q('outage-3', 'outage', 200, stored),
        q('after-1', 'recovery', 200, stored),
        q('after-2', 'recovery', 200, stored),
      ],
      2,
    );
    expect(verdict).toEqual(
      passed(
        'during the outage: 200×1, 503×1, no answer×1 (1 accepted, all stored); after it: 2 answered 2xx, all stored',
      ),
    );
  });

  it('fails a 200 whose question is not in the database', () => {
    const verdict = evaluateAcceptedStored(
      [
        q('outage-1', 'outage', 200, stored),
        q('outage-2', 'outage', 200, missing),
        q('after-1', 'recovery', 200, stored),
        q('after-2', 'recovery', 201, missing),
      ],
      2,
      ['PostgreSQL paused for 15 s'],
    );
    expect(verdict.status).toBe('failed');
    expect(verdict.message).toBe('2 question(s) answered 2xx but not stored: outage-2, after-2');
    const evidence = verdict.status === 'failed' ? verdict.evidence! : '';
    expect(evidence.split('\n')[0]).toBe('PostgreSQL paused for 15 s');
    expect(evidence).toMatch(/outage-2 +200 +accepted +stored: not found +\(m-outage-2\)/);
    expect(evidence).toMatch(/outage-1 +200 +accepted +stored: messages/);
  });

  it('shows how long each answer took, and an unanswered question as such', () => {
    expect(formatQuestion({ ...q('outage-1', 'outage', 503, missing), tookMs: 12_040 })).toMatch(
      /^outage-1 +503 after 12\.0 s +not accepted +stored: not found/,
    );
    expect(formatQuestion({ ...q('outage-2', 'outage', undefined, stored), tookMs: 30_000 })).toMatch(
      /no answer \(TimeoutError\) after 30\.0 s +not accepted +stored: messages/,
    );
  });

  it('says when the rate limit, not the database, refused the questions after recovery', () => {
    const verdict = evaluateAcceptedStored([q('after-1', 'recovery', 429, missing)], 1);
    expect(verdict.message).toMatch(/answers: 429×1\); 429 is the target's rate limit/);
  });

  it('fails a target that still refuses questions once the database is back', () => {
    const verdict = evaluateAcceptedStored(
      [q('outage-1', 'outage', 503, missing), q('after-1', 'recovery', 503, missing)],
      2,
    );
    expect(verdict.message).toBe('only 0 of 2 questions were answered 2xx once the database was back (answers: 503×1)');
  });
});

describe('the database the target uses', () => {
  it('reads the database the target uses from its DATABASE_URL, or none', () => {
    const local = (url?: string): LocalTargetInfo => ({
      image: 'i',
      buildArgs: {},
      networkName: 'n',
      alias: 'backend',
      environment: url ? { DATABASE_URL: url } : {},
    });
    expect(targetDatabaseName(local('postgres://u:p@postgres:5432/shipshape?sslmode=require'))).toBe('shipshape');
    expect(targetDatabaseName(local('postgres://u:p@postgres:5432/my%20db'))).toBe('my db');
    expect(targetDatabaseName(local('postgres://u:p@postgres:5432'))).toBeUndefined();
    expect(targetDatabaseName(local('not a url'))).toBeUndefined();
    expect(targetDatabaseName(local())).toBeUndefined();
  });
});
