/**
 * Shared pieces of the Cohere stand-in conformance tests: an in-process
 * server, and a fetch that checks every request and response the tests (and
 * the official client) exchange with it against Cohere's OpenAPI document,
 * stream events included.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { CohereClient, CohereClientV2 } from 'cohere-ai';
import YAML from 'yaml';
import { buildServer, type CohereStandin, type ServerOptions } from '../../../fixtures/standins/cohere/src/server.ts';
import { OpenApiContract, specsDir } from '../../support/openapi.ts';

export const apiKey = 'standin-test-key';

type Json = Record<string, unknown>;

/** The project's contract helper on Cohere's document (it reads discriminator mappings as if/then). */
export const contract = new OpenApiContract('cohere-openapi.yaml');

const cohereDocument = YAML.parse(readFileSync(path.join(specsDir, 'cohere-openapi.yaml'), 'utf8')) as Json;

/**
 * Stream events validated against the component their type names, as the
 * spec's `x-fern-streaming` discriminator maps them. (The response's own
 * `oneOf` cannot be used for events: their schemas overlap, and it omits the
 * citation events its discriminator lists.)
 */
class StreamEventSchemas {
  private readonly mappings: Record<'v1' | 'v2', Record<string, string>>;

  constructor() {
    const mapping = (route: string) => {
      const operation = (cohereDocument.paths as Record<string, { post: Json }>)[route]!.post;
      const streaming = operation['x-fern-streaming'] as { 'response-stream': Json };
      return (streaming['response-stream'].discriminator as { mapping: Record<string, string> }).mapping;
    };
    this.mappings = { v1: mapping('/v1/chat'), v2: mapping('/v2/chat') };
  }

  validate(version: 'v1' | 'v2', event: Json): string[] {
    const type = String(version === 'v2' ? event.type : event.event_type);
    const ref = this.mappings[version][type];
    if (!ref) return [`${version} stream event type ${type} is not in the spec`];
    return contract.validateComponent(ref, event).map((error) => `${type}${error === '/' ? '' : ` ${error}`}`);
  }
}

export const streamSchemas = new StreamEventSchemas();

export interface Exchange {
  method: string;
  path: string;
  status: number;
  body: unknown;
  /** Stream events in order, for streamed answers. */
  events?: Json[];
  /** Contract violations of the request and the response; empty when both conform. */
  errors: string[];
  headers: Headers;
}

/** Parses the v2 SSE framing: `event:`/`data:` lines, blank line between events. */
export function parseSse(text: string): { event?: string; data: string }[] {
  return text
    .split(/\n\n/)
    .filter((block) => block.trim())
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((line) => line.startsWith('event: '))?.slice('event: '.length);
      const data = lines
        .filter((line) => line.startsWith('data: '))
        .map((line) => line.slice('data: '.length))
        .join('\n');
      return event === undefined ? { data } : { event, data };
    });
}

function knownOperation(method: string, route: string): boolean {
  try {
    contract.operation(method, route);
    return true;
  } catch {
    return false;
  }
}

/** A fetch that records every exchange with the stand-in and checks it against the contract. */
export function validatingFetch(log: Exchange[]): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const method = request.method.toLowerCase();
    const requestText = init?.body === undefined ? '' : await request.clone().text();
    const response = await fetch(request);
    const text = await response.clone().text();
    const errors: string[] = [];
    const cohere = /^\/v\d+\//.test(url.pathname);
    // A request the stand-in accepted must be one the spec allows; refused ones are often wrong on purpose.
    if (cohere && requestText && response.ok) {
      const requestBody: unknown = JSON.parse(requestText);
      errors.push(...contract.validateRequest(method, url.pathname, requestBody).errors.map((e) => `request ${e}`));
    }
    const type = response.headers.get('content-type') ?? '';
    let body: unknown = text;
    let events: Json[] | undefined;
    if (type.startsWith('text/event-stream')) {
      const frames = parseSse(text);
      const last = frames.at(-1);
      if (last?.data !== '[DONE]') errors.push('stream does not end with data: [DONE]');
      events = frames.filter((frame) => frame.data !== '[DONE]').map((frame) => JSON.parse(frame.data) as Json);
      frames.forEach((frame, index) => {
        if (frame.data !== '[DONE]' && frame.event !== events![index]!.type) {
          errors.push(`event line ${frame.event} differs from data type ${String(events![index]!.type)}`);
        }
      });
      for (const event of events) errors.push(...streamSchemas.validate('v2', event));
    } else if (type.startsWith('application/stream+json')) {
      events = text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Json);
      for (const event of events) errors.push(...streamSchemas.validate('v1', event));
    } else if (type.startsWith('application/json')) {
      body = JSON.parse(text);
      if (cohere && knownOperation(method, url.pathname)) {
        errors.push(...contract.validateResponse(method, url.pathname, response.status, body).errors);
      } else if (cohere && typeof (body as Json).message !== 'string') {
        // A path Cohere's document lacks (/v2/classify) can only be refused, in Cohere's error shape.
        errors.push(`${url.pathname} is not in the spec and its answer is not {"message": ...}`);
      }
    }
    log.push({ method, path: url.pathname, status: response.status, body, events, errors, headers: response.headers });
    return response;
  };
}

export interface RunningStandin {
  app: CohereStandin;
  baseUrl: string;
  exchanges: Exchange[];
  fetch: typeof fetch;
  v2: CohereClientV2;
  v1: CohereClient;
  /** POST a JSON body straight to the stand-in, with the test key unless told otherwise. */
  post(path: string, body: unknown, token?: string | null): Promise<{ status: number; body: Json; headers: Headers }>;
  close(): Promise<void>;
}

export async function startStandin(options: ServerOptions = { apiKeys: [apiKey] }): Promise<RunningStandin> {
  const app = buildServer(options);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return clientsFor(baseUrl, app);
}

export function clientsFor(baseUrl: string, app?: CohereStandin): RunningStandin {
  const exchanges: Exchange[] = [];
  const checked = validatingFetch(exchanges);
  return {
    app: app!,
    baseUrl,
    exchanges,
    fetch: checked,
    v2: new CohereClientV2({ token: apiKey, environment: baseUrl, fetch: checked }),
    v1: new CohereClient({ token: apiKey, environment: baseUrl, fetch: checked }),
    async post(route, body, token = apiKey) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (token !== null) headers.authorization = `Bearer ${token}`;
      const response = await checked(`${baseUrl}${route}`, { method: 'POST', headers, body: JSON.stringify(body) });
      return { status: response.status, body: (await response.json()) as Json, headers: response.headers };
    },
    async close() {
      await app?.close();
    },
  };
}

export function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
}

/** The contract problems of every exchange so far, for an afterEach assertion. */
export function contractProblems(exchanges: Exchange[]): string[] {
  return exchanges.flatMap((exchange) =>
    exchange.errors.map((error) => `${exchange.method.toUpperCase()} ${exchange.path} ${exchange.status}: ${error}`),
  );
}
