/**
 * The pure half of suite 4.2: the profile's expectations of each route, the
 * served OpenAPI document as a validator, readiness naming each dependency,
 * streamed WebSocket answers, the credentials a run reads and the collection
 * judgement, each with what a good and a broken target would produce. The
 * end-to-end proof is the fault variants in fixtures/faults and the suite
 * run against the reference and the seed-shaped target.
 */
import { describe, expect, it } from 'vitest';
import { profiles } from '../../../src/config/profiles.ts';
import { judgeAgainstProfile } from '../../../src/tasks/4.2-backend-functionality/expectations.ts';
import { OpenApiDocument } from '../../../src/tasks/4.2-backend-functionality/openapi.ts';
import {
  declaredDependencies,
  judgeReadiness,
  probeReadinessReportsDependencies,
} from '../../../src/tasks/4.2-backend-functionality/readiness.ts';
import type { RoleObservation, RouteTour } from '../../../src/tasks/4.2-backend-functionality/routes.ts';
import { credentialsFrom, judgeCollection, sslFor } from '../../../src/tasks/4.2-backend-functionality/services.ts';
import { judgeStream } from '../../../src/tasks/4.2-backend-functionality/websocket.ts';

const reference = profiles.reference;
const seed = profiles.seed;
const id = '4de426c4-d37c-4943-b37f-e6c00894d134';
const question = 'What does the book say about health checks?';

function seen(
  role: RoleObservation['role'],
  method: string,
  path: string,
  status: number,
  body: unknown,
): RoleObservation {
  return { role, method, path, status, body, text: JSON.stringify(body) ?? '' };
}

function goodTour(
  answer: Record<string, unknown> = { answer: 'Use /health.', sources: ['Health'], conversation_id: id },
) {
  const error = { error: { code: 'bad_request', message: 'query is required', request_id: 'r1' } };
  const tour: RouteTour = {
    question,
    unanswered: [],
    cleanup: 'deleted',
    observations: [
      seen('health', 'GET', '/health', 200, { status: 'ok', version: '1', commit: 'abc', uptimeSeconds: 3 }),
      seen('ready', 'GET', '/health/ready', 200, { status: 'ready', checks: { postgres: { ok: true, latencyMs: 1 } } }),
      seen('query', 'POST', '/api/v1/query', 200, answer),
      seen('query-invalid', 'POST', '/api/v1/query', 400, error),
      seen('conversation', 'GET', `/api/v1/conversations/${id}`, 200, {
        id,
        messages: [{ content: question }, { content: 'Use /health.' }],
      }),
      seen('conversation-delete', 'DELETE', `/api/v1/conversations/${id}`, 204, undefined),
      seen('conversation-deleted', 'GET', `/api/v1/conversations/${id}`, 404, { error: { code: 'nf', message: 'no' } }),
    ],
  };
  return tour;
}

describe('routes judged by the profile', () => {
  it('accepts routes in the shape the profile expects', () => {
    expect(judgeAgainstProfile(goodTour(), reference)).toEqual([]);
  });

  it('refuses a renamed answer field, whatever the target documents', () => {
    const problems = judgeAgainstProfile(
      goodTour({ reply: 'Use /health.', sources: [], conversation_id: id }),
      reference,
    );
    expect(problems.join('\n')).toContain("must have required property 'answer'");
  });

  it('refuses a bad request answered 200 with an error text', () => {
    const tour = goodTour();
    tour.observations[3] = seen('query-invalid', 'POST', '/api/v1/query', 200, {
      answer: 'Error: invalid',
      sources: [],
    });
    expect(judgeAgainstProfile(tour, reference).join('\n')).toContain('answered 200, expected 400 or 422');
  });

  it('wants the health fields the profile names, and only those the seed declares for the seed', () => {
    const tour = goodTour();
    tour.observations[0] = seen('health', 'GET', '/health', 200, { status: 'ok' });
    expect(judgeAgainstProfile(tour, reference).join('\n')).toContain("must have required property 'version'");
    expect(judgeAgainstProfile(tour, seed)).toEqual([]);
  });

  it('wants a deleted conversation gone', () => {
    const tour = goodTour();
    tour.observations[6] = seen('conversation-deleted', 'GET', `/api/v1/conversations/${id}`, 200, { id });
    expect(judgeAgainstProfile(tour, reference).join('\n')).toContain('expected 404');
  });
});

describe('routes judged by the served OpenAPI document', () => {
  const document = OpenApiDocument.parse({
    openapi: '3.0.3',
    paths: {
      '/api/v1/query': {
        post: {
          responses: {
            200: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Answer' } } } },
            '4XX': { content: { 'application/json': { schema: { type: 'object', required: ['error'] } } } },
          },
        },
      },
      '/api/v1/conversations/{id}': { delete: { responses: { 204: { description: 'deleted' } } } },
    },
    components: {
      schemas: {
        Answer: {
          type: 'object',
          required: ['answer'],
          properties: { answer: { type: 'string' }, note: { type: 'string', nullable: true } },
        },
      },
    },
  });

  it('accepts what the document describes, following $ref, 4XX and nullable', () => {
    expect(document.disagreements(seen('query', 'POST', '/api/v1/query', 200, { answer: 'x', note: null }))).toEqual(
      [],
    );
    expect(document.disagreements(seen('query-invalid', 'POST', '/api/v1/query', 422, { error: {} }))).toEqual([]);
    expect(
      document.disagreements(seen('conversation-delete', 'DELETE', `/api/v1/conversations/${id}`, 204, undefined)),
    ).toEqual([]);
  });

  it('names a body the document refuses, an undeclared status and an undocumented route', () => {
    expect(document.disagreements(seen('query', 'POST', '/api/v1/query', 200, { reply: 'x' })).join()).toContain(
      "must have required property 'answer'",
    );
    expect(document.disagreements(seen('query', 'POST', '/api/v1/query', 503, {})).join()).toContain('declares only');
    expect(document.disagreements(seen('health', 'GET', '/health', 200, {})).join()).toContain('describes no GET');
  });

  it('keeps a required field the document does not describe (the converter would drop it)', () => {
    const loose = OpenApiDocument.parse({
      openapi: '3.0.3',
      paths: {
        '/health': {
          get: {
            responses: {
              200: {
                content: {
                  'application/json': {
                    schema: { type: 'object', required: ['reply'], properties: { answer: { type: 'string' } } },
                  },
                },
              },
            },
          },
        },
      },
    });
    expect(loose.disagreements(seen('health', 'GET', '/health', 200, { answer: 'x' })).join()).toContain(
      "must have required property 'reply'",
    );
  });

  it('refuses a body that is not an OpenAPI 3 document', () => {
    expect(() => OpenApiDocument.parse({ swagger: '2.0', paths: {} })).toThrow(/not an OpenAPI 3 document/);
    expect(() => OpenApiDocument.parse('<html>')).toThrow(/not a JSON object/);
  });
});

describe('readiness', () => {
  const all = declaredDependencies(reference);
  const ok = { ok: true, latencyMs: 3 };

  it('names the database, Qdrant and Cohere for the reference, the database alone for a target without services', () => {
    expect(all).toEqual(['postgres', 'qdrant', 'cohere']);
    expect(
      declaredDependencies({ ...seed, database: reference.database, api: { ...seed.api, qdrant: null, cohere: null } }),
    ).toEqual(['postgres']);
  });

  it('accepts every dependency reported with ok and latency', () => {
    expect(judgeReadiness(200, { checks: { postgres: ok, qdrant: ok, cohere: ok } }, all)).toEqual([]);
    expect(
      judgeReadiness(503, { checks: { postgres: ok, qdrant: { ok: false, latencyMs: 0 }, cohere: ok } }, all),
    ).toEqual([]);
  });

  it('fails a target without a readiness route, saying why, without asking anything', async () => {
    const verdict = await probeReadinessReportsDependencies('http://127.0.0.1:9', seed, 1_000);
    expect(verdict.status).toBe('failed');
    expect(verdict.message).toContain('answers 200 whatever happens to them, which tells the platform nothing');
  });

  it('refuses a dependency left out, a missing latency, and a status that does not follow the checks', () => {
    expect(judgeReadiness(200, { checks: { postgres: ok, cohere: ok } }, all)).toEqual([
      '"qdrant" is not reported (the target uses it)',
    ]);
    expect(judgeReadiness(200, { checks: { postgres: { ok: true }, qdrant: ok, cohere: ok } }, all).join()).toContain(
      'latencyMs',
    );
    expect(judgeReadiness(200, { checks: { postgres: ok, qdrant: { ok: false }, cohere: ok } }, all).join()).toContain(
      'answered 200 while a dependency is not ok',
    );
    expect(judgeReadiness(503, { checks: { postgres: ok, qdrant: ok, cohere: ok } }, all).join()).toContain(
      'every reported dependency is ok',
    );
    expect(judgeReadiness(200, { status: 'ok' }, all)).toEqual([
      'the body has no "checks" object naming the dependencies',
    ]);
  });
});

describe('streamed WebSocket answers', () => {
  const delta = (content: string) => ({ type: 'delta', content });
  const response = { type: 'response', message: 'Stop on SIGTERM.', sources: [] };

  it('accepts deltas that add up to the response', () => {
    expect(judgeStream([delta('Stop '), delta('on SIGTERM.'), response], reference)).toEqual([]);
  });

  it('refuses a whole answer of several words sent as one delta: buffered, not streamed', () => {
    const long = { ...response, message: 'Finish the answers in flight, then exit.' };
    expect(judgeStream([delta(long.message), long], reference).join()).toContain('came in one "delta" frame');
    expect(judgeStream([delta('Finish the answers '), delta('in flight, then exit.'), long], reference)).toEqual([]);
  });

  it('refuses no deltas, deltas that do not add up, and frames after the response', () => {
    expect(judgeStream([response], reference).join()).toContain('no "delta" frame came before the "response"');
    expect(judgeStream([delta('Stop'), response], reference).join()).toContain('do not add up');
    expect(judgeStream([delta('Stop on SIGTERM.'), response, delta('x')], reference).join()).toContain('followed');
  });
});

describe('credentials and the collection', () => {
  it('reads the target variables, and says which are missing per service', () => {
    const credentials = credentialsFrom(
      reference,
      {
        DATABASE_URL: 'postgres://u:p@h/db',
        QDRANT_URL: 'http://q:6333',
        QDRANT_COLLECTION: 'book',
        COHERE_API_KEY: 'k',
      },
      (name) => `SHIPSHAPE_${name}`,
    );
    expect(credentials.database?.url).toBe('postgres://u:p@h/db');
    expect(credentials.cohere).toEqual({ apiKey: 'k', embedModel: 'embed-english-v3.0' });
    expect(credentials.qdrant).toBeUndefined();
    expect(credentials.missing).toEqual({ qdrant: 'no credentials: set SHIPSHAPE_QDRANT_API_KEY' });
  });

  it('asks nothing of a service the target does not use', () => {
    const credentials = credentialsFrom(
      { database: null, api: { ...seed.api, qdrant: null, cohere: null } },
      {},
      (n) => n,
    );
    expect(credentials).toEqual({ missing: {} });
  });

  it('judges the collection by existence, vector size and points', () => {
    expect(judgeCollection('book', { exists: true, vectorSize: 1024, points: 3 }, 1024)).toEqual([]);
    expect(judgeCollection('book', { exists: false }, 1024)).toEqual([
      'qdrant: the configured collection "book" does not exist',
    ]);
    expect(judgeCollection('book', { exists: true, vectorSize: 384, points: 3 }, 1024).join()).toContain(
      'holds vectors of size 384, but the embedding model produces 1024',
    );
    expect(judgeCollection('book', { exists: true, vectorSize: 1024, points: 0 }, 1024).join()).toContain(
      'holds no points',
    );
  });

  it("maps libpq's sslmode as Railway's self-signed certificate needs", () => {
    expect(sslFor('require')).toEqual({ rejectUnauthorized: false });
    expect(sslFor('verify-full')).toEqual({ rejectUnauthorized: true });
    expect(sslFor('disable')).toBe(false);
  });
});
