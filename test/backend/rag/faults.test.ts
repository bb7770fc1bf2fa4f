import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UpstreamError } from '../../../backend/src/contracts.ts';
import {
  cohereKey,
  corpus,
  pipelineFor,
  qdrantKey,
  startCohere,
  startQdrant,
  type RunningCohere,
  type RunningQdrant,
} from './support.ts';

let qdrant: RunningQdrant;
let cohere: RunningCohere;
/** A port nothing listens on: a stand-in started and stopped. */
let deadUrl: string;
const collection = 'book_faults';
const question = { query: 'Why did the lighthouse keeper trim the lamp wick?' };

beforeAll(async () => {
  [qdrant, cohere] = await Promise.all([startQdrant(), startCohere()]);
  const dead = await startCohere();
  deadUrl = dead.url;
  await dead.close();
  await pipelineFor(qdrant, cohere, collection).ingest(corpus);
});
afterAll(async () => {
  await Promise.all([qdrant.close(), cohere.close()]);
});
beforeEach(() => {
  cohere.reset();
});

async function failure(promise: Promise<unknown>): Promise<UpstreamError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(UpstreamError);
  const message = (error as Error).message;
  expect(message).not.toContain(cohereKey);
  expect(message).not.toContain(qdrantKey);
  return error as UpstreamError;
}

const statuses = (path: string) =>
  cohere
    .requests()
    .filter((request) => request.path === path)
    .map((request) => request.status);

describe('Cohere rate limits', () => {
  it('waits for Retry-After on a 429, then succeeds', async () => {
    cohere.fault({ path: '/v2/embed', status: 429, retryAfterSeconds: 1, times: 1 });
    const started = performance.now();
    const answer = await pipelineFor(qdrant, cohere, collection).answer(question);

    expect(performance.now() - started).toBeGreaterThanOrEqual(990);
    expect(answer.citations[0]!.file_path).toBe('lighthouses.md');
    expect(statuses('/v2/embed')).toEqual([429, 200]);
  });

  it('gives up at once when Retry-After is beyond the retry budget, passing it on', async () => {
    cohere.fault({ path: '/v2/embed', status: 429, retryAfterSeconds: 7 });
    const error = await failure(pipelineFor(qdrant, cohere, collection).answer(question));

    expect(error).toMatchObject({ dependency: 'cohere', code: 'upstream_rate_limited', retryAfterSeconds: 7 });
    expect(error.message).toBe(
      'cohere: embed rate limited (429): You are using a Trial key, which is limited to 10 API calls / minute (stand-in fault)',
    );
    expect(statuses('/v2/embed')).toEqual([429]);
  });

  it('stops after the configured number of retries under a persistent 429', async () => {
    cohere.fault({ path: '/v2/chat', status: 429, retryAfterSeconds: 0 });
    const error = await failure(pipelineFor(qdrant, cohere, collection).answer(question));

    expect(error).toMatchObject({ dependency: 'cohere', code: 'upstream_rate_limited', retryAfterSeconds: 0 });
    expect(statuses('/v2/chat')).toEqual([429, 429, 429]);
  });
});

describe('Cohere failures', () => {
  it('retries a 500 a bounded number of times, then reports Cohere unavailable', async () => {
    cohere.fault({ path: '/v2/chat', status: 500 });
    const error = await failure(pipelineFor(qdrant, cohere, collection).answer(question));

    expect(error).toMatchObject({ dependency: 'cohere', code: 'upstream_unavailable', retryAfterSeconds: undefined });
    expect(error.message).toBe(
      'cohere: chat answered 500: internal server error, this has been reported to our developers (stand-in fault)',
    );
    expect(statuses('/v2/chat')).toEqual([500, 500, 500]);
  });

  it('recovers when a 500 clears before the retries run out', async () => {
    cohere.fault({ path: '/v2/chat', status: 503, times: 2 });
    const answer = await pipelineFor(qdrant, cohere, collection).answer(question);
    expect(answer.sources).toEqual(['Lighthouses (https://book.example/lighthouses.md)']);
    expect(statuses('/v2/chat')).toEqual([503, 503, 200]);
  });

  it('reports a failing stream as Cohere unavailable, without emitting deltas', async () => {
    cohere.fault({ path: '/v2/chat', status: 500 });
    const deltas: string[] = [];
    const error = await failure(
      pipelineFor(qdrant, cohere, collection).answer(question, { onDelta: (text) => deltas.push(text) }),
    );
    expect(error).toMatchObject({ dependency: 'cohere', code: 'upstream_unavailable' });
    expect(deltas).toEqual([]);
  });

  it('reports an unreachable Cohere as unavailable', async () => {
    const error = await failure(pipelineFor(qdrant, { url: deadUrl }, collection).answer(question));
    expect(error).toMatchObject({ dependency: 'cohere', code: 'upstream_unavailable' });
    expect(error.message).toBe('cohere: embed got no answer (ECONNREFUSED)');
  });

  it('reports a timeout as unavailable after bounded retries', async () => {
    cohere.fault({ path: '/v2/embed', latencyMs: 1_000 });
    const error = await failure(pipelineFor(qdrant, cohere, collection, {}, { cohereTimeoutMs: 150 }).answer(question));
    expect(error).toMatchObject({ dependency: 'cohere', code: 'upstream_unavailable' });
    expect(error.message).toBe('cohere: embed timed out');
    expect(cohere.requests().filter((request) => request.path === '/v2/embed')).toHaveLength(3);
  });

  it('does not retry a refused key, and does not repeat it', async () => {
    const wrong = pipelineFor(qdrant, cohere, collection, { COHERE_API_KEY: 'wrong-key-canary' });
    const error = await failure(wrong.answer(question));
    expect(error).toMatchObject({ dependency: 'cohere', code: 'upstream_error' });
    expect(error.message).toBe('cohere: embed answered 401: the API key was refused');
    expect(error.message).not.toContain('wrong-key-canary');
    expect(statuses('/v2/embed')).toEqual([401]);
  });
});

describe('cancellation', () => {
  it('stops at once when the caller aborts, without retrying or wrapping the abort', async () => {
    cohere.fault({ path: '/v2/chat', latencyMs: 1_000 });
    const controller = new AbortController();
    const chatCalls = () => cohere.requests().filter((request) => request.path === '/v2/chat');
    const answering = pipelineFor(qdrant, cohere, collection)
      .answer(question, { signal: controller.signal })
      .catch((caught: unknown) => caught);
    // Abort once the chat call is in flight (on a loaded machine embedding and search may take a while).
    for (let waited = 0; chatCalls().length === 0 && waited < 5_000; waited += 10) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const started = performance.now();
    controller.abort(new Error('client disconnected'));
    const error = await answering;

    expect(error).toEqual(new Error('client disconnected'));
    // The stand-in holds the chat for 1 s; an abort that waited for it would take that long.
    expect(performance.now() - started).toBeLessThan(500);
    expect(cohere.requests().filter((request) => request.path === '/v2/chat')).toHaveLength(1);
  });
});

describe('Qdrant failures', () => {
  it('reports a stopped Qdrant as unavailable', async () => {
    const doomed = await startQdrant();
    const pipeline = pipelineFor(doomed, cohere, collection);
    await pipeline.ingest(corpus);
    await doomed.close();

    const error = await failure(pipeline.answer(question));
    expect(error).toMatchObject({ dependency: 'qdrant', code: 'upstream_unavailable' });
    expect(error.message).toBe('qdrant: query got no answer (ECONNREFUSED)');
    const ingest = await failure(pipeline.ingest(corpus));
    expect(ingest).toMatchObject({ dependency: 'qdrant', code: 'upstream_unavailable' });
  });

  it('reports a refused Qdrant key without the key', async () => {
    const pipeline = pipelineFor(qdrant, cohere, collection, { QDRANT_API_KEY: 'wrong-qdrant-canary' });
    const error = await failure(pipeline.answer(question));
    expect(error).toMatchObject({ dependency: 'qdrant', code: 'upstream_error' });
    expect(error.message).toBe('qdrant: query answered 401: the API key was refused');
  });
});

describe('readiness', () => {
  const noLeaks = (check: unknown) => {
    const text = JSON.stringify(check);
    for (const secret of ['127.0.0.1', cohereKey, qdrantKey, 'wrong']) expect(text).not.toContain(secret);
  };

  it('passes when both answer', async () => {
    const pipeline = pipelineFor(qdrant, cohere, collection);
    const checks = pipeline.readinessChecks();
    const [q, c] = await Promise.all([checks.qdrant(), checks.cohere()]);
    expect(q).toEqual({ ok: true, latencyMs: expect.any(Number) });
    expect(c).toEqual({ ok: true, latencyMs: expect.any(Number) });
    expect(cohere.requests()).toEqual([
      expect.objectContaining({ path: '/v2/embed', input_type: 'search_query', texts: 1, status: 200 }),
    ]);
  });

  it('passes for Qdrant before anything is ingested', async () => {
    const check = await pipelineFor(qdrant, cohere, 'book_not_there').qdrantCheck();
    expect(check.ok).toBe(true);
  });

  it('fails with a short reason when Cohere errs, is slow, refuses the key or is gone', async () => {
    cohere.fault({ path: '/v2/embed', status: 500, times: 1 });
    const failing = await pipelineFor(qdrant, cohere, collection).cohereCheck();
    expect(failing).toEqual({ ok: false, latencyMs: expect.any(Number), error: 'status 500' });

    cohere.fault({ path: '/v2/embed', latencyMs: 2_000, times: 1 });
    const started = performance.now();
    const slow = await pipelineFor(qdrant, cohere, collection, {}, { readinessTimeoutMs: 200 }).cohereCheck();
    expect(slow).toEqual({ ok: false, latencyMs: expect.any(Number), error: 'timeout' });
    expect(performance.now() - started).toBeLessThan(1_000);

    const refused = await pipelineFor(qdrant, cohere, collection, { COHERE_API_KEY: 'wrong-key' }).cohereCheck();
    expect(refused).toEqual({ ok: false, latencyMs: expect.any(Number), error: 'unauthorized' });

    const gone = await pipelineFor(qdrant, { url: deadUrl }, collection).cohereCheck();
    expect(gone).toEqual({ ok: false, latencyMs: expect.any(Number), error: 'unreachable' });
    for (const check of [failing, slow, refused, gone]) noLeaks(check);
  });

  it('fails with a short reason when Qdrant refuses the key or is gone', async () => {
    const refused = await pipelineFor(qdrant, cohere, collection, { QDRANT_API_KEY: 'wrong-key' }).qdrantCheck();
    expect(refused).toEqual({ ok: false, latencyMs: expect.any(Number), error: 'unauthorized' });
    const gone = await pipelineFor({ url: deadUrl }, cohere, collection).qdrantCheck();
    expect(gone).toEqual({ ok: false, latencyMs: expect.any(Number), error: 'unreachable' });
    for (const check of [refused, gone]) noLeaks(check);
  });

  it('reuses a passed Cohere check for a while, so polling does not spend the API quota', async () => {
    const pipeline = pipelineFor(qdrant, cohere, collection, {}, { cohereCheckCacheMs: 60_000 });
    expect((await pipeline.cohereCheck()).ok).toBe(true);
    cohere.fault({ path: '/v2/embed', status: 500 });
    expect(await pipeline.cohereCheck()).toEqual({ ok: true, latencyMs: 0 });
    expect(statuses('/v2/embed')).toEqual([200]);
  });
});
