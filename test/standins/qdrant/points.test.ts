import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { call, clientError, conformanceProblems, startStandin, type RunningStandin } from './support.ts';

let standin: RunningStandin;
const uuid = '550e8400-e29b-41d4-a716-446655440000';

beforeAll(async () => {
  standin = await startStandin();
});
afterAll(async () => {
  await standin.close();
});
beforeEach(async () => {
  const client = standin.client();
  await client.deleteCollection('docs');
  await client.createCollection('docs', { vectors: { size: 4, distance: 'Dot' } });
  await client.upsert('docs', {
    wait: true,
    points: [
      { id: 1, vector: [1, 0, 0, 0], payload: { lang: 'en', year: 2020, tags: ['a', 'b'], meta: { source: 'wiki' } } },
      { id: 2, vector: [0, 1, 0, 0], payload: { lang: 'de', year: 2022, tags: ['b'] } },
      { id: 3, vector: [0, 0, 1, 0], payload: { lang: 'en', year: 2024, note: null } },
      { id: uuid, vector: [0, 0, 0, 1], payload: { lang: 'fr', year: 2021, tags: [] } },
    ],
  });
});
afterEach(() => {
  expect(conformanceProblems(standin.exchanges)).toEqual([]);
  standin.exchanges.length = 0;
});

const ids = (points: { id: unknown }[]): unknown[] => points.map((point) => point.id);

describe('Qdrant stand-in: points', () => {
  it('upserts with wait=true as completed and increasing operation ids', async () => {
    const client = standin.client();
    const first = await client.upsert('docs', { wait: true, points: [{ id: 9, vector: [1, 1, 0, 0] }] });
    const second = await client.upsert('docs', { wait: true, points: [{ id: 10, vector: [1, 1, 1, 0] }] });
    expect(first.status).toBe('completed');
    expect(second.operation_id).toBe(first.operation_id! + 1);
    expect((await client.getCollection('docs')).points_count).toBe(6);
  });

  it('answers wait=false with acknowledged, as Qdrant does', async () => {
    const result = await standin.client().upsert('docs', { wait: false, points: [{ id: 11, vector: [0, 0, 0, 2] }] });
    expect(result.status).toBe('acknowledged');
  });

  it('upserts the batch form with payloads', async () => {
    const client = standin.client();
    await client.upsert('docs', {
      wait: true,
      batch: {
        ids: [20, 21],
        vectors: [
          [1, 2, 3, 4],
          [4, 3, 2, 1],
        ],
        payloads: [{ n: 20 }, { n: 21 }],
      },
    });
    const points = await client.retrieve('docs', { ids: [21, 20], with_vector: true });
    expect(points).toEqual([
      { id: 21, payload: { n: 21 }, vector: [4, 3, 2, 1] },
      { id: 20, payload: { n: 20 }, vector: [1, 2, 3, 4] },
    ]);
  });

  it('upsert replaces the whole point, payload included', async () => {
    const client = standin.client();
    await client.upsert('docs', { wait: true, points: [{ id: 1, vector: [2, 0, 0, 0], payload: { lang: 'it' } }] });
    expect(await client.retrieve('docs', { ids: [1], with_vector: true })).toEqual([
      { id: 1, payload: { lang: 'it' }, vector: [2, 0, 0, 0] },
    ]);
  });

  it('retrieves by ids: payload by default, no vector, missing ids skipped, UUID normalised', async () => {
    const points = await standin.client().retrieve('docs', { ids: [2, 404, uuid.toUpperCase()] });
    expect(points).toEqual([
      { id: 2, payload: { lang: 'de', year: 2022, tags: ['b'] } },
      { id: uuid, payload: { lang: 'fr', year: 2021, tags: [] } },
    ]);
  });

  it('retrieves with a payload selector', async () => {
    const client = standin.client();
    expect(await client.retrieve('docs', { ids: [1], with_payload: ['lang', 'meta.source'] })).toEqual([
      { id: 1, payload: { lang: 'en', meta: { source: 'wiki' } } },
    ]);
    expect(await client.retrieve('docs', { ids: [1], with_payload: { exclude: ['tags', 'meta', 'year'] } })).toEqual([
      { id: 1, payload: { lang: 'en' } },
    ]);
    expect(await client.retrieve('docs', { ids: [1], with_payload: false })).toEqual([{ id: 1 }]);
  });

  it('GET /points/{id} returns payload and vector, and 404 for an unknown id', async () => {
    const client = standin.client();
    const point = await client.api().getPoint({ collection_name: 'docs', id: 2 });
    expect(point.data.result).toEqual({
      id: 2,
      payload: { lang: 'de', year: 2022, tags: ['b'] },
      vector: [0, 1, 0, 0],
    });
    const failure = await clientError(client.api().getPoint({ collection_name: 'docs', id: 77 }));
    expect(failure.status).toBe(404);
    expect(failure.data).toMatchObject({ status: { error: 'Not found: No point with id 77 found' } });
  });

  it('deletes by ids', async () => {
    const client = standin.client();
    const result = await client.delete('docs', { wait: true, points: [1, uuid] });
    expect(result.status).toBe('completed');
    expect(await client.count('docs')).toEqual({ count: 2 });
    expect(ids(await client.retrieve('docs', { ids: [1, 2, 3, uuid] }))).toEqual([2, 3]);
  });

  it('deletes by filter', async () => {
    const client = standin.client();
    await client.delete('docs', { wait: true, filter: { must: [{ key: 'lang', match: { value: 'en' } }] } });
    expect(ids((await client.scroll('docs')).points)).toEqual([2, uuid]);
  });

  it('counts with and without a filter', async () => {
    const client = standin.client();
    expect(await client.count('docs')).toEqual({ count: 4 });
    expect(await client.count('docs', { filter: { must: [{ key: 'year', range: { gte: 2021 } }] } })).toEqual({
      count: 3,
    });
  });

  it('scrolls in id order (integers, then UUIDs) with next_page_offset', async () => {
    const client = standin.client();
    const first = await client.scroll('docs', { limit: 3, with_payload: false });
    expect(first).toEqual({ points: [{ id: 1 }, { id: 2 }, { id: 3 }], next_page_offset: uuid });
    const second = await client.scroll('docs', { limit: 3, offset: first.next_page_offset!, with_payload: false });
    expect(second).toEqual({ points: [{ id: uuid }], next_page_offset: null });
  });

  it('scrolls with a filter and vectors', async () => {
    const page = await standin.client().scroll('docs', {
      filter: { must: [{ key: 'lang', match: { value: 'en' } }] },
      with_payload: ['year'],
      with_vector: true,
    });
    expect(page).toEqual({
      points: [
        { id: 1, payload: { year: 2020 }, vector: [1, 0, 0, 0] },
        { id: 3, payload: { year: 2024 }, vector: [0, 0, 1, 0] },
      ],
      next_page_offset: null,
    });
  });

  it('refuses a vector of the wrong dimension with Qdrant wording and changes nothing', async () => {
    const client = standin.client();
    const failure = await clientError(
      client.upsert('docs', {
        wait: true,
        points: [
          { id: 5, vector: [1, 2, 3, 4] },
          { id: 6, vector: [1, 2, 3] },
        ],
      }),
    );
    expect(failure.status).toBe(400);
    expect(failure.data).toMatchObject({
      status: { error: 'Wrong input: Vector dimension error: expected dim: 4, got 3' },
    });
    expect(await client.count('docs')).toEqual({ count: 4 });
  });

  it('answers 404 when upserting into a missing collection', async () => {
    const failure = await clientError(standin.client().upsert('nowhere', { points: [{ id: 1, vector: [1] }] }));
    expect(failure.status).toBe(404);
    expect(failure.data).toMatchObject({ status: { error: "Not found: Collection `nowhere` doesn't exist!" } });
  });

  it('refuses malformed JSON with 400 and an invalid point id', async () => {
    const malformed = await call(standin.url, 'PUT', '/collections/docs/points', { rawBody: '{"points": [' });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ status: { error: expect.stringMatching(/^Format error in JSON body: /) } });
    const negative = await call(standin.url, 'PUT', '/collections/docs/points', {
      body: { points: [{ id: -1, vector: [1, 0, 0, 0] }] },
    });
    expect(negative.status).toBe(400);
    const badUuid = await call(standin.url, 'POST', '/collections/docs/points', { body: { ids: ['not-a-uuid'] } });
    expect(badUuid.status).toBe(400);
    expect(badUuid.body).toMatchObject({
      status: { error: 'Format error in JSON body: Unable to parse UUID: not-a-uuid' },
    });
  });

  it('named vectors: upsert some names, read them back, refuse an unknown name', async () => {
    const client = standin.client();
    await client.deleteCollection('multi');
    await client.createCollection('multi', {
      vectors: { title: { size: 2, distance: 'Dot' }, body: { size: 3, distance: 'Euclid' } },
    });
    await client.upsert('multi', { wait: true, points: [{ id: 1, vector: { title: [1, 2], body: [1, 2, 3] } }] });
    await client.upsert('multi', { wait: true, points: [{ id: 2, vector: { body: [3, 2, 1] } }] });
    expect(await client.retrieve('multi', { ids: [1, 2], with_vector: ['title'], with_payload: false })).toEqual([
      { id: 1, vector: { title: [1, 2] } },
      { id: 2, vector: {} },
    ]);
    const failure = await clientError(client.upsert('multi', { points: [{ id: 3, vector: { summary: [1, 2] } }] }));
    expect(failure.status).toBe(400);
    expect(failure.data).toMatchObject({ status: { error: 'Wrong input: Not existing vector name error: summary' } });
  });
});

describe('Qdrant stand-in: request bodies', () => {
  it('answers a body that is not JSON with 400 "Content type error", as actix does', async () => {
    const response = await call(standin.url, 'POST', '/collections/docs/points/count', {
      rawBody: '{}',
      headers: { 'content-type': 'text/plain' },
    });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ status: { error: 'Content type error' } });
  });

  it('answers an empty JSON body with 400 as serde words it', async () => {
    const response = await call(standin.url, 'POST', '/collections/docs/points/count', { rawBody: '' });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({
      status: { error: 'Format error in JSON body: EOF while parsing a value at line 1 column 0' },
    });
  });
});
