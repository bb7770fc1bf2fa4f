import { progress } from '../../src/support/progress.ts';
import type { BenchEnvironment } from './environment.ts';
import { measure, rotatingJsonPost, warmUp, type LoadSettings, type RouteResult } from './load.ts';

const embedModel = 'embed-english-v3.0';
const chatModel = 'command-a-03-2025';

interface Chunk {
  payload: { title: string; url: string; text: string };
}

/**
 * The three upstream calls a query makes, each loaded on its own at the same
 * concurrency with the bodies the backend sends: if one of them alone is near
 * the query's latency, the time is there and not in the backend.
 */
export async function profileStandins(
  env: BenchEnvironment,
  settings: LoadSettings,
  questions: readonly string[],
): Promise<RouteResult[]> {
  const { cohereUrl, cohereKey, qdrantUrl, qdrantKey, collection } = env.standins;
  const cohereHeaders = { 'content-type': 'application/json', authorization: `Bearer ${cohereKey}` };
  const qdrantHeaders = { 'content-type': 'application/json', 'api-key': qdrantKey };
  const embedBodies = questions.map((question) => ({
    texts: [question],
    model: embedModel,
    input_type: 'search_query',
    embedding_types: ['float'],
  }));
  const searchBodies: unknown[] = [];
  const chatBodies: unknown[] = [];
  for (const [index, question] of questions.entries()) {
    const embedded = await post(`${cohereUrl}/v2/embed`, cohereHeaders, embedBodies[index]);
    const vector = (embedded as { embeddings: { float: number[][] } }).embeddings.float[0]!;
    const search = { query: vector, limit: 5, with_payload: true };
    searchBodies.push(search);
    const found = await post(`${qdrantUrl}/collections/${collection}/points/query`, qdrantHeaders, search);
    const points = (found as { result: { points: Chunk[] } }).result.points;
    chatBodies.push({
      model: chatModel,
      messages: [
        { role: 'system', content: 'You answer questions from readers of a book, using only the provided documents.' },
        { role: 'user', content: question },
      ],
      documents: points.map((point, i) => ({ id: `chunk-${i}`, data: point.payload })),
    });
  }
  const targets = [
    { route: 'cohere POST /v2/embed', url: cohereUrl, path: '/v2/embed', headers: cohereHeaders, bodies: embedBodies },
    {
      route: 'qdrant POST /points/query',
      url: qdrantUrl,
      path: `/collections/${collection}/points/query`,
      headers: qdrantHeaders,
      bodies: searchBodies,
    },
    { route: 'cohere POST /v2/chat', url: cohereUrl, path: '/v2/chat', headers: cohereHeaders, bodies: chatBodies },
  ];
  const results: RouteResult[] = [];
  for (const target of targets) {
    progress(`profiling ${target.route}: ${settings.warmupSeconds} s warm-up, then ${settings.durationSeconds} s`);
    const load = {
      route: target.route,
      url: target.url,
      next: rotatingJsonPost(target.path, target.bodies, target.headers),
    };
    await warmUp(load, settings);
    results.push(await measure(load, settings));
  }
  return results;
}

async function post(url: string, headers: Record<string, string>, body: unknown): Promise<unknown> {
  const response = await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${await response.text()}`);
  return response.json();
}
