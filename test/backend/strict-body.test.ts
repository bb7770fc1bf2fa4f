/**
 * The reference backend's strict request bodies (backend/src/http/strict-body.ts) and the input rules suite
 * 5.3's corpus found missing: JSON that is not UTF-8, an undecoded Content-Encoding, NUL in a question, and
 * preflights asking for headers the API does not read.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../backend/src/app.ts';
import { MemoryStore, readiness, RecordingIngest, ScriptedAnswers } from './fakes.ts';

const apps: Awaited<ReturnType<typeof buildApp>>[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function start() {
  const app = await buildApp(
    {
      logLevel: 'silent',
      version: '1.2.3',
      commit: 'abc123',
      corsOrigins: ['https://book.example'],
      corsAllowCredentials: false,
      adminToken: 'admin-token-0123456789',
      rateLimitPerMinute: 1000,
      drainTimeoutMs: 2_000,
    },
    { store: new MemoryStore(), answers: new ScriptedAnswers(), ingest: new RecordingIngest(), readiness: readiness() },
  );
  apps.push(app);
  return app;
}

const json = { 'content-type': 'application/json' };

describe('strict request bodies', () => {
  it('refuses JSON that is not UTF-8 with 400, and still reads UTF-8 with a byte order mark', async () => {
    const app = await start();
    const bad = await app.inject({
      method: 'POST',
      url: '/api/v1/query',
      headers: json,
      payload: Buffer.from('{"query":"caf\xe9"}', 'latin1'),
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: { code: 'bad_request' } });
    const bom = await app.inject({
      method: 'POST',
      url: '/api/v1/query',
      headers: json,
      payload: '\uFEFF{"query":"What is ROS 2?"}',
    });
    expect(bom.statusCode).toBe(200);
  });

  it('still refuses __proto__ keys', async () => {
    const app = await start();
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/query',
      headers: json,
      payload: '{"query":"hi","__proto__":{"a":1}}',
    });
    expect(response.statusCode).toBe(400);
  });

  it('refuses a Content-Encoding it does not decode with 415', async () => {
    const app = await start();
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/query',
      headers: { ...json, 'content-encoding': 'gzip' },
      payload: '{"query":"hi"}',
    });
    expect(response.statusCode).toBe(415);
    expect(response.json()).toMatchObject({ error: { code: 'unsupported_media_type' } });
  });

  it('refuses NUL in a question with 400 (PostgreSQL cannot store it)', async () => {
    const app = await start();
    const query = await app.inject({
      method: 'POST',
      url: '/api/v1/query',
      headers: json,
      payload: '{"query":"a\\u0000b"}',
    });
    expect(query.statusCode).toBe(400);
    const selected = await app.inject({
      method: 'POST',
      url: '/api/v1/query',
      headers: json,
      payload: '{"query":"hi","selected_text":"a\\u0000b"}',
    });
    expect(selected.statusCode).toBe(400);
  });

  it('allows in a preflight only the request headers the API reads', async () => {
    const app = await start();
    const response = await app.inject({
      method: 'OPTIONS',
      url: '/api/v1/query',
      headers: {
        origin: 'https://book.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-anything',
      },
    });
    expect(response.headers['access-control-allow-headers']).toBe('content-type, authorization, x-request-id');
  });
});
