/**
 * The reference backend's HTTP API over in-memory layers (fakes.ts): routes,
 * the error envelope, security defaults, metrics and the OpenAPI document.
 */
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp, type AppSettings } from '../../backend/src/app.ts';
import { UpstreamError } from '../../backend/src/contracts.ts';
import { MemoryStore, readiness, RecordingIngest, ScriptedAnswers } from './fakes.ts';

const adminToken = 'admin-token-0123456789';

async function start(overrides: Partial<AppSettings> = {}, readinessChecks = readiness()) {
  const store = new MemoryStore();
  const answers = new ScriptedAnswers();
  const ingest = new RecordingIngest();
  const logStream = new PassThrough();
  const logLines: Record<string, unknown>[] = [];
  logStream.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) logLines.push(JSON.parse(line));
  });
  const app = await buildApp(
    {
      logLevel: 'info',
      version: '1.2.3',
      commit: 'abc123',
      corsOrigins: ['https://book.example'],
      corsAllowCredentials: false,
      adminToken,
      rateLimitPerMinute: 1000,
      drainTimeoutMs: 2_000,
      logStream,
      ...overrides,
    },
    { store, answers, ingest, readiness: readinessChecks },
  );
  apps.push(app);
  return { app, store, answers, ingest, logLines };
}

const apps: Awaited<ReturnType<typeof buildApp>>[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

const ask = (body: unknown) => ({ method: 'POST' as const, url: '/api/v1/query', payload: body as object });

describe('health', () => {
  it('answers liveness without touching a dependency', async () => {
    let touched = false;
    const checks = readiness();
    checks.postgres = async () => {
      touched = true;
      return { ok: true, latencyMs: 1 };
    };
    const { app } = await start({}, checks);
    const response = await app.inject({ url: '/health' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ status: 'ok', version: '1.2.3', commit: 'abc123' });
    expect(touched).toBe(false);
  });

  it('reports readiness per dependency and 503 when one is down', async () => {
    const { app } = await start({}, readiness({ qdrant: { ok: false, latencyMs: 3, error: 'unreachable' } }));
    const response = await app.inject({ url: '/health/ready' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({
      status: 'unavailable',
      checks: {
        postgres: { ok: true, latencyMs: 1 },
        qdrant: { ok: false, latencyMs: 3, error: 'unreachable' },
        cohere: { ok: true, latencyMs: 1 },
      },
    });
    const healthy = await start();
    expect((await healthy.app.inject({ url: '/health/ready' })).statusCode).toBe(200);
  });
});

describe('POST /api/v1/query', () => {
  it("answers the original frontend's call with answer and string sources, and stores both messages", async () => {
    const { app, store } = await start();
    const response = await app.inject(ask({ query: 'What does a liveness route touch?' }));
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.answer).toBe('A liveness route touches no dependency.');
    expect(body.sources).toEqual(['Health checks (https://book.example/05-health-checks)']);
    expect(body.citations[0]).toMatchObject({ file_path: '05-health-checks.md', score: 0.82 });
    const stored = store.conversations.get(body.conversation_id)!;
    expect(stored.messages.map((message) => [message.role, message.content])).toEqual([
      ['user', 'What does a liveness route touch?'],
      ['assistant', 'A liveness route touches no dependency.'],
    ]);
    expect(stored.messages[1]!.id).toBe(body.message_id);
  });

  it('passes selected_text on and continues a conversation', async () => {
    const { app, answers, store } = await start();
    const first = (await app.inject(ask({ query: 'first' }))).json();
    const second = await app.inject(
      ask({ query: 'Explain this', selected_text: 'SIGTERM then SIGKILL', conversation_id: first.conversation_id }),
    );
    expect(second.statusCode).toBe(200);
    expect(second.json().conversation_id).toBe(first.conversation_id);
    expect(answers.requests.at(-1)).toEqual({ query: 'Explain this', selectedText: 'SIGTERM then SIGKILL' });
    expect(store.conversations.get(first.conversation_id)!.messages).toHaveLength(4);
  });

  it.each([
    [{}, 'query is required'],
    [{ query: '' }, 'query'],
    [{ query: '   ' }, 'query'],
    [{ query: 42 }, 'query'],
    [{ query: 'ok', extra: true }, 'extra'],
    [{ query: 'ok', conversation_id: 'not-a-uuid' }, 'conversation_id'],
  ])('refuses %j with 400 naming what is wrong', async (payload, named) => {
    const { app } = await start();
    const response = await app.inject(ask(payload));
    expect(response.statusCode).toBe(400);
    const body = response.json();
    expect(body.error.code).toBe('bad_request');
    expect(body.error.message).toContain(named);
    expect(body.error.request_id).toBe(response.headers['x-request-id']);
  });

  it('answers 404 for an unknown conversation', async () => {
    const { app } = await start();
    const response = await app.inject(ask({ query: 'q', conversation_id: '7f1c2f4e-8a57-4c0e-9a36-1f0d9b4a2c11' }));
    expect(response.statusCode).toBe(404);
    expect(response.json().error.code).toBe('conversation_not_found');
  });

  it('answers 503 upstream_rate_limited with Retry-After, keeps the question, and hides internals', async () => {
    const { app, answers, store, logLines } = await start();
    answers.behaviour = async () => {
      throw new UpstreamError('cohere', 'upstream_rate_limited', '429 from api.cohere.internal key=sk-canary', 7);
    };
    const response = await app.inject(ask({ query: 'will this be kept?' }));
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('7');
    expect(response.json().error.code).toBe('upstream_rate_limited');
    expect(response.body).not.toContain('api.cohere.internal');
    expect(response.body).not.toContain('sk-canary');
    const questions = [...store.conversations.values()].flatMap((c) => c.messages.map((m) => m.content));
    expect(questions).toEqual(['will this be kept?']);
    expect(JSON.stringify(logLines)).toContain('api.cohere.internal');
  });

  it('answers 500 with a generic body and a request id while the log keeps the detail', async () => {
    const { app, answers, logLines } = await start();
    answers.behaviour = async () => {
      throw new Error('relation "secret_table" does not exist at /app/src/db.ts:42');
    };
    const response = await app.inject({ ...ask({ query: 'boom' }), headers: { 'x-request-id': 'trace-12345678' } });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({
      error: {
        code: 'internal_error',
        message: 'the server failed to answer; the request id is in the log',
        request_id: 'trace-12345678',
      },
    });
    const logged = logLines.find((line) => line.reqId === 'trace-12345678' && line.level === 50);
    expect(JSON.stringify(logged)).toContain('secret_table');
  });

  it('limits the request body size', async () => {
    const { app } = await start();
    const response = await app.inject(ask({ query: 'x'.repeat(100_000) }));
    expect(response.statusCode).toBe(413);
    expect(response.json().error.code).toBe('payload_too_large');
  });

  it('rate-limits with 429 and Retry-After', async () => {
    const { app } = await start({ rateLimitPerMinute: 2 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await app.inject(ask({ query: `q${i}` }))).statusCode);
    expect(statuses).toEqual([200, 200, 429]);
    const limited = await app.inject(ask({ query: 'again' }));
    expect(limited.headers['retry-after']).toMatch(/^\d+$/);
    expect(limited.json().error.code).toBe('rate_limited');
  });
});

describe('conversations', () => {
  it('returns the stored messages, deletes them, then answers 404', async () => {
    const { app } = await start();
    const { conversation_id: id } = (await app.inject(ask({ query: 'hello', selected_text: 'passage' }))).json();
    const stored = await app.inject({ url: `/api/v1/conversations/${id}` });
    expect(stored.statusCode).toBe(200);
    expect(stored.json().messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant']);
    expect(stored.json().messages[0].selected_text).toBe('passage');
    expect((await app.inject({ method: 'DELETE', url: `/api/v1/conversations/${id}` })).statusCode).toBe(204);
    expect((await app.inject({ url: `/api/v1/conversations/${id}` })).statusCode).toBe(404);
    expect((await app.inject({ method: 'DELETE', url: `/api/v1/conversations/${id}` })).statusCode).toBe(404);
  });
});

describe('POST /api/v1/documents', () => {
  const documents = { documents: [{ title: 'Ports', text: 'Railway injects PORT.' }] };

  it('ingests with the admin token', async () => {
    const { app, ingest } = await start();
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/documents',
      headers: { authorization: `Bearer ${adminToken}` },
      payload: documents,
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ documents: 1, chunks: 2 });
    expect(ingest.batches).toEqual([documents.documents]);
  });

  it.each([
    [undefined, 401],
    ['Bearer wrong-token-0123456789', 401],
    [`Basic ${adminToken}`, 401],
  ])('refuses authorization %s with %i', async (authorization, status) => {
    const { app, ingest } = await start();
    const headers = authorization ? { authorization } : {};
    const response = await app.inject({ method: 'POST', url: '/api/v1/documents', headers, payload: documents });
    expect(response.statusCode).toBe(status);
    expect(response.json().error.code).toBe('unauthorized');
    expect(ingest.batches).toEqual([]);
  });

  it('is disabled without ADMIN_TOKEN', async () => {
    const { app } = await start({ adminToken: undefined });
    const response = await app.inject({ method: 'POST', url: '/api/v1/documents', payload: documents });
    expect(response.statusCode).toBe(403);
    expect(response.json().error.code).toBe('ingestion_disabled');
  });
});

describe('security defaults', () => {
  it('sends CORS headers to listed origins only', async () => {
    const { app } = await start();
    const allowed = await app.inject({ url: '/health', headers: { origin: 'https://book.example' } });
    expect(allowed.headers['access-control-allow-origin']).toBe('https://book.example');
    const refused = await app.inject({ url: '/health', headers: { origin: 'https://evil.example' } });
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/api/v1/query',
      headers: { origin: 'https://book.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-methods']).toContain('POST');
  });

  it('sets security headers', async () => {
    const { app } = await start();
    const response = await app.inject({ url: '/health' });
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(response.headers['content-security-policy']).toContain("default-src 'none'");
    expect(response.headers['strict-transport-security']).toContain('max-age=');
  });

  it('answers unknown routes with the error envelope', async () => {
    const { app } = await start();
    const response = await app.inject({ url: '/nope' });
    expect(response.statusCode).toBe(404);
    expect(response.json().error).toMatchObject({ code: 'not_found', message: 'no route GET /nope' });
  });

  it('logs JSON with request ids and redacts the authorization header', async () => {
    const { app, logLines } = await start();
    await app.inject({
      method: 'POST',
      url: '/api/v1/documents',
      headers: { authorization: `Bearer ${adminToken}` },
      payload: { documents: [{ title: 't', text: 'x' }] },
    });
    expect(logLines.length).toBeGreaterThan(0);
    for (const line of logLines) expect(line).toMatchObject({ level: expect.any(Number), time: expect.any(Number) });
    expect(logLines.some((line) => typeof line.reqId === 'string')).toBe(true);
    expect(JSON.stringify(logLines)).not.toContain(adminToken);
  });
});

describe('metrics and OpenAPI', () => {
  it('counts requests by route and status', async () => {
    const { app } = await start();
    await app.inject(ask({ query: 'count me' }));
    const metrics = await app.inject({ url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toMatch(/http_requests_total\{method="POST",route="\/api\/v1\/query",status="200"\} 1/);
    expect(metrics.body).toContain('http_request_duration_seconds_bucket');
    expect(metrics.body).toContain('websocket_connections 0');
  });

  it('publishes an OpenAPI document generated from the route schemas', async () => {
    const { app } = await start();
    const document = (await app.inject({ url: '/openapi.json' })).json();
    expect(document.openapi).toBe('3.0.3');
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/health',
        '/health/ready',
        '/api/v1/query',
        '/api/v1/conversations/{id}',
        '/api/v1/documents',
      ]),
    );
    const query = document.paths['/api/v1/query'].post;
    expect(query.requestBody.content['application/json'].schema.required).toEqual(['query']);
    expect(query.responses['200'].content['application/json'].schema.properties.sources.items.type).toBe('string');
  });
});
