/**
 * The real backend end to end: buildApp over PostgreSQL (a container with a
 * self-signed certificate, sslmode=require) and the RAG pipeline against the
 * Qdrant and Cohere stand-ins, all on 127.0.0.1, driven over real sockets.
 */
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type WebSocketClass from '../../../backend/node_modules/@types/ws/index.js';
import { buildApp } from '../../../backend/src/app.ts';
import { PostgresConversationStore } from '../../../backend/src/db/conversation-store.ts';
import { runMigrations } from '../../../backend/src/db/migrate.ts';
import { createPool } from '../../../backend/src/db/pool.ts';
import { postgresCheck } from '../../../backend/src/db/readiness.ts';
import { createRagPipeline } from '../../../backend/src/rag/pipeline.ts';
import { ragSettings } from '../../../backend/src/rag/settings.ts';
import { guardStore } from '../../../backend/src/store-guard.ts';
import { removeRunResources } from '../../../src/support/run-resources.ts';
import { newRunId } from '../../../src/environments/run-context.ts';
import {
  cohereKey,
  environment,
  qdrantKey,
  startCohere,
  startQdrant,
  type RunningCohere,
  type RunningQdrant,
} from '../rag/support.ts';
import {
  adminToken,
  corpusDocuments,
  goldenQuestions,
  request,
  TestPostgres,
  uuidPattern,
  type ErrorBody,
  type GoldenQuestion,
  type HttpResult,
  type QueryResponse,
  type ReadyBody,
} from './support.ts';

// The backend's own copy of ws, as its tests use.
const WebSocket = createRequire(new URL('../../../backend/package.json', import.meta.url))(
  'ws',
) as typeof WebSocketClass;

const runId = newRunId();
const collection = 'integration_book';

let postgres: TestPostgres;
let admin: pg.Pool;
let pool: pg.Pool;
let qdrant: RunningQdrant;
let cohere: RunningCohere;
let app: Awaited<ReturnType<typeof buildApp>>;
let base: string;
let golden: GoldenQuestion[];
let chunks: number;
/** Every log line the app and its migrations wrote. */
const logLines: string[] = [];
/** Every response (status line, headers and body) the tests received, for the secrets scan. */
const responses: string[] = [];

const logStream = new Writable({
  write(chunk: Buffer, _encoding, done) {
    logLines.push(...chunk.toString().split('\n').filter(Boolean));
    done();
  },
});

async function call<T = Record<string, unknown>>(
  method: string,
  route: string,
  options: Parameters<typeof request>[3] = {},
): Promise<HttpResult<T>> {
  const result = await request<T>(base, method, route, options);
  responses.push(`${result.status} ${JSON.stringify([...result.headers])} ${result.text}`);
  return result;
}

const ask = (body: Record<string, unknown>) => call<QueryResponse>('POST', '/api/v1/query', { body });

async function ingestCorpus(): Promise<{ documents: number; chunks: number }> {
  const documents = await corpusDocuments();
  const result = await call<{ documents: number; chunks: number }>('POST', '/api/v1/documents', {
    body: { documents },
    headers: { authorization: `Bearer ${adminToken}` },
    timeoutMs: 30_000,
  });
  expect(result.status).toBe(200);
  return result.json;
}

async function count(sql: string, values: unknown[] = []): Promise<number> {
  const { rows } = await admin.query<{ n: string }>(sql, values);
  return Number(rows[0]?.n);
}

beforeAll(async () => {
  postgres = await TestPostgres.prepare(runId);
  [, qdrant, cohere, golden] = await Promise.all([postgres.start(), startQdrant(), startCohere(), goldenQuestions()]);
  admin = postgres.adminPool();
  const migrationLog = {
    info: (message: string) => logLines.push(message),
    warn: (message: string) => logLines.push(message),
    error: (message: string) => logLines.push(message),
  };
  expect(await runMigrations(postgres.url(), migrationLog)).toEqual(['0001_conversations']);
  // Short timeouts so the outage tests stay fast; the pool is otherwise the production one.
  pool = createPool(postgres.url(), { max: 10, connectionTimeoutMs: 1_500, statementTimeoutMs: 1_000 });
  const rag = createRagPipeline(ragSettings(environment(qdrant, cohere, collection)), {
    retry: { maxRetries: 2, baseDelayMs: 10, maxDelayMs: 50, budgetMs: 500 },
    cohereTimeoutMs: 2_000,
    qdrantTimeoutMs: 1_000,
    readinessTimeoutMs: 1_000,
    cohereCheckCacheMs: 0,
  });
  app = await buildApp(
    {
      logLevel: 'info',
      version: '0.0.0-integration',
      commit: 'integration',
      corsOrigins: [],
      corsAllowCredentials: false,
      adminToken,
      rateLimitPerMinute: 100_000,
      drainTimeoutMs: 2_000,
      logStream,
    },
    {
      store: guardStore(new PostgresConversationStore(pool), () => true),
      answers: rag,
      ingest: rag,
      readiness: { postgres: () => postgresCheck(pool, 1_000), ...rag.readinessChecks() },
    },
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const ingested = await ingestCorpus();
  expect(ingested.documents).toBe(24);
  chunks = ingested.chunks;
  expect(chunks).toBeGreaterThanOrEqual(24);
});

afterAll(async () => {
  await app?.close();
  await Promise.all([pool?.end(), admin?.end(), qdrant?.close(), cohere?.close()]);
  await removeRunResources(runId);
});

type Frame = Record<string, unknown> & { type: string };

/** Sends one message frame on a new connection; the frames up to the response or error, with a bound. */
async function exchange(message: Record<string, unknown>, timeoutMs = 10_000): Promise<Frame[]> {
  const socket = new WebSocket(`${base.replace('http', 'ws')}/ws`, { handshakeTimeout: 2_000 });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    return await new Promise<Frame[]>((resolve, reject) => {
      const frames: Frame[] = [];
      const timer = setTimeout(
        () => reject(new Error(`no response within ${timeoutMs} ms: ${JSON.stringify(frames)}`)),
        timeoutMs,
      );
      socket.on('message', (data) => {
        const frame = JSON.parse(String(data)) as Frame;
        responses.push(String(data));
        if (frame.type === 'keep-alive') return;
        frames.push(frame);
        if (frame.type === 'response' || frame.type === 'error') {
          clearTimeout(timer);
          resolve(frames);
        }
      });
      socket.once('close', () => reject(new Error(`closed before a response: ${JSON.stringify(frames)}`)));
      socket.send(JSON.stringify(message));
    });
  } finally {
    socket.terminate();
  }
}

describe('compatibility with the original frontend', () => {
  it('POST /api/v1/query answers {answer, sources} with a non-empty answer and string sources', async () => {
    const result = await ask({ query: golden[7]!.question });
    expect(result.status).toBe(200);
    expect(result.headers.get('content-type')).toMatch(/^application\/json/);
    expect(typeof result.json.answer).toBe('string');
    expect(result.json.answer.trim()).not.toBe('');
    expect(result.json.answer).toContain('137');
    expect(Array.isArray(result.json.sources)).toBe(true);
    expect(result.json.sources.length).toBeGreaterThan(0);
    expect(result.json.sources.every((source) => typeof source === 'string')).toBe(true);
    expect(result.json.sources).toContain('Graceful Shutdown (08-graceful-shutdown.md)');
    expect(result.json.conversation_id).toMatch(uuidPattern);
    expect(result.json.message_id).toMatch(uuidPattern);
  });

  it('GET /health answers 200 {status:"ok"}', async () => {
    const result = await call('GET', '/health');
    expect(result.status).toBe(200);
    expect(result.json).toMatchObject({ status: 'ok', version: '0.0.0-integration', commit: 'integration' });
  });

  it('GET /health/ready is 200 with every dependency ok', async () => {
    const result = await call<ReadyBody>('GET', '/health/ready');
    expect(result.status).toBe(200);
    expect(result.json.status).toBe('ready');
    expect(Object.entries(result.json.checks).map(([name, check]) => [name, check.ok])).toEqual([
      ['postgres', true],
      ['qdrant', true],
      ['cohere', true],
    ]);
  });

  it('WebSocket /ws answers a message frame with {type:"response", message, sources}', async () => {
    const frames = await exchange({ type: 'message', content: golden[2]!.question });
    expect(frames).toHaveLength(1);
    const response = frames[0]!;
    expect(response.type).toBe('response');
    expect(typeof response.message).toBe('string');
    expect(response.message).toContain('musl');
    expect(Array.isArray(response.sources)).toBe(true);
    expect((response.sources as unknown[]).every((source) => typeof source === 'string')).toBe(true);
    expect(response.sources).toContain('Choosing a Base Image (03-base-images.md)');
    // The exchange is stored like a POST's.
    const stored = await call<{ messages: { role: string; content: string }[] }>(
      'GET',
      `/api/v1/conversations/${String(response.conversation_id)}`,
    );
    expect(stored.json.messages.map((message) => [message.role, message.content])).toEqual([
      ['user', golden[2]!.question],
      ['assistant', response.message],
    ]);
  });

  it('WebSocket /ws with stream:true sends deltas, then one response whose message is the deltas joined', async () => {
    const frames = await exchange({ type: 'message', content: golden[11]!.question, stream: true });
    const deltas = frames.filter((frame) => frame.type === 'delta');
    const last = frames.at(-1)!;
    expect(frames.slice(0, -1).every((frame) => frame.type === 'delta')).toBe(true);
    expect(deltas.length).toBeGreaterThan(1);
    expect(last.type).toBe('response');
    expect(typeof last.message).toBe('string');
    expect((last.message as string).length).toBeGreaterThan(0);
    expect(deltas.map((frame) => frame.content).join('')).toBe(last.message);
    expect((last.sources as unknown[]).every((source) => typeof source === 'string')).toBe(true);
  });
});

describe('golden retrieval', () => {
  it('cites the expected page among the top 3 citations for every golden question', async () => {
    const results = await Promise.all(golden.map((item) => ask({ query: item.question })));
    const table = golden.map((item, index) => {
      const result = results[index]!;
      const files = result.json.citations.map((citation) => citation.file_path);
      const rank = files.indexOf(item.expectedPage) + 1;
      return {
        id: item.id,
        status: result.status,
        expected: item.expectedPage,
        rank: rank === 0 ? 'missing' : rank,
        top3: files.slice(0, 3).join(', '),
        answerContains: item.answerContains.every((text) => result.json.answer.includes(text)),
      };
    });
    console.table(table);
    expect(results.map((result) => result.status)).toEqual(golden.map(() => 200));
    const misses = table.filter((row) => typeof row.rank !== 'number' || row.rank > 3);
    expect(misses, `expected page not in the top 3 citations:\n${JSON.stringify(misses, null, 2)}`).toEqual([]);
  });
});

describe('conversations', () => {
  it('GET returns each question then its answer, with citations and selected_text; DELETE is 204 then 404', async () => {
    const first = await ask({ query: golden[13]!.question, selected_text: 'error budget for 99.9%' });
    expect(first.status).toBe(200);
    const id = first.json.conversation_id;
    const second = await ask({ query: golden[12]!.question, conversation_id: id });
    expect(second.status).toBe(200);
    expect(second.json.conversation_id).toBe(id);

    const stored = await call<{
      id: string;
      messages: {
        id: string;
        role: string;
        content: string;
        selected_text: string | null;
        citations: QueryResponse['citations'];
      }[];
    }>('GET', `/api/v1/conversations/${id}`);
    expect(stored.status).toBe(200);
    expect(stored.json.id).toBe(id);
    expect(stored.json.messages.map((m) => [m.role, m.content, m.selected_text])).toEqual([
      ['user', golden[13]!.question, 'error budget for 99.9%'],
      ['assistant', first.json.answer, null],
      ['user', golden[12]!.question, null],
      ['assistant', second.json.answer, null],
    ]);
    expect(stored.json.messages[1]!.id).toBe(first.json.message_id);
    expect(stored.json.messages[3]!.id).toBe(second.json.message_id);
    expect(stored.json.messages[1]!.citations).toEqual(first.json.citations);
    expect(stored.json.messages[3]!.citations).toEqual(second.json.citations);
    expect(first.json.citations.length).toBeGreaterThan(0);
    expect(stored.json.messages[0]!.citations).toEqual([]);

    const deleted = await call('DELETE', `/api/v1/conversations/${id}`);
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    const gone = await call<ErrorBody>('GET', `/api/v1/conversations/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.json.error.code).toBe('conversation_not_found');
    expect((await call<ErrorBody>('DELETE', `/api/v1/conversations/${id}`)).status).toBe(404);
    expect(await count('SELECT count(*) AS n FROM messages WHERE conversation_id = $1', [id])).toBe(0);
  });
});

describe('persistence', () => {
  it('stores exactly 1,000 questions and 1,000 answers for 1,000 queries sent 50 at a time', async () => {
    const total = 1_000;
    const questions = Array.from({ length: total }, (_, i) => `${golden[i % golden.length]!.question} [bulk ${i}]`);
    const results: HttpResult<QueryResponse>[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < total) {
        const i = next++;
        results[i] = await call<QueryResponse>('POST', '/api/v1/query', {
          body: { query: questions[i] },
          timeoutMs: 30_000,
        });
      }
    };
    await Promise.all(Array.from({ length: 50 }, worker));

    const statuses = new Map<number, number>();
    for (const result of results) statuses.set(result.status, (statuses.get(result.status) ?? 0) + 1);
    expect([...statuses]).toEqual([[200, total]]);
    const conversationIds = results.map((result) => result.json.conversation_id);
    expect(new Set(conversationIds).size).toBe(total);

    // Each conversation holds exactly its question and the answer that was returned, under the returned id.
    const { rows } = await admin.query<{ role: string; n: string }>(
      `SELECT m.role, count(*) AS n
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[]) AS r(conversation_id, question, answer, answer_id)
         JOIN messages m ON m.conversation_id = r.conversation_id
        WHERE (m.role = 'user' AND m.content = r.question)
           OR (m.role = 'assistant' AND m.content = r.answer AND m.id = r.answer_id)
        GROUP BY m.role ORDER BY m.role`,
      [
        conversationIds,
        questions,
        results.map((result) => result.json.answer),
        results.map((result) => result.json.message_id),
      ],
    );
    expect(rows.map((row) => [row.role, Number(row.n)])).toEqual([
      ['assistant', total],
      ['user', total],
    ]);
    const all = await admin.query<{ role: string; n: string }>(
      `SELECT role, count(*) AS n FROM messages WHERE conversation_id = ANY($1::uuid[]) GROUP BY role ORDER BY role`,
      [conversationIds],
    );
    expect(all.rows.map((row) => [row.role, Number(row.n)])).toEqual([
      ['assistant', total],
      ['user', total],
    ]);

    for (const i of [0, 1, 49, 50, 333, 500, 777, 998, 999]) {
      const stored = await call<{ messages: { role: string; content: string }[] }>(
        'GET',
        `/api/v1/conversations/${conversationIds[i]!}`,
      );
      expect(stored.status).toBe(200);
      expect(stored.json.messages.map((message) => [message.role, message.content])).toEqual([
        ['user', questions[i]],
        ['assistant', results[i]!.json.answer],
      ]);
    }
  });
});

describe('upstream failures end to end', () => {
  function expectNoInternals(result: HttpResult): void {
    for (const secret of [cohere.url, qdrant.url, cohereKey, qdrantKey, postgres.password, '127.0.0.1', 'stand-in']) {
      expect(result.text).not.toContain(secret);
    }
  }

  async function storedQuestion(content: string): Promise<string[]> {
    const { rows } = await admin.query<{ role: string }>(
      `SELECT m.role FROM messages q JOIN messages m ON m.conversation_id = q.conversation_id
        WHERE q.content = $1 AND q.role = 'user' ORDER BY m.seq`,
      [content],
    );
    return rows.map((row) => row.role);
  }

  it('Cohere chat 429 persistently: 503 upstream_rate_limited with Retry-After, the question still stored', async () => {
    cohere.reset();
    cohere.fault({ path: '/v2/chat', status: 429, retryAfterSeconds: 2 });
    const query = `${golden[0]!.question} [chat rate limited]`;
    try {
      const result = await call<ErrorBody>('POST', '/api/v1/query', { body: { query } });
      expect(result.status).toBe(503);
      expect(result.headers.get('retry-after')).toBe('2');
      expect(result.json.error.code).toBe('upstream_rate_limited');
      expect(result.json.error.message).toBe('the answering service is busy; retry later');
      expectNoInternals(result);
      // Retry-After (2 s) is beyond the retry budget (0.5 s): one attempt, no waiting.
      expect(
        cohere
          .requests()
          .filter((r) => r.path === '/v2/chat')
          .map((r) => r.status),
      ).toEqual([429]);
    } finally {
      cohere.reset();
    }
    expect(await storedQuestion(query)).toEqual(['user']);
  });

  it('Cohere embed 429 persistently: 503 upstream_rate_limited with Retry-After, the question still stored', async () => {
    cohere.reset();
    cohere.fault({ path: '/v2/embed', status: 429, retryAfterSeconds: 1 });
    const query = `${golden[1]!.question} [embed rate limited]`;
    try {
      const result = await call<ErrorBody>('POST', '/api/v1/query', { body: { query } });
      expect(result.status).toBe(503);
      expect(result.headers.get('retry-after')).toBe('1');
      expect(result.json.error.code).toBe('upstream_rate_limited');
      expectNoInternals(result);
      expect(cohere.requests().map((r) => `${r.path} ${r.status}`)).toEqual(['/v2/embed 429']);
    } finally {
      cohere.reset();
    }
    expect(await storedQuestion(query)).toEqual(['user']);
  });

  it('Cohere 429 twice with Retry-After 0: retried within the budget, and answered 200', async () => {
    cohere.reset();
    cohere.fault({ path: '/v2/embed', status: 429, retryAfterSeconds: 0, times: 2 });
    try {
      const result = await ask({ query: golden[3]!.question });
      expect(result.status).toBe(200);
      expect(result.json.answer).toContain('0.0.0.0');
      expect(cohere.requests().map((r) => `${r.path} ${r.status}`)).toEqual([
        '/v2/embed 429',
        '/v2/embed 429',
        '/v2/embed 200',
        '/v2/chat 200',
      ]);
    } finally {
      cohere.reset();
    }
  });

  it('Qdrant stopped: 503 upstream_unavailable, /health/ready 503 naming qdrant, /health 200; recovers', async () => {
    const port = Number(new URL(qdrant.url).port);
    await qdrant.close();
    const query = `${golden[4]!.question} [qdrant down]`;
    const result = await call<ErrorBody>('POST', '/api/v1/query', { body: { query } });
    expect(result.status).toBe(503);
    expect(result.json.error.code).toBe('upstream_unavailable');
    expectNoInternals(result);
    expect(await storedQuestion(query)).toEqual(['user']);

    const ready = await call<ReadyBody>('GET', '/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.json.status).toBe('unavailable');
    expect(ready.json.checks.qdrant).toMatchObject({ ok: false, error: 'unreachable' });
    expect(ready.json.checks.postgres.ok).toBe(true);
    expect(ready.json.checks.cohere.ok).toBe(true);
    expectNoInternals(ready);
    expect((await call('GET', '/health')).status).toBe(200);

    // Back on the same address; the in-memory stand-in comes back empty, so the book is ingested again.
    qdrant = await startQdrant(port);
    expect((await call('GET', '/health/ready')).status).toBe(200);
    expect(await ingestCorpus()).toEqual({ documents: 24, chunks });
    const again = await ask({ query: golden[4]!.question });
    expect(again.status).toBe(200);
    expect(again.json.citations.map((citation) => citation.file_path)).toContain('05-environment-variables.md');
  });

  it('PostgreSQL paused: readiness names postgres within its bound, a query is 503 (not 500); both recover', async () => {
    await pool.query('SELECT 1'); // an idle connection for the freeze to strand
    const docker = await postgres.docker();
    await docker.pause();
    let ready: HttpResult<ReadyBody>, query: HttpResult<ErrorBody>, health: HttpResult;
    let readyMs: number, queryMs: number;
    try {
      const started = performance.now();
      [[ready, readyMs], [query, queryMs], health] = await Promise.all([
        call<ReadyBody>('GET', '/health/ready').then((r) => [r, performance.now() - started] as const),
        call<ErrorBody>('POST', '/api/v1/query', { body: { query: `${golden[5]!.question} [paused]` } }).then(
          (r) => [r, performance.now() - started] as const,
        ),
        call('GET', '/health'),
      ]);
    } finally {
      await docker.unpause();
    }
    expect(health.status).toBe(200);
    expect(ready.status).toBe(503);
    expect(ready.json.checks.postgres).toMatchObject({ ok: false, error: 'timeout' });
    expect(ready.json.checks.qdrant.ok).toBe(true);
    expect(readyMs).toBeLessThan(2_500);
    expect(query.status).toBe(503);
    expect(query.json.error.code).toBe('upstream_unavailable');
    expect(queryMs).toBeLessThan(5_000);
    expectNoInternals(query);

    await expect.poll(async () => (await call('GET', '/health/ready')).status, { timeout: 15_000 }).toBe(200);
    const after = await ask({ query: `${golden[5]!.question} [after pause]` });
    expect(after.status).toBe(200);
    expect(await storedQuestion(`${golden[5]!.question} [after pause]`)).toEqual(['user', 'assistant']);
  });

  it('PostgreSQL stopped: readiness says unreachable, a query is 503; both recover once it restarts', async () => {
    const docker = await postgres.docker();
    await docker.stop({ t: 5 });
    let ready: HttpResult<ReadyBody>, query: HttpResult<ErrorBody>;
    try {
      [ready, query] = await Promise.all([
        call<ReadyBody>('GET', '/health/ready'),
        call<ErrorBody>('POST', '/api/v1/query', { body: { query: `${golden[6]!.question} [stopped]` } }),
      ]);
    } finally {
      await docker.start();
    }
    expect(ready.status).toBe(503);
    expect(ready.json.checks.postgres).toMatchObject({ ok: false, error: 'unreachable' });
    expect(query.status).toBe(503);
    expect(query.json.error.code).toBe('upstream_unavailable');
    expectNoInternals(query);

    await expect.poll(async () => (await call('GET', '/health/ready')).status, { timeout: 20_000 }).toBe(200);
    const after = await ask({ query: `${golden[6]!.question} [after restart]` });
    expect(after.status).toBe(200);
    expect(await storedQuestion(`${golden[6]!.question} [after restart]`)).toEqual(['user', 'assistant']);
  });
});

describe('secrets', () => {
  it('appear in no response and no log line: not the Qdrant key, the Cohere key, the admin token or the DB password', async () => {
    expect(responses.length).toBeGreaterThan(50);
    // Requests, ingestion, migrations and the upstream failures above were all logged.
    expect(logLines.length).toBeGreaterThan(2_000);
    expect(logLines.filter((line) => line.includes('"msg":"upstream failure"')).length).toBeGreaterThanOrEqual(5);
    const secrets = { qdrantKey, cohereKey, adminToken, databasePassword: postgres.password };
    const leaks = Object.entries(secrets).flatMap(([name, secret]) => [
      ...responses
        .filter((text) => text.includes(secret))
        .map((text) => `${name} in a response: ${text.slice(0, 200)}`),
      ...logLines.filter((line) => line.includes(secret)).map((line) => `${name} in a log line: ${line.slice(0, 200)}`),
    ]);
    expect(leaks).toEqual([]);
  });
});
