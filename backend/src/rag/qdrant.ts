import { QdrantClient, QdrantClientTimeoutError } from '@qdrant/js-client-rest';
import { UpstreamError, type DependencyCheck } from '../contracts.ts';

export interface QdrantStoreOptions {
  url: string;
  apiKey: string;
  collection: string;
  /** Per-request timeout. */
  timeoutMs?: number;
}

/** What each point carries, so an answer can cite its source without another lookup. */
// A type, not an interface: the client's payload type needs the implicit index signature.
export type ChunkPayload = {
  text: string;
  title: string;
  file_path: string;
  url: string;
  document_id: string;
  chunk_index: number;
};

export interface ChunkPoint {
  id: string;
  vector: number[];
  payload: ChunkPayload;
}

export interface ScoredChunk extends ChunkPayload {
  score: number;
}

/** The collection exists with another vector size: the embedding model changed since it was filled. */
export class CollectionDimensionError extends Error {
  override name = 'CollectionDimensionError';
  readonly collection: string;
  readonly expected: number;
  readonly actual: number;
  constructor(collection: string, expected: number, actual: number, model?: string) {
    super(
      `Qdrant collection '${collection}' holds vectors of size ${actual}, but ${model ? `the embedding model ${model}` : 'the embedding model'} ` +
        `produces ${expected}: use another QDRANT_COLLECTION, or delete the collection and ingest again`,
    );
    this.collection = collection;
    this.expected = expected;
    this.actual = actual;
  }
}

/** One Qdrant collection, through the official client; every failure leaves as an UpstreamError. */
export class QdrantStore {
  readonly collection: string;
  private readonly client: QdrantClient;

  constructor(options: QdrantStoreOptions) {
    this.collection = options.collection;
    // The compatibility check is one more request at start-up, and it warns (not fails) on a mismatch anyway.
    // The key goes in as a header: given as apiKey over http (Railway's private network is http), the client
    // prints a plain-text warning to stderr, which breaks the JSON-only log contract (suite 3.1).
    this.client = new QdrantClient({
      url: options.url,
      headers: { 'api-key': options.apiKey },
      checkCompatibility: false,
      timeout: options.timeoutMs ?? 10_000,
    });
  }

  /**
   * Creates the collection (cosine, `size`) when missing; when it exists with
   * another size, fails with CollectionDimensionError before anything is written.
   */
  async ensureCollection(size: number, model?: string): Promise<'created' | 'exists'> {
    const existing = await this.vectorSize();
    if (existing === undefined) {
      try {
        await this.client.createCollection(this.collection, { vectors: { size, distance: 'Cosine' } });
        return 'created';
      } catch (error) {
        // Another ingest created it between our check and our create: fall through and compare sizes.
        if (statusOf(error) !== 409) throw toUpstreamError(error, 'create collection');
      }
    }
    const actual = existing ?? (await this.vectorSize());
    if (actual !== size) throw new CollectionDimensionError(this.collection, size, actual ?? 0, model);
    return 'exists';
  }

  async upsert(points: ChunkPoint[]): Promise<void> {
    if (points.length === 0) return;
    try {
      await this.client.upsert(this.collection, { wait: true, points });
    } catch (error) {
      throw toUpstreamError(error, 'upsert');
    }
  }

  /** Drops a document's chunks from `keep` on: what is left of an earlier, longer version of it. */
  async deleteChunksFrom(documentId: string, keep: number): Promise<void> {
    try {
      await this.client.delete(this.collection, {
        wait: true,
        filter: {
          must: [
            { key: 'document_id', match: { value: documentId } },
            { key: 'chunk_index', range: { gte: keep } },
          ],
        },
      });
    } catch (error) {
      throw toUpstreamError(error, 'delete stale chunks');
    }
  }

  /** The `limit` nearest chunks, best first; none when the collection does not exist yet (nothing ingested). */
  async search(vector: number[], limit: number): Promise<ScoredChunk[]> {
    try {
      const response = await this.client.query(this.collection, { query: vector, limit, with_payload: true });
      return response.points.map((point) => ({ ...toPayload(point.payload), score: point.score }));
    } catch (error) {
      if (statusOf(error) === 404) return [];
      throw toUpstreamError(error, 'query');
    }
  }

  async count(): Promise<number> {
    try {
      return (await this.client.count(this.collection, { exact: true })).count;
    } catch (error) {
      throw toUpstreamError(error, 'count');
    }
  }

  /** Readiness: Qdrant answers an authenticated call in time. A missing collection is fine (ingest creates it). */
  async check(timeoutMs = 2_000): Promise<DependencyCheck> {
    const started = performance.now();
    const latency = () => Math.round(performance.now() - started);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    try {
      const outcome = await Promise.race([this.client.collectionExists(this.collection), deadline]);
      if (outcome === 'timeout') return { ok: false, latencyMs: latency(), error: 'timeout' };
      return { ok: true, latencyMs: latency() };
    } catch (error) {
      const status = statusOf(error);
      const reason =
        status === undefined
          ? error instanceof QdrantClientTimeoutError
            ? 'timeout'
            : 'unreachable'
          : status === 401 || status === 403
            ? 'unauthorized'
            : `status ${status}`;
      return { ok: false, latencyMs: latency(), error: reason };
    } finally {
      clearTimeout(timer);
    }
  }

  private async vectorSize(): Promise<number | undefined> {
    let info;
    try {
      const { exists } = await this.client.collectionExists(this.collection);
      if (!exists) return undefined;
      info = await this.client.getCollection(this.collection);
    } catch (error) {
      throw toUpstreamError(error, 'read collection');
    }
    const size = (info.config.params.vectors as { size?: unknown } | undefined)?.size;
    if (typeof size === 'number') return size;
    throw new Error(`Qdrant collection '${this.collection}' uses named vectors; this backend needs one unnamed vector`);
  }
}

function toPayload(payload: Record<string, unknown> | null | undefined): ChunkPayload {
  const text = (key: string) => (typeof payload?.[key] === 'string' ? (payload[key] as string) : '');
  return {
    text: text('text'),
    title: text('title'),
    file_path: text('file_path'),
    url: text('url'),
    document_id: text('document_id'),
    chunk_index: typeof payload?.chunk_index === 'number' ? payload.chunk_index : 0,
  };
}

/** openapi-typescript-fetch's ApiError carries `status`; a refused connection has none. */
function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

/** Qdrant's `{status:{error}}` text; never the request URL, which names the host. */
function qdrantMessage(error: unknown): string {
  const data = (error as { data?: { status?: { error?: unknown } } }).data;
  const message = typeof data?.status?.error === 'string' ? data.status.error : '';
  return message.length > 200 ? `${message.slice(0, 200)}…` : message;
}

function toUpstreamError(error: unknown, what: string): UpstreamError {
  if (error instanceof UpstreamError) return error;
  if (error instanceof QdrantClientTimeoutError)
    return new UpstreamError('qdrant', 'upstream_unavailable', `${what} timed out`);
  const status = statusOf(error);
  if (status === undefined) {
    const cause = (error as { cause?: { code?: unknown } }).cause;
    const code = typeof cause?.code === 'string' ? ` (${cause.code})` : '';
    return new UpstreamError('qdrant', 'upstream_unavailable', `${what} got no answer${code}`);
  }
  if (status === 401 || status === 403) {
    return new UpstreamError('qdrant', 'upstream_error', `${what} answered ${status}: the API key was refused`);
  }
  const code = status >= 500 || status === 429 ? 'upstream_unavailable' : 'upstream_error';
  return new UpstreamError('qdrant', code, `${what} answered ${status}: ${qdrantMessage(error)}`);
}
