/**
 * Shared by the Qdrant stand-in conformance tests: an in-process server that
 * records every exchange, and the check that each recorded response (and each
 * accepted request) matches Qdrant's published OpenAPI documents.
 */
import { QdrantClient } from '@qdrant/js-client-rest';
import { buildServer, type ServerOptions } from '../../../fixtures/standins/qdrant/src/server.ts';
import { OpenApiContract } from '../../support/openapi.ts';

type FastifyInstance = Awaited<ReturnType<typeof buildServer>>;

export interface Exchange {
  method: string;
  path: string;
  status: number;
  contentType: string;
  requestBody: unknown;
  responseBody: unknown;
}

export interface RunningStandin {
  url: string;
  app: FastifyInstance;
  exchanges: Exchange[];
  client: (apiKey?: string) => QdrantClient;
  close: () => Promise<void>;
}

/** v1.18 still documents POST /points/search, which v1.19 dropped from the document (not from the server). */
export const contracts = [
  new OpenApiContract('qdrant-openapi-v1.18.x.json'),
  new OpenApiContract('qdrant-openapi-v1.19.x.json'),
];

export async function startStandin(options: ServerOptions = {}): Promise<RunningStandin> {
  const app = await buildServer(options);
  const exchanges: Exchange[] = [];
  app.addHook('onSend', async (request, reply, payload) => {
    const contentType = String(reply.getHeader('content-type') ?? '');
    const text = typeof payload === 'string' ? payload : '';
    exchanges.push({
      method: request.method,
      path: request.url.split('?')[0]!,
      status: reply.statusCode,
      contentType,
      requestBody: request.body,
      responseBody: contentType.includes('application/json') && text ? JSON.parse(text) : text,
    });
    return payload;
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('stand-in did not bind a TCP port');
  const url = `http://127.0.0.1:${address.port}`;
  return {
    url,
    app,
    exchanges,
    client: (apiKey) => new QdrantClient({ url, apiKey, checkCompatibility: false }),
    close: () => app.close(),
  };
}

/**
 * Every JSON response against each document that has the operation, and every
 * request body the stand-in accepted. Skipped, with reason: plain-text answers
 * (health routes, and the 401 Qdrant's auth middleware sends as text) and routes
 * Qdrant does not have at all (the stand-in's 501 for them has no schema to meet).
 */
export function conformanceProblems(exchanges: Exchange[]): string[] {
  const problems: string[] = [];
  for (const exchange of exchanges) {
    if (!exchange.contentType.includes('application/json')) continue;
    let known = 0;
    for (const contract of contracts) {
      try {
        contract.operation(exchange.method, exchange.path);
      } catch {
        continue;
      }
      known++;
      const where = `${contract.file} ${exchange.method} ${exchange.path} ${exchange.status}`;
      const response = contract.validateResponse(
        exchange.method,
        exchange.path,
        exchange.status,
        exchange.responseBody,
      );
      problems.push(...response.errors.map((error) => `${where} response: ${error}`));
      const hasBody = exchange.requestBody !== undefined && exchange.requestBody !== null;
      if (hasBody && exchange.status < 300) {
        const request = contract.validateRequest(exchange.method, exchange.path, exchange.requestBody);
        problems.push(...request.errors.map((error) => `${where} request: ${error}`));
      }
    }
    if (known === 0 && exchange.status !== 501) {
      problems.push(`${exchange.method} ${exchange.path} answered ${exchange.status} but no Qdrant document has it`);
    }
  }
  return problems;
}

/** A raw call, for what the client hides (status codes, headers, malformed bodies). */
export async function call(
  url: string,
  method: string,
  path: string,
  options: { body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; contentType: string; body: unknown }> {
  const hasBody = options.body !== undefined || options.rawBody !== undefined;
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { ...(hasBody ? { 'content-type': 'application/json' } : {}), ...options.headers },
    body: options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
  });
  const contentType = response.headers.get('content-type') ?? '';
  const text = await response.text();
  return { status: response.status, contentType, body: contentType.includes('json') ? JSON.parse(text) : text };
}

/** What the JS client's error carries: openapi-typescript-fetch's ApiError with status and body. */
export async function clientError(promise: Promise<unknown>): Promise<{ status: number; data: unknown; error: Error }> {
  try {
    await promise;
  } catch (error) {
    const { status, data } = error as { status: number; data: unknown };
    return { status, data, error: error as Error };
  }
  throw new Error('expected the client call to fail');
}

/** A deterministic pseudo-random vector (mulberry32), so failures reproduce. */
export function seededVectors(seed: number, count: number, dims: number): number[][] {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Array.from({ length: count }, () => Array.from({ length: dims }, () => next() * 2 - 1));
}
