import { ApiError } from '@qdrant/openapi-typescript-fetch';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { call, clientError, conformanceProblems, startStandin, type RunningStandin } from './support.ts';

let standin: RunningStandin;
beforeAll(async () => {
  standin = await startStandin();
});
afterAll(async () => {
  await standin.close();
});
afterEach(() => {
  expect(conformanceProblems(standin.exchanges)).toEqual([]);
  standin.exchanges.length = 0;
});

describe('Qdrant stand-in: service routes', () => {
  it('GET / says it is a stand-in, with a Qdrant API semver the client accepts', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const info = await standin.client().versionInfo();
    expect(info).toMatchObject({ title: 'shipshape Qdrant stand-in (not Qdrant)', version: '1.19.0', standin: true });
    expect(info.title).not.toMatch(/^qdrant - vector search engine$/);
    // The constructor's compatibility check reads the same version and must stay quiet.
    new (await import('@qdrant/js-client-rest')).QdrantClient({ url: standin.url });
    await vi.waitFor(() => expect(standin.exchanges.filter((e) => e.path === '/').length).toBe(2));
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
  });

  it.each([
    ['/healthz', 'healthz check passed'],
    ['/livez', 'healthz check passed'],
    ['/readyz', 'all shards are ready'],
  ])('GET %s answers plain text as Qdrant does', async (path, text) => {
    const response = await call(standin.url, 'GET', path);
    expect(response).toEqual({ status: 200, contentType: 'text/plain; charset=utf-8', body: text });
  });
});

describe('Qdrant stand-in: collections', () => {
  it('creates a single-vector collection and reports its config', async () => {
    const client = standin.client();
    expect(await client.createCollection('single', { vectors: { size: 4, distance: 'Cosine' } })).toBe(true);
    const info = await client.getCollection('single');
    expect(info).toMatchObject({
      status: 'green',
      optimizer_status: 'ok',
      points_count: 0,
      config: { params: { vectors: { size: 4, distance: 'Cosine' }, shard_number: 1, replication_factor: 1 } },
      payload_schema: {},
    });
  });

  it('creates a collection with named vectors of every distance', async () => {
    const client = standin.client();
    const vectors = {
      cos: { size: 2, distance: 'Cosine' },
      dot: { size: 2, distance: 'Dot' },
      l2: { size: 3, distance: 'Euclid' },
      l1: { size: 3, distance: 'Manhattan' },
    } as const;
    expect(await client.createCollection('named', { vectors })).toBe(true);
    expect((await client.getCollection('named')).config.params.vectors).toEqual(vectors);
  });

  it('lists collections and answers exists for present and absent names', async () => {
    const client = standin.client();
    await client.createCollection('listed', { vectors: { size: 2, distance: 'Dot' } });
    const { collections } = await client.getCollections();
    expect(collections.map((c) => c.name)).toContain('listed');
    expect(await client.collectionExists('listed')).toEqual({ exists: true });
    expect(await client.collectionExists('absent')).toEqual({ exists: false });
  });

  it('deletes a collection: true when it existed, false when it did not', async () => {
    const client = standin.client();
    await client.createCollection('doomed', { vectors: { size: 2, distance: 'Dot' } });
    expect(await client.deleteCollection('doomed')).toBe(true);
    expect(await client.collectionExists('doomed')).toEqual({ exists: false });
    expect(await client.deleteCollection('doomed')).toBe(false);
  });

  it('refuses to create an existing collection with 409 and Qdrant wording', async () => {
    const client = standin.client();
    await client.createCollection('twice', { vectors: { size: 2, distance: 'Dot' } });
    const failure = await clientError(client.createCollection('twice', { vectors: { size: 2, distance: 'Dot' } }));
    expect(failure.error).toBeInstanceOf(ApiError);
    expect(failure.status).toBe(409);
    expect(failure.data).toMatchObject({ status: { error: 'Wrong input: Collection `twice` already exists!' } });
  });

  it('answers 404 for a missing collection through the client', async () => {
    const failure = await clientError(standin.client().getCollection('missing'));
    expect(failure.status).toBe(404);
    expect(failure.data).toMatchObject({ status: { error: "Not found: Collection `missing` doesn't exist!" } });
    expect(typeof (failure.data as { time: unknown }).time).toBe('number');
  });

  it('refuses a zero-sized vector with 422 and an unknown distance with 400', async () => {
    const zero = await call(standin.url, 'PUT', '/collections/bad', {
      body: { vectors: { size: 0, distance: 'Dot' } },
    });
    expect(zero.status).toBe(422);
    expect(zero.body).toMatchObject({ status: { error: expect.stringContaining('vectors.size: value 0 invalid') } });
    const distance = await call(standin.url, 'PUT', '/collections/bad', {
      body: { vectors: { size: 2, distance: 'Hamming' } },
    });
    expect(distance.status).toBe(400);
    expect(distance.body).toMatchObject({
      status: { error: expect.stringMatching(/^Format error in JSON body: unknown variant `Hamming`/) },
    });
    expect(await standin.client().collectionExists('bad')).toEqual({ exists: false });
  });

  it('accepts a payload index and reports it in payload_schema with its point count', async () => {
    const client = standin.client();
    await client.createCollection('indexed', { vectors: { size: 2, distance: 'Dot' } });
    await client.upsert('indexed', {
      points: [
        { id: 1, vector: [1, 0], payload: { lang: 'en' } },
        { id: 2, vector: [0, 1], payload: {} },
      ],
    });
    const result = await client.createPayloadIndex('indexed', {
      field_name: 'lang',
      field_schema: 'keyword',
      wait: true,
    });
    expect(result).toMatchObject({ status: 'completed' });
    expect((await client.getCollection('indexed')).payload_schema).toEqual({
      lang: { data_type: 'keyword', points: 1 },
    });
  });

  it('answers 501 naming the operation for collection features it does not implement', async () => {
    const sparse = await clientError(
      standin
        .client()
        .createCollection('sparse', { sparse_vectors: { text: {} }, vectors: { size: 2, distance: 'Dot' } }),
    );
    expect(sparse.status).toBe(501);
    expect(sparse.data).toMatchObject({
      status: { error: 'Not implemented by the shipshape Qdrant stand-in: create collection with `sparse_vectors`' },
    });
    const snapshots = await call(standin.url, 'POST', '/collections/single/snapshots');
    expect(snapshots.status).toBe(501);
    expect(snapshots.body).toMatchObject({
      status: { error: 'Not implemented by the shipshape Qdrant stand-in: POST /collections/single/snapshots' },
    });
    const aliases = await call(standin.url, 'GET', '/aliases');
    expect(aliases.status).toBe(501);
  });
});
