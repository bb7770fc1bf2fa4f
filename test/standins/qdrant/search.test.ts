import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { call, clientError, conformanceProblems, seededVectors, startStandin, type RunningStandin } from './support.ts';

let standin: RunningStandin;
const dims = 16;
const corpus = seededVectors(7, 300, dims);
const queries = seededVectors(8, 5, dims);

beforeAll(async () => {
  standin = await startStandin();
  const client = standin.client();
  await client.createCollection('cosine', { vectors: { size: dims, distance: 'Cosine' } });
  await client.upsert('cosine', {
    wait: true,
    batch: {
      ids: corpus.map((_, i) => i),
      vectors: corpus,
      payloads: corpus.map((_, i) => ({ parity: i % 2 ? 'odd' : 'even', i })),
    },
  });
  await client.createCollection('small', {
    vectors: {
      dot: { size: 2, distance: 'Dot' },
      l2: { size: 2, distance: 'Euclid' },
      l1: { size: 2, distance: 'Manhattan' },
    },
  });
  const small = [
    [1, 0],
    [0, 2],
    [3, 3],
    [-1, -1],
  ];
  await client.upsert('small', {
    wait: true,
    points: small.map((v, i) => ({
      id: i + 1,
      vector: { dot: v, l2: v, l1: v },
      payload: {
        group: i < 2 ? 'a' : 'b',
        rank: i + 1,
        tags: i === 2 ? [] : [`t${i}`, 'all'],
        title: i === 0 ? null : `p${i + 1}`,
      },
    })),
  });
});
afterAll(async () => {
  await standin.close();
});
afterEach(() => {
  expect(conformanceProblems(standin.exchanges)).toEqual([]);
  standin.exchanges.length = 0;
});

/** The reference answer: cosine similarity in double precision over the raw corpus. */
function expectedCosine(query: number[], limit: number): { id: number; score: number }[] {
  const norm = (v: number[]): number => Math.sqrt(v.reduce((sum, x) => sum + x * x, 0));
  return corpus
    .map((v, id) => ({ id, score: v.reduce((sum, x, i) => sum + x * query[i]!, 0) / (norm(v) * norm(query)) }))
    .sort((a, b) => b.score - a.score)
    .slice(0, limit);
}

const near = (id: number): { query: number[]; using: string } => ({ query: [id, 0], using: 'dot' });

describe('Qdrant stand-in: search', () => {
  it('query finds the exact cosine top 10 for random vectors', async () => {
    const client = standin.client();
    for (const query of queries) {
      const { points } = await client.query('cosine', { query, limit: 10 });
      const expected = expectedCosine(query, 10);
      expect(points.map((p) => p.id)).toEqual(expected.map((p) => p.id));
      points.forEach((point, i) => expect(point.score).toBeCloseTo(expected[i]!.score, 5));
    }
  });

  it('stores Cosine vectors normalised, as Qdrant does', async () => {
    const client = standin.client();
    await client.createCollection('norm', { vectors: { size: 2, distance: 'Cosine' } });
    await client.upsert('norm', { wait: true, points: [{ id: 1, vector: [3, 4] }] });
    expect(await client.retrieve('norm', { ids: [1], with_vector: true, with_payload: false })).toEqual([
      { id: 1, vector: [0.6, 0.8] },
    ]);
  });

  it('legacy POST /points/search answers the same hits as query, with versions', async () => {
    const query = queries[0]!;
    const legacy = await call(standin.url, 'POST', '/collections/cosine/points/search', {
      body: { vector: query, limit: 5 },
    });
    expect(legacy.status).toBe(200);
    const { points } = await standin.client().query('cosine', { query, limit: 5 });
    const result = (legacy.body as { result: { id: number; score: number; version: number }[] }).result;
    expect(result.map((hit) => [hit.id, hit.score])).toEqual(points.map((p) => [p.id, p.score]));
    expect(result.every((hit) => hit.version === 1)).toBe(true);
  });

  it('legacy search takes a named vector and a filter', async () => {
    const response = await call(standin.url, 'POST', '/collections/small/points/search', {
      body: {
        vector: { name: 'dot', vector: [1, 1] },
        limit: 3,
        filter: { must: [{ key: 'group', match: { value: 'a' } }] },
      },
    });
    expect(response.body).toMatchObject({
      result: [
        { id: 2, score: 2 },
        { id: 1, score: 1 },
      ],
      status: 'ok',
    });
  });

  it('orders Dot by largest, Euclid and Manhattan by smallest distance, with their scores', async () => {
    const client = standin.client();
    const dot = await client.query('small', { query: [1, 1], using: 'dot' });
    expect(dot.points.map((p) => [p.id, p.score])).toEqual([
      [3, 6],
      [2, 2],
      [1, 1],
      [4, -2],
    ]);
    const l2 = await client.query('small', { query: [1, 1], using: 'l2' });
    expect(l2.points.map((p) => [p.id, p.score])).toEqual([
      [1, 1],
      [2, 1.4142135],
      [3, 2.828427],
      [4, 2.828427],
    ]);
    const l1 = await client.query('small', { query: { nearest: [1, 1] }, using: 'l1' });
    expect(l1.points.map((p) => [p.id, p.score])).toEqual([
      [1, 1],
      [2, 2],
      [3, 4],
      [4, 4],
    ]);
  });

  it('applies limit, offset and score_threshold', async () => {
    const client = standin.client();
    const page = await client.query('small', { ...near(1), limit: 2, offset: 1 });
    expect(page.points.map((p) => p.id)).toEqual([1, 2]);
    const similar = await client.query('small', { query: [1, 1], using: 'dot', score_threshold: 2 });
    expect(similar.points.map((p) => p.id)).toEqual([3, 2]);
    const close = await client.query('small', { query: [1, 1], using: 'l2', score_threshold: 1.5 });
    expect(close.points.map((p) => p.id)).toEqual([1, 2]);
  });

  it('returns payload and vector only when asked', async () => {
    const client = standin.client();
    const bare = await client.query('small', { ...near(1), limit: 1 });
    expect(bare.points).toEqual([{ id: 3, version: 1, score: 3 }]);
    const full = await client.query('small', { ...near(1), limit: 1, with_payload: ['rank'], with_vector: ['l1'] });
    expect(full.points).toEqual([{ id: 3, version: 1, score: 3, payload: { rank: 3 }, vector: { l1: [3, 3] } }]);
  });

  it.each([
    ['must match value', { must: [{ key: 'group', match: { value: 'b' } }] }, [3, 4]],
    ['should match any', { should: [{ key: 'rank', match: { any: [1, 4] } }] }, [1, 4]],
    ['must_not', { must_not: [{ key: 'group', match: { value: 'b' } }] }, [1, 2]],
    ['range', { must: [{ key: 'rank', range: { gt: 1, lte: 3 } }] }, [3, 2]],
    ['has_id', { must: [{ has_id: [1, 4] }] }, [1, 4]],
    ['array field matches any element', { must: [{ key: 'tags', match: { value: 'all' } }] }, [1, 2, 4]],
    ['match except', { must: [{ key: 'title', match: { except: ['p2', 'p3'] } }] }, [4]],
    ['is_empty', { must: [{ is_empty: { key: 'tags' } }] }, [3]],
    ['is_null', { must: [{ is_null: { key: 'title' } }] }, [1]],
    [
      'nested clause',
      {
        should: [
          {
            must: [
              { key: 'group', match: { value: 'a' } },
              { key: 'rank', range: { gte: 2 } },
            ],
          },
          { has_id: [4] },
        ],
      },
      [2, 4],
    ],
  ])('filters with %s', async (_name, filter, expected) => {
    const { points } = await standin.client().query('small', { ...near(1), filter: filter as never });
    expect(points.map((p) => p.id)).toEqual(expected);
  });

  it('refuses limit 0 with 422 and a query of the wrong dimension with 400', async () => {
    const zero = await call(standin.url, 'POST', '/collections/small/points/query', {
      body: { query: [1, 1], using: 'dot', limit: 0 },
    });
    expect(zero.status).toBe(422);
    expect(zero.body).toMatchObject({
      status: { error: 'Validation error in JSON body: [limit: value 0 invalid, must be 1 or larger]' },
    });
    const failure = await clientError(standin.client().query('cosine', { query: [1, 2, 3] }));
    expect(failure.status).toBe(400);
    expect(failure.data).toMatchObject({
      status: { error: `Wrong input: Vector dimension error: expected dim: ${dims}, got 3` },
    });
  });

  it.each([
    ['prefetch', { prefetch: [{ query: [1, 1], using: 'dot' }], query: { fusion: 'rrf' } }, 'query with `prefetch`'],
    ['fusion', { query: { fusion: 'rrf' } }, 'query `fusion` (only nearest by raw vector is supported)'],
    [
      'recommend',
      { query: { recommend: { positive: [1] } }, using: 'dot' },
      'query `recommend` (only nearest by raw vector is supported)',
    ],
    ['query by point id', { query: 1, using: 'dot' }, 'query by point id'],
    ['no query', { using: 'dot' }, 'query without `query` (listing points by id)'],
    [
      'geo filter',
      { ...near(1), filter: { must: [{ key: 'loc', geo_radius: { center: { lon: 0, lat: 0 }, radius: 1 } }] } },
      'filter condition `geo_radius` (on key `loc`)',
    ],
    [
      'nested filter',
      { ...near(1), filter: { must: [{ nested: { key: 'x', filter: {} } }] } },
      'filter condition `nested`',
    ],
    [
      'full-text match',
      { ...near(1), filter: { must: [{ key: 'title', match: { text: 'p' } }] } },
      'full-text match `text` (on key `title`)',
    ],
    [
      'min_should',
      { ...near(1), filter: { min_should: { conditions: [], min_count: 1 } } },
      'filter clause `min_should`',
    ],
  ])('answers 501 for %s, naming it', async (_name, request, operation) => {
    const failure = await clientError(standin.client().query('small', request as never));
    expect(failure.status).toBe(501);
    expect(failure.data).toMatchObject({
      status: { error: `Not implemented by the shipshape Qdrant stand-in: ${operation}` },
    });
  });
});
