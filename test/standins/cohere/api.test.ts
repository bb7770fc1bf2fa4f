import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Cohere, CohereClientV2 } from 'cohere-ai';
import { apiKey, contract, contractProblems, startStandin, type RunningStandin } from './support.ts';

let standin: RunningStandin;
beforeAll(async () => {
  standin = await startStandin();
});
afterAll(async () => {
  await standin.close();
});
afterEach(async () => {
  await standin.fetch(`${standin.baseUrl}/_standin/faults`, { method: 'DELETE' });
  const problems = contractProblems(standin.exchanges);
  standin.exchanges.length = 0;
  expect(problems).toEqual([]);
});

async function control(method: string, route: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${standin.baseUrl}${route}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

const embedRequest = { model: 'embed-v4.0', inputType: 'search_query' as const, texts: ['fault test'] };

describe('identity and health', () => {
  it('says on GET / that it is a stand-in, not Cohere', async () => {
    const { status, body } = await control('GET', '/');
    expect(status).toBe(200);
    expect(body).toMatchObject({ service: 'cohere-standin', standin: true });
    expect((body as { message: string }).message).toContain('not Cohere');
  });

  it('answers GET /health without a token', async () => {
    expect(await control('GET', '/health')).toEqual({ status: 200, body: { status: 'ok', standin: 'cohere' } });
  });
});

describe('auth', () => {
  it('answers a wrong token with 401 UnauthorizedError and Cohere body', async () => {
    const client = new CohereClientV2({ token: 'wrong-key', environment: standin.baseUrl, fetch: standin.fetch });
    const error = await client.embed(embedRequest, { maxRetries: 0 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Cohere.UnauthorizedError);
    expect((error as Cohere.UnauthorizedError).body).toEqual({ message: 'invalid api token' });
  });

  it('answers a missing token with 401 no api key supplied', async () => {
    const { status, body } = await standin.post('/v2/chat', {}, null);
    expect(status).toBe(401);
    expect(body).toEqual({ message: 'no api key supplied' });
  });

  it('accepts any non-empty token when no key is configured', async () => {
    const open = await startStandin({ apiKeys: [] });
    try {
      const { status } = await open.post(
        '/v2/embed',
        { model: 'embed-v4.0', input_type: 'search_query', texts: ['x'] },
        'anything',
      );
      expect(status).toBe(200);
      expect((await open.post('/v2/embed', {}, null)).status).toBe(401);
      expect(contractProblems(open.exchanges)).toEqual([]);
    } finally {
      await open.close();
    }
  });
});

describe('/v2/rerank through CohereClientV2', () => {
  it('ranks documents by shared words, with scores between 0 and 1, honouring top_n', async () => {
    const response = await standin.v2.rerank({
      model: 'rerank-v3.5',
      query: 'Which port does Railway inject?',
      documents: ['Bananas are yellow.', 'Railway injects the PORT variable.', 'Railway runs containers.'],
      topN: 2,
    });
    expect(response.results.map((result) => result.index)).toEqual([1, 2]);
    expect(response.results[0]!.relevanceScore).toBeGreaterThan(response.results[1]!.relevanceScore);
    expect(response.results[0]!.relevanceScore).toBeLessThanOrEqual(1);
    expect(response.meta?.billedUnits?.searchUnits).toBe(1);
  });

  it('answers an unknown rerank model with 404', async () => {
    const error = await standin.v2
      .rerank({ model: 'rerank-v0', query: 'q', documents: ['d'] }, { maxRetries: 0 })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Cohere.NotFoundError);
  });
});

describe('unsupported operations answer 501 naming them', () => {
  it.each([
    ['/v1/generate', { prompt: 'hi' }],
    ['/v1/classify', { inputs: ['hi'] }],
    ['/v2/classify', { inputs: ['hi'] }],
    ['/v1/summarize', { text: 'hi' }],
    ['/v1/tokenize', { text: 'hi', model: 'command' }],
  ])('%s', async (route, body) => {
    const { status, body: answer } = await standin.post(route, body);
    expect(status).toBe(501);
    expect(answer).toEqual({
      message: `POST ${route} is not supported by the Cohere stand-in (shipshape); use the real Cohere API for it`,
    });
  });

  it('fires NotImplementedError in the SDK (generate)', async () => {
    const error = await standin.v1.generate({ prompt: 'hi' }, { maxRetries: 0 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Cohere.NotImplementedError);
  });

  it('answers a path outside the API with 404', async () => {
    const { status, body } = await control('GET', '/nowhere');
    expect(status).toBe(404);
    expect(body).toEqual({ message: 'GET /nowhere not found' });
  });
});

describe('fault controls', () => {
  it('answers 429 with Retry-After for the given number of times, then recovers', async () => {
    const added = await control('POST', '/_standin/faults', {
      path: '/v2/embed',
      status: 429,
      retryAfterSeconds: 2,
      times: 2,
    });
    expect(added).toMatchObject({ status: 201, body: { path: '/v2/embed', status: 429, times: 2 } });
    for (let attempt = 0; attempt < 2; attempt++) {
      const error = await standin.v2.embed(embedRequest, { maxRetries: 0 }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(Cohere.TooManyRequestsError);
      expect((error as Cohere.TooManyRequestsError).rawResponse?.headers.get('retry-after')).toBe('2');
    }
    const response = await standin.v2.embed(embedRequest, { maxRetries: 0 });
    expect(response.embeddings.float).toHaveLength(1);
    const { requests } = (await control('GET', '/_standin/requests')).body as { requests: Record<string, unknown>[] };
    expect(requests.slice(-3).map(({ status, fault, input_type }) => ({ status, fault, input_type }))).toEqual([
      { status: 429, fault: (added.body as { id: number }).id, input_type: 'search_query' },
      { status: 429, fault: (added.body as { id: number }).id, input_type: 'search_query' },
      { status: 200, fault: undefined, input_type: 'search_query' },
    ]);
  });

  it('lets the SDK recover from a 429 with Retry-After when retries are on', async () => {
    await control('POST', '/_standin/faults', { path: '/v2/embed', status: 429, retryAfterSeconds: 1, times: 1 });
    const started = Date.now();
    const response = await standin.v2.embed(embedRequest, { maxRetries: 2 });
    expect(response.embeddings.float).toHaveLength(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(standin.exchanges.filter((exchange) => exchange.path === '/v2/embed').map((e) => e.status)).toEqual([
      429, 200,
    ]);
  });

  it('answers 500 InternalServerError only on the faulted path', async () => {
    await control('POST', '/_standin/faults', { path: '/v2/chat', status: 500 });
    const error = await standin.v2
      .chat({ model: 'command-r', messages: [{ role: 'user', content: 'hi' }] }, { maxRetries: 0 })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Cohere.InternalServerError);
    expect((await standin.v2.embed(embedRequest, { maxRetries: 0 })).embeddings.float).toHaveLength(1);
  });

  it('adds latency to a path', async () => {
    await control('POST', '/_standin/faults', { path: '/v2/rerank', latencyMs: 400 });
    const started = Date.now();
    const response = await standin.v2.rerank({ model: 'rerank-v3.5', query: 'q', documents: ['q'] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    expect(response.results).toHaveLength(1);
  });

  it('lists, refuses bad and clears faults', async () => {
    expect(await control('POST', '/_standin/faults', { path: '/v2/embed' })).toEqual({
      status: 400,
      body: { message: 'invalid fault: a fault needs a status, a latencyMs or both' },
    });
    await control('POST', '/_standin/faults', { path: '*', status: 503 });
    expect(((await control('GET', '/_standin/faults')).body as { faults: unknown[] }).faults).toHaveLength(1);
    expect(await control('DELETE', '/_standin/faults')).toEqual({ status: 200, body: { removed: 1 } });
    expect((await standin.v2.embed(embedRequest, { maxRetries: 0 })).embeddings.float).toHaveLength(1);
  });

  it('clears recorded requests', async () => {
    await standin.v2.embed(embedRequest);
    expect(
      ((await control('GET', '/_standin/requests')).body as { requests: unknown[] }).requests.length,
    ).toBeGreaterThan(0);
    await control('DELETE', '/_standin/requests');
    expect(await control('GET', '/_standin/requests')).toEqual({ status: 200, body: { requests: [] } });
  });
});

describe('the contract check itself', () => {
  it('flags a response that breaks the spec, so passing exchanges mean something', () => {
    const broken = { id: 'x', finish_reason: 'DONE', message: { role: 'assistant', citations: [{ start: 'a' }] } };
    expect(contract.validateResponse('post', '/v2/chat', 200, broken).errors.length).toBeGreaterThan(0);
    const source = { type: 'document', id: 'doc:0', document: { id: 'doc:0', text: 't' } };
    const fine = {
      id: 'x',
      finish_reason: 'COMPLETE',
      message: { role: 'assistant', citations: [{ sources: [source] }] },
    };
    expect(contract.validateResponse('post', '/v2/chat', 200, fine).errors).toEqual([]);
  });

  it('checked every exchange of a call made through the SDK', async () => {
    await standin.v2.embed(embedRequest);
    expect(standin.exchanges.map((exchange) => [exchange.path, exchange.status])).toEqual([['/v2/embed', 200]]);
    expect(apiKey).not.toBe('');
  });
});
