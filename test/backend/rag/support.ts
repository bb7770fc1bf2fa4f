/**
 * The RAG layer's tests run against both stand-ins in-process on 127.0.0.1:
 * the official clients talk to them exactly as they would to Qdrant and Cohere.
 */
import type { AddressInfo } from 'node:net';
import { QdrantClient } from '@qdrant/js-client-rest';
import { buildServer as buildCohere, type CohereStandin } from '../../../fixtures/standins/cohere/src/server.ts';
import type { RecordedRequest } from '../../../fixtures/standins/cohere/src/requests.ts';
import type { FaultSpec } from '../../../fixtures/standins/cohere/src/faults.ts';
import { buildServer as buildQdrant } from '../../../fixtures/standins/qdrant/src/server.ts';
import { createRagPipeline, type RagOverrides } from '../../../backend/src/rag/pipeline.ts';
import { ragSettings } from '../../../backend/src/rag/settings.ts';

export const qdrantKey = 'rag-test-qdrant-key-canary';
export const cohereKey = 'rag-test-cohere-key-canary';

type QdrantApp = Awaited<ReturnType<typeof buildQdrant>>;

export interface RunningQdrant {
  url: string;
  app: QdrantApp;
  /** `METHOD /path` of every request, in order. */
  calls: string[];
  client: QdrantClient;
  close(): Promise<void>;
}

export async function startQdrant(port = 0): Promise<RunningQdrant> {
  const app = await buildQdrant({ apiKey: qdrantKey });
  const calls: string[] = [];
  app.addHook('onRequest', async (request) => {
    calls.push(`${request.method} ${request.url.split('?')[0]!}`);
  });
  await app.listen({ host: '127.0.0.1', port });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return {
    url,
    app,
    calls,
    client: new QdrantClient({ url, apiKey: qdrantKey, checkCompatibility: false }),
    close: () => closeNow(app),
  };
}

export interface RunningCohere {
  url: string;
  app: CohereStandin;
  /** The JSON bodies the SDK sent, by path, so tests can read what reached the model. */
  bodies: { path: string; body: Record<string, unknown> }[];
  fetch: typeof fetch;
  requests(): RecordedRequest[];
  fault(spec: FaultSpec): void;
  reset(): void;
  close(): Promise<void>;
}

export async function startCohere(): Promise<RunningCohere> {
  const app = buildCohere({ apiKeys: [cohereKey] });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const bodies: RunningCohere['bodies'] = [];
  const recording: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    if (typeof init?.body === 'string') {
      bodies.push({ path: new URL(request.url).pathname, body: JSON.parse(init.body) as Record<string, unknown> });
    }
    return fetch(input, init);
  };
  return {
    url,
    app,
    bodies,
    fetch: recording,
    // The control API over HTTP, as a test against a container would use it.
    requests: () => app.requests.list(),
    fault: (spec) => {
      const fault = app.faults.add(spec);
      if (typeof fault === 'string') throw new Error(fault);
    },
    reset: () => {
      app.faults.clear();
      app.requests.clear();
      bodies.length = 0;
    },
    close: () => closeNow(app),
  };
}

/**
 * Stops a stand-in without waiting for requests the tests abandoned (a
 * client that timed out leaves the stand-in's handler sleeping on a fault).
 */
async function closeNow(app: { close(): Promise<unknown>; server: { closeAllConnections(): void } }): Promise<void> {
  const closing = app.close();
  app.server.closeAllConnections();
  await closing;
}

/** Retries fast enough for tests, still bounded the same way as in production. */
export const fastRetry = { maxRetries: 2, baseDelayMs: 10, maxDelayMs: 50, budgetMs: 3_000 };

export function environment(
  qdrant: { url: string },
  cohere: { url: string },
  collection: string,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  return {
    QDRANT_URL: qdrant.url,
    QDRANT_API_KEY: qdrantKey,
    QDRANT_COLLECTION: collection,
    COHERE_API_KEY: cohereKey,
    COHERE_BASE_URL: cohere.url,
    ...extra,
  };
}

export function pipelineFor(
  qdrant: { url: string },
  cohere: RunningCohere | { url: string; fetch?: typeof fetch },
  collection: string,
  extra: Record<string, string> = {},
  overrides: RagOverrides = {},
) {
  return createRagPipeline(ragSettings(environment(qdrant, cohere, collection, extra)), {
    retry: fastRetry,
    cohereCheckCacheMs: 0,
    ...('fetch' in cohere && cohere.fetch ? { fetch: cohere.fetch } : {}),
    ...overrides,
  });
}

/** Three short documents on unrelated topics: a question about one must be answered from that one. */
export const corpus = [
  {
    title: 'Lighthouses',
    file_path: 'lighthouses.md',
    url: 'https://book.example/lighthouses.md',
    text:
      '# Lighthouses\n\nA lighthouse keeper trimmed the lamp wick every evening before sunset. ' +
      'The fog horn sounded twice a minute whenever the coast was hidden.\n\n' +
      'Fresnel lenses bent the lamp light into a beam visible for twenty miles.',
  },
  {
    title: 'Sourdough',
    file_path: 'baking/sourdough.md',
    url: 'https://book.example/baking/sourdough.md',
    text:
      '# Sourdough\n\nA sourdough starter is fed with flour and water each day. ' +
      'Wild yeast and bacteria ferment the dough overnight, which gives the bread its sour taste.',
  },
  {
    title: 'Orbits',
    file_path: 'space/orbits.md',
    url: 'https://book.example/space/orbits.md',
    text:
      '# Orbits\n\nA satellite stays in orbit because it falls around the planet as fast as gravity pulls it down. ' +
      'Geostationary satellites circle the equator once per day.',
  },
];

/** Every point of a collection, in id order. */
export async function allPoints(client: QdrantClient, collection: string) {
  const { points } = await client.scroll(collection, { limit: 1000, with_payload: true, with_vector: false });
  return points;
}
