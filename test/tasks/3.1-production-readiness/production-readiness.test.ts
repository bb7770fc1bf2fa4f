import { describe, expect, it } from 'vitest';
import type { LocalTargetInfo } from '../../../src/environments/info.ts';
import { judgeLogLines, splitOutput, type OutputLine } from '../../../src/support/log-lines.ts';
import { secretsOf } from '../../../src/support/secrets.ts';
import {
  dependencyAddresses,
  nextRequestId,
  requiredVariablesTimeoutMs,
} from '../../../src/tasks/3.1-production-readiness/probes.ts';
import { mapLimited } from '../../../src/support/docker.ts';
import {
  internalErrorVerdict,
  internalsInBody,
  logLineKeepsDetail,
  type InternalErrorObservation,
  type InternalsContext,
} from '../../../src/tasks/3.1-production-readiness/internal-error.ts';
import { jsonLogsVerdict } from '../../../src/tasks/3.1-production-readiness/json-logs.ts';
import {
  judgeMissingVariable,
  requiredVariablesVerdict,
} from '../../../src/tasks/3.1-production-readiness/required-variables.ts';

const environment = {
  DATABASE_URL: 'postgres://shipshape:local-ab12cd34@postgres:5432/shipshape?sslmode=require',
  QDRANT_URL: 'http://qdrant:6333',
  QDRANT_API_KEY: 'canary-qdrant-ab12cd34',
  QDRANT_COLLECTION: 'shipshape-book',
  COHERE_API_KEY: 'canary-cohere-ab12cd34',
  COHERE_BASE_URL: 'http://cohere:8080',
};
const secrets = secretsOf(environment, ['DATABASE_URL', 'QDRANT_API_KEY', 'COHERE_API_KEY']);
const context: InternalsContext = {
  tables: ['conversations', 'messages'],
  hostPorts: ['postgres:5432', 'qdrant:6333', 'cohere:8080'],
  secrets,
};
const sentId = 'shipshape-ab12cd34-2';
const genericBody = JSON.stringify({
  error: {
    code: 'internal_error',
    message: 'the server failed to answer; the request id is in the log',
    request_id: sentId,
  },
});
const detailLog = JSON.stringify({
  level: 50,
  time: 1,
  reqId: sentId,
  err: { type: 'DatabaseError', message: 'relation "conversations" does not exist', code: '42P01' },
  msg: 'request failed',
});

function allSecretValuesAbsent(text: string): void {
  for (const secret of secrets) expect(text).not.toContain(secret.value);
}

describe('internalsInBody', () => {
  it('finds nothing in the reference backend generic body', () => {
    expect(internalsInBody(genericBody, context)).toEqual([]);
  });

  it('finds the table and the database wording in a body carrying error.message', () => {
    const body = JSON.stringify({
      error: { code: 'internal_error', message: 'relation "conversations" does not exist', request_id: sentId },
    });
    const found = internalsInBody(body, context);
    expect(found).toContain('the table name "conversations"');
    expect(found).toContain(
      'a database message ("relation"): ...":"internal_error","message":"relation \\"conversations\\" does not ex...',
    );
  });

  it('finds SQL, stack frames, file paths and tracebacks', () => {
    expect(internalsInBody('INSERT INTO conversations (id) VALUES ($1)', context)).toEqual(
      expect.arrayContaining(['SQL (INSERT INTO): INSERT INTO conversations (id) VALUES ($1...']),
    );
    expect(internalsInBody('failed: SELECT id FROM users WHERE x', context)[0]).toMatch(/^SQL \(SELECT \.\.\. FROM\)/);
    const stack = 'Error: boom\n    at PostgresConversationStore.addQuestion (/app/src/db/conversation-store.ts:44:7)';
    const found = internalsInBody(stack, context);
    expect(found.some((item) => item.startsWith('a stack frame'))).toBe(true);
    expect(found.some((item) => item.startsWith('a file path (/app/)'))).toBe(true);
    expect(found.some((item) => item.startsWith('a source file reference'))).toBe(true);
    const python = 'Traceback (most recent call last):\n  File "/app/main.py", line 40, in query';
    expect(internalsInBody(python, context).some((item) => item.startsWith('a Python traceback'))).toBe(true);
    expect(internalsInBody(python, context).some((item) => item.startsWith('a Python stack frame'))).toBe(true);
  });

  it('finds dependency addresses and IP:port pairs', () => {
    expect(internalsInBody('connect ECONNREFUSED 172.18.0.4:5432', context)).toEqual([
      'an IP address with a port: connect ECONNREFUSED 172.18.0.4:5432',
    ]);
    expect(internalsInBody('could not reach postgres:5432', context)).toEqual([
      "a dependency's address: postgres:5432",
    ]);
  });

  it('names a leaked secret by its variable, never by its value', () => {
    const found = internalsInBody(`upstream said: bad key canary-cohere-ab12cd34`, context);
    expect(found).toEqual(['the value of COHERE_API_KEY']);
    allSecretValuesAbsent(found.join('\n'));
  });

  it('does not take a timestamp or ordinary words for internals', () => {
    expect(internalsInBody('failed at 2026-11-24T21:50:20Z; please select another question', context)).toEqual([]);
  });
});

describe('logLineKeepsDetail', () => {
  it('accepts a line naming the table or a database error, refuses a bare one', () => {
    expect(logLineKeepsDetail(detailLog, context.tables)).toBe(true);
    expect(logLineKeepsDetail('{"msg":"insert into messages failed"}', context.tables)).toBe(true);
    expect(logLineKeepsDetail('{"level":50,"reqId":"x","msg":"request failed"}', context.tables)).toBe(false);
  });
});

describe('internalErrorVerdict', () => {
  const good: InternalErrorObservation = {
    request: 'POST /api/v1/query',
    status: 500,
    body: genericBody,
    sentId,
    returnedId: sentId,
    logLines: judgeLogLines(splitOutput(detailLog)).structured,
    rawLogLines: [detailLog],
  };

  it('passes a 500 with a generic body, the request id and the detail in the log', () => {
    const verdict = internalErrorVerdict(good, context);
    expect(verdict.status).toBe('passed');
    expect(verdict.message).toContain('answered 500 while tables conversations, messages were renamed away');
  });

  it('fails a body that carries the database message, with the status, body and findings as evidence', () => {
    const body = JSON.stringify({
      error: {
        code: 'internal_error',
        message: `relation "conversations" does not exist (postgres://shipshape:local-ab12cd34@postgres:5432)`,
        request_id: sentId,
      },
    });
    const verdict = internalErrorVerdict({ ...good, body }, context);
    expect(verdict.status).toBe('failed');
    expect(verdict.message).toContain('the table name "conversations"');
    expect(verdict.message).toContain('the value of DATABASE_URL (its password)');
    if (verdict.status !== 'failed') return;
    expect(verdict.evidence).toContain('status: 500');
    expect(verdict.evidence).toContain('[DATABASE_URL (its password) masked]');
    allSecretValuesAbsent(`${verdict.message}\n${verdict.evidence}`);
  });

  it('fails a success status, a body without the request id, and a log without the detail', () => {
    expect(internalErrorVerdict({ ...good, status: 200 }, context).message).toContain('answered 200 instead of a 5xx');
    const noId = JSON.stringify({ error: { code: 'internal_error', message: 'something went wrong' } });
    expect(internalErrorVerdict({ ...good, body: noId }, context).message).toContain('the body carries no request id');
    const bare = '{"level":50,"time":1,"reqId":"shipshape-ab12cd34-2","msg":"request failed"}';
    expect(internalErrorVerdict({ ...good, rawLogLines: [bare] }, context).message).toContain('do not say what failed');
    expect(internalErrorVerdict({ ...good, rawLogLines: [] }, context).message).toContain(
      'no log line carries the request id',
    );
  });

  it('accepts the id the target returned when it ignored the one sent', () => {
    const body = genericBody.replace(sentId, '0b5c7e0e-0000-4000-8000-000000000000');
    const verdict = internalErrorVerdict(
      { ...good, body, returnedId: '0b5c7e0e-0000-4000-8000-000000000000' },
      context,
    );
    expect(verdict.status).toBe('passed');
  });
});

describe('jsonLogsVerdict', () => {
  const traced = {
    request: 'POST /api/v1/query (answered 200)',
    sentId: 'shipshape-ab12cd34-1',
    returnedId: 'shipshape-ab12cd34-1',
  };
  const pino = (extra: string): OutputLine => ({
    stream: 'stdout',
    text: `{"level":30,"time":1795557106116,"pid":1${extra},"msg":"incoming request"}`,
  });

  it('passes when every line is JSON and the request id is in reqId', () => {
    const verdict = jsonLogsVerdict([pino(''), pino(',"reqId":"shipshape-ab12cd34-1"')], traced, secrets);
    expect(verdict).toEqual({
      status: 'passed',
      message:
        '2 lines, all JSON objects with a level, a time and a message; 1 line(s) carry the request id of POST /api/v1/query (answered 200) in "reqId"',
    });
  });

  it('fails on a print statement and shows it (masked) as the first offending line', () => {
    const lines: OutputLine[] = [
      { stream: 'stdout', text: `Starting chatbot backend... key=${environment.COHERE_API_KEY}` },
      pino(',"reqId":"shipshape-ab12cd34-1"'),
    ];
    const verdict = jsonLogsVerdict(lines, traced, secrets);
    expect(verdict.status).toBe('failed');
    expect(verdict.message).toBe('1 of 2 lines are not JSON log lines (first: line 1, not JSON)');
    if (verdict.status !== 'failed') return;
    expect(verdict.evidence).toContain(
      'line 1 (stdout, not JSON): Starting chatbot backend... key=[COHERE_API_KEY masked]',
    );
    allSecretValuesAbsent(verdict.evidence!);
  });

  it('fails when the request id shows only in the message text, not in a request-id field', () => {
    const verdict = jsonLogsVerdict(
      [{ stream: 'stdout', text: '{"level":"info","time":1,"msg":"handled shipshape-ab12cd34-1"}' }],
      traced,
      secrets,
    );
    expect(verdict.message).toContain('1 line(s) mention request shipshape-ab12cd34-1 but none in a request-id field');
  });

  it('fails when no line names the request at all, and when there are no lines', () => {
    expect(jsonLogsVerdict([pino('')], traced, secrets).message).toContain('no log line carries request');
    expect(jsonLogsVerdict([], traced, secrets).message).toContain('the target wrote no log lines at all');
  });
});

describe('required variables', () => {
  const withinMs = 30_000;
  const clean = (variable: string) => ({
    variable,
    exitCode: 1,
    afterMs: 900,
    output: `{"level":60,"time":1,"msg":"invalid environment: ${variable} is required but not set","variables":["${variable}"]}`,
  });

  it('passes a run that exits 1 quickly and names the variable', () => {
    expect(judgeMissingVariable(clean('QDRANT_URL'), secrets, withinMs)).toEqual({
      variable: 'QDRANT_URL',
      ok: true,
      outcome: 'exited with code 1 after 900 ms, named it',
    });
    const verdict = requiredVariablesVerdict([clean('QDRANT_URL'), clean('COHERE_API_KEY')], secrets, withinMs);
    expect(verdict.status).toBe('passed');
    expect(verdict.message).toContain('slowest 900 ms, bound 30000 ms');
  });

  it('does not count a longer name as naming the variable', () => {
    const run = { ...clean('QDRANT_URL'), output: 'QDRANT_URL_FALLBACK is not set' };
    expect(judgeMissingVariable(run, secrets, withinMs).outcome).toContain('name missing from the log');
  });

  it('fails a default (still running), an exit 0, and a silent exit', () => {
    const running = { variable: 'QDRANT_COLLECTION', exitCode: null, afterMs: 30_012, output: '{"msg":"listening"}' };
    expect(judgeMissingVariable(running, secrets, withinMs).outcome).toBe(
      'still running after 30012 ms; did not exit within 30000 ms; name missing from the log',
    );
    const zero = { ...clean('QDRANT_URL'), exitCode: 0 };
    expect(judgeMissingVariable(zero, secrets, withinMs).outcome).toContain(
      'exited 0 (a missing variable is a failure)',
    );
    const silent = { ...clean('QDRANT_URL'), output: '' };
    expect(judgeMissingVariable(silent, secrets, withinMs)).toMatchObject({
      ok: false,
      outcome: expect.stringContaining('name missing'),
    });
  });

  it('fails an environment dump, naming the leaked variables in a table, masking the values', () => {
    const dump = `configuration error: missing QDRANT_URL; environment: ${JSON.stringify(environment)}`;
    const runs = [clean('DATABASE_URL'), { ...clean('QDRANT_URL'), output: `${dump}\n${clean('QDRANT_URL').output}` }];
    const verdict = requiredVariablesVerdict(runs, secrets, withinMs);
    expect(verdict.status).toBe('failed');
    expect(verdict.message).toContain('1 of 2 required variables not enforced: QDRANT_URL');
    expect(verdict.message).toContain('leaked a secret: the value of DATABASE_URL, DATABASE_URL (its password)');
    if (verdict.status !== 'failed') return;
    expect(verdict.evidence).toContain('| variable removed | outcome |');
    expect(verdict.evidence).toContain('| DATABASE_URL | exited with code 1 after 900 ms, named it |');
    expect(verdict.evidence).toContain('output without QDRANT_URL (1 of 1 line(s) carrying a secret, masked):');
    expect(verdict.evidence).toContain('[QDRANT_API_KEY masked]');
    allSecretValuesAbsent(`${verdict.message}\n${verdict.evidence}`);
  });

  it('gives the check time for every round of two containers', () => {
    expect(requiredVariablesTimeoutMs(5, 30_000)).toBe(3 * 45_000 + 30_000);
    expect(requiredVariablesTimeoutMs(0, 30_000)).toBe(75_000);
  });
});

describe('helpers', () => {
  it('makes request ids the reference backend keeps (8-128 of [A-Za-z0-9._-]), each new', () => {
    const first = nextRequestId('ab12cd34');
    const second = nextRequestId('ab12cd34');
    expect(first).toMatch(/^shipshape-ab12cd34-\d+$/);
    expect(first).toMatch(/^[A-Za-z0-9._-]{8,128}$/);
    expect(second).not.toBe(first);
  });

  it('lists dependency addresses from the dependencies and the URL variables', () => {
    const local = {
      environment,
      dependencies: {
        postgres: { containerId: 'a', alias: 'postgres', port: 5432, database: 'd', user: 'u', password: 'p' },
        qdrant: { containerId: 'b', alias: 'qdrant', port: 6333 },
        cohere: { containerId: 'c', alias: 'cohere', port: 8080 },
      },
    } as unknown as LocalTargetInfo;
    expect(dependencyAddresses(local).sort()).toEqual(['cohere:8080', 'postgres:5432', 'qdrant:6333']);
  });

  it('runs at most `limit` tasks at once and keeps the order of results', async () => {
    let running = 0;
    let most = 0;
    const results = await mapLimited([30, 10, 20, 5, 1], 2, async (ms) => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, ms));
      running--;
      return ms * 2;
    });
    expect(results).toEqual([60, 20, 40, 10, 2]);
    expect(most).toBe(2);
  });
});
