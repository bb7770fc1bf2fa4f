import type {
  Answer,
  AnswerOptions,
  AnswerRequest,
  AnswerService,
  Citation,
  DependencyCheck,
  IngestDocument,
  IngestResult,
  IngestService,
  DependencyObserver,
  ReadinessChecks,
} from '../contracts.ts';
import { unobserved } from '../contracts.ts';
import { chunkText, type ChunkOptions } from './chunk.ts';
import { CohereGateway, embedBatchSize, type ChatDocument, type CohereGatewayOptions } from './cohere.ts';
import { chunkId } from './ids.ts';
import { QdrantStore, type ChunkPoint, type QdrantStoreOptions, type ScoredChunk } from './qdrant.ts';
import type { RetryPolicy } from './retry.ts';
import type { RagSettings } from './settings.ts';

export interface RagPipelineOptions {
  cohere: CohereGateway;
  qdrant: QdrantStore;
  /** Chunks retrieved per question. */
  topK?: number;
  chunk?: ChunkOptions;
  /** Citations shown when the model cited nothing: the best retrieved chunks. */
  fallbackCitations?: number;
  /** Bound on each readiness check. */
  readinessTimeoutMs?: number;
  /**
   * How long a passed Cohere check is reused: each check is a billed embed
   * call, and a monitor polling /health/ready would spend a trial key's quota.
   */
  cohereCheckCacheMs?: number;
  /** Times each Qdrant and Cohere call for /metrics. */
  observe?: DependencyObserver;
}

/** System message: answer from the book's passages only, which is what the citations are for. */
const instructions =
  'You answer questions from readers of a book, using only the provided documents (passages of the book). ' +
  'If they do not contain the answer, say so briefly instead of guessing.';

export const emptyKnowledgeBaseAnswer =
  'No documents have been ingested yet, so there is nothing to answer from. Ingest the book first.';

const snippetLength = 300;

/** The question sent to the model: a highlighted passage narrows it, as the original frontend intends. */
export function composeQuestion(request: AnswerRequest): string {
  const selected = request.selectedText?.trim();
  return selected ? `Regarding this passage: ${selected}\n\nQuestion: ${request.query}` : request.query;
}

/** Retrieval looks for the passage's neighbourhood too, not just the question's words. */
export function retrievalText(request: AnswerRequest): string {
  const selected = request.selectedText?.trim();
  return selected ? `${request.query}\n\n${selected}` : request.query;
}

export class RagPipeline implements AnswerService, IngestService {
  private readonly cohere: CohereGateway;
  private readonly qdrant: QdrantStore;
  private readonly topK: number;
  private readonly chunkOptions: ChunkOptions;
  private readonly fallbackCitations: number;
  private readonly readinessTimeoutMs: number;
  private readonly cohereCheckCacheMs: number;
  private lastCohereOk = Number.NEGATIVE_INFINITY;
  private readonly observe: DependencyObserver;

  constructor(options: RagPipelineOptions) {
    this.cohere = options.cohere;
    this.qdrant = options.qdrant;
    this.topK = options.topK ?? 5;
    this.chunkOptions = options.chunk ?? { size: 800, overlap: 150 };
    this.fallbackCitations = options.fallbackCitations ?? 3;
    this.readinessTimeoutMs = options.readinessTimeoutMs ?? 2_000;
    this.cohereCheckCacheMs = options.cohereCheckCacheMs ?? 30_000;
    this.observe = options.observe ?? unobserved;
  }

  async ingest(documents: IngestDocument[], onProgress?: (done: number, total: number) => void): Promise<IngestResult> {
    const chunked = documents.map((document) => ({
      id: documentId(document),
      document,
      chunks: chunkText(document.text, this.chunkOptions),
    }));
    const points: Omit<ChunkPoint, 'vector'>[] = chunked.flatMap(({ id, document, chunks }) =>
      chunks.map((text, index) => ({
        id: chunkId(id, index),
        payload: {
          text,
          title: document.title,
          file_path: document.file_path ?? '',
          url: document.url ?? '',
          document_id: id,
          chunk_index: index,
        },
      })),
    );
    const total = points.length;
    // Known sizes are checked before the first (billed) embed call; others are learned from the first batch.
    let ensured = false;
    if (this.cohere.embedDimension !== undefined) {
      const size = this.cohere.embedDimension;
      await this.observe('qdrant', 'ensure_collection', () =>
        this.qdrant.ensureCollection(size, this.cohere.embedModel),
      );
      ensured = true;
    }
    onProgress?.(0, total);
    for (let start = 0; start < total; start += embedBatchSize) {
      const batch = points.slice(start, start + embedBatchSize);
      // The title goes into the embedded text so a chunk is found by what its chapter is about.
      const vectors = await this.observe('cohere', 'embed', () =>
        this.cohere.embed(
          batch.map((point) => `${point.payload.title}\n\n${point.payload.text}`),
          'search_document',
        ),
      );
      if (!ensured) {
        await this.observe('qdrant', 'ensure_collection', () =>
          this.qdrant.ensureCollection(vectors[0]!.length, this.cohere.embedModel),
        );
        ensured = true;
      }
      await this.observe('qdrant', 'upsert', () =>
        this.qdrant.upsert(batch.map((point, index) => ({ ...point, vector: vectors[index]! }))),
      );
      onProgress?.(start + batch.length, total);
    }
    for (const { id, chunks } of chunked) await this.qdrant.deleteChunksFrom(id, chunks.length);
    return { documents: documents.length, chunks: total };
  }

  async answer(request: AnswerRequest, options: AnswerOptions = {}): Promise<Answer> {
    const { signal, onDelta } = options;
    const [vector] = await this.observe('cohere', 'embed', () =>
      this.cohere.embed([retrievalText(request)], 'search_query', signal),
    );
    const retrieved = await this.observe('qdrant', 'search', () => this.qdrant.search(vector!, this.topK));
    if (retrieved.length === 0) {
      onDelta?.(emptyKnowledgeBaseAnswer);
      return { answer: emptyKnowledgeBaseAnswer, sources: [], citations: [] };
    }
    const documents: ChatDocument[] = retrieved.map((chunk, index) => ({
      id: `chunk-${index}`,
      title: chunk.title,
      url: chunk.url,
      text: chunk.text,
    }));
    const result = await this.observe('cohere', 'chat', () =>
      this.cohere.chat(composeQuestion(request), documents, {
        instructions,
        signal,
        ...(onDelta ? { onDelta } : {}),
      }),
    );
    const cited = new Set(result.citedDocumentIds.flat());
    // Retrieval order is relevance order, so filtering keeps the citations ranked.
    let chosen = retrieved.filter((_chunk, index) => cited.has(`chunk-${index}`));
    if (chosen.length === 0) chosen = retrieved.slice(0, this.fallbackCitations);
    const citations = chosen.map(toCitation);
    return { answer: result.text, sources: [...new Set(citations.map(sourceLabel))], citations };
  }

  qdrantCheck(): Promise<DependencyCheck> {
    return this.qdrant.check(this.readinessTimeoutMs);
  }

  /** The two probes in the shape /health/ready takes (it adds postgres). */
  readinessChecks(): Pick<ReadinessChecks, 'qdrant' | 'cohere'> {
    return { qdrant: () => this.qdrantCheck(), cohere: () => this.cohereCheck() };
  }

  async cohereCheck(): Promise<DependencyCheck> {
    if (performance.now() - this.lastCohereOk < this.cohereCheckCacheMs) return { ok: true, latencyMs: 0 };
    const check = await this.cohere.check(this.readinessTimeoutMs);
    if (check.ok) this.lastCohereOk = performance.now();
    return check;
  }
}

/** A stable identity across re-ingests: the caller's id, else where the document lives, else its title. */
function documentId(document: IngestDocument): string {
  return document.id ?? (document.file_path || document.url || document.title);
}

function toCitation(chunk: ScoredChunk): Citation {
  return {
    title: chunk.title,
    url: chunk.url,
    file_path: chunk.file_path,
    score: chunk.score,
    snippet: snippet(chunk.text),
  };
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= snippetLength) return flat;
  const cut = flat.slice(0, snippetLength);
  const space = cut.lastIndexOf(' ');
  return `${space > snippetLength / 2 ? cut.slice(0, space) : cut}…`;
}

function sourceLabel(citation: Citation): string {
  const where = citation.url || citation.file_path;
  return where ? `${citation.title} (${where})` : citation.title;
}

export interface RagOverrides {
  retry?: Partial<RetryPolicy>;
  observe?: DependencyObserver;
  cohereTimeoutMs?: number;
  qdrantTimeoutMs?: number;
  fetch?: typeof fetch;
  readinessTimeoutMs?: number;
  cohereCheckCacheMs?: number;
}

/** The pipeline the server and the ingest CLI use, built from the environment's settings. */
export function createRagPipeline(settings: RagSettings, overrides: RagOverrides = {}): RagPipeline {
  const cohereOptions: CohereGatewayOptions = {
    apiKey: settings.COHERE_API_KEY,
    baseUrl: settings.COHERE_BASE_URL,
    embedModel: settings.COHERE_EMBED_MODEL,
    embedDimension: settings.COHERE_EMBED_DIMENSION,
    chatModel: settings.COHERE_CHAT_MODEL,
    ...(overrides.retry ? { retry: overrides.retry } : {}),
    ...((overrides.cohereTimeoutMs ?? settings.COHERE_TIMEOUT_MS) !== undefined
      ? { timeoutMs: overrides.cohereTimeoutMs ?? settings.COHERE_TIMEOUT_MS }
      : {}),
    ...(overrides.fetch ? { fetch: overrides.fetch } : {}),
  };
  const qdrantOptions: QdrantStoreOptions = {
    url: settings.QDRANT_URL,
    apiKey: settings.QDRANT_API_KEY,
    collection: settings.QDRANT_COLLECTION,
    ...(overrides.qdrantTimeoutMs !== undefined ? { timeoutMs: overrides.qdrantTimeoutMs } : {}),
  };
  return new RagPipeline({
    cohere: new CohereGateway(cohereOptions),
    qdrant: new QdrantStore(qdrantOptions),
    topK: settings.RAG_TOP_K,
    chunk: { size: settings.RAG_CHUNK_SIZE, overlap: settings.RAG_CHUNK_OVERLAP },
    ...(overrides.readinessTimeoutMs !== undefined ? { readinessTimeoutMs: overrides.readinessTimeoutMs } : {}),
    ...((overrides.cohereCheckCacheMs ?? settings.COHERE_CHECK_CACHE_MS) !== undefined
      ? { cohereCheckCacheMs: overrides.cohereCheckCacheMs ?? settings.COHERE_CHECK_CACHE_MS }
      : {}),
    ...(overrides.observe ? { observe: overrides.observe } : {}),
  });
}
