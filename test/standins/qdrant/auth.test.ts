import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { call, clientError, conformanceProblems, startStandin, type RunningStandin } from './support.ts';

const apiKey = 'standin-rw-key';
const readOnlyApiKey = 'standin-ro-key';
let standin: RunningStandin;

beforeAll(async () => {
  standin = await startStandin({ apiKey, readOnlyApiKey });
  // The client warns that an api key travels over http; these tests mean to.
  vi.spyOn(console, 'warn').mockImplementation(() => undefined);
});
afterAll(async () => {
  vi.restoreAllMocks();
  await standin.close();
});
afterEach(() => {
  expect(conformanceProblems(standin.exchanges)).toEqual([]);
  standin.exchanges.length = 0;
});

describe('Qdrant stand-in: API keys', () => {
  it('answers 401 in plain text, as Qdrant, without a key', async () => {
    const response = await call(standin.url, 'GET', '/collections');
    expect(response).toEqual({
      status: 401,
      contentType: 'text/plain; charset=utf-8',
      body: 'Must provide an API key or an Authorization bearer token',
    });
    const failure = await clientError(standin.client().getCollections());
    expect(failure.status).toBe(401);
    expect(failure.data).toBe('Must provide an API key or an Authorization bearer token');
  });

  it('answers 401 for a wrong key', async () => {
    const failure = await clientError(standin.client('not-the-key').getCollections());
    expect(failure.status).toBe(401);
    expect(failure.data).toBe('Invalid API key or JWT');
  });

  it('accepts the key as api-key header (the client) and as Authorization: Bearer', async () => {
    expect(await standin.client(apiKey).createCollection('keyed', { vectors: { size: 2, distance: 'Dot' } })).toBe(
      true,
    );
    const bearer = await call(standin.url, 'GET', '/collections/keyed/exists', {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    expect(bearer.status).toBe(200);
    expect(bearer.body).toMatchObject({ result: { exists: true }, status: 'ok' });
  });

  it('lets a read-only key read and answers 403 to its writes', async () => {
    const reader = standin.client(readOnlyApiKey);
    await standin.client(apiKey).createCollection('guarded', { vectors: { size: 2, distance: 'Dot' } });
    expect(await reader.count('guarded')).toEqual({ count: 0 });
    for (const write of [
      () => reader.upsert('guarded', { points: [{ id: 1, vector: [1, 0] }] }),
      () => reader.createCollection('other', { vectors: { size: 2, distance: 'Dot' } }),
      () => reader.deleteCollection('guarded'),
    ]) {
      const failure = await clientError(write());
      expect(failure.status).toBe(403);
      expect(failure.data).toMatchObject({ status: { error: 'Forbidden: Global manage access is required' } });
    }
    expect(await reader.collectionExists('guarded')).toEqual({ exists: true });
    expect(await reader.collectionExists('other')).toEqual({ exists: false });
  });

  it('serves /, /healthz, /livez and /readyz without a key', async () => {
    expect((await call(standin.url, 'GET', '/')).status).toBe(200);
    for (const path of ['/healthz', '/livez', '/readyz'])
      expect((await call(standin.url, 'GET', path)).status).toBe(200);
  });

  it('checks the key before routing, so an unknown route is 401 without a key and 501 with one', async () => {
    expect((await call(standin.url, 'GET', '/cluster')).status).toBe(401);
    const known = await call(standin.url, 'GET', '/cluster', { headers: { 'api-key': apiKey } });
    expect(known.status).toBe(501);
    expect(known.body).toMatchObject({
      status: { error: 'Not implemented by the shipshape Qdrant stand-in: GET /cluster' },
    });
  });
});
