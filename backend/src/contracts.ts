/**
 * The seams between the backend's layers: HTTP/WebSocket routes depend on
 * these interfaces, the PostgreSQL store and the RAG pipeline implement them.
 * Tests substitute either side through them.
 */

/** One retrieved chunk, as the API returns it in `citations`. */
export interface Citation {
  title: string;
  url: string;
  file_path: string;
  score: number;
  snippet: string;
}

export interface AnswerRequest {
  query: string;
  /** Text the user highlighted in the book; the answer is narrowed to it, as in the original. */
  selectedText?: string;
}

export interface Answer {
  answer: string;
  /** The original frontend reads `sources` as strings: one "title (url)" per cited chunk. */
  sources: string[];
  citations: Citation[];
}

export interface AnswerOptions {
  /** Streaming: called with each piece of the answer as Cohere produces it. */
  onDelta?: (text: string) => void;
  signal?: AbortSignal;
}

export interface AnswerService {
  answer(request: AnswerRequest, options?: AnswerOptions): Promise<Answer>;
}

export interface IngestDocument {
  id?: string;
  title: string;
  url?: string;
  file_path?: string;
  text: string;
}

export interface IngestResult {
  documents: number;
  chunks: number;
}

export interface IngestService {
  ingest(documents: IngestDocument[], onProgress?: (done: number, total: number) => void): Promise<IngestResult>;
}

export interface StoredMessage {
  id: string;
  role: 'user' | 'assistant';
  content: string;
  selected_text: string | null;
  citations: Citation[];
  created_at: string;
}

export interface StoredConversation {
  id: string;
  created_at: string;
  messages: StoredMessage[];
}

/**
 * Conversations and messages. A question is stored when it is accepted, before
 * any upstream call, so a failed answer never loses the question.
 */
export interface ConversationStore {
  /** Creates the conversation when `conversationId` is absent; throws ConversationNotFoundError for an unknown one. */
  addQuestion(input: {
    conversationId?: string;
    content: string;
    selectedText?: string;
  }): Promise<{ conversationId: string; messageId: string }>;
  addAnswer(input: { conversationId: string; content: string; citations: Citation[] }): Promise<{ messageId: string }>;
  /** Undefined when there is no such conversation. */
  getConversation(id: string): Promise<StoredConversation | undefined>;
  /** False when there was no such conversation. */
  deleteConversation(id: string): Promise<boolean>;
}

export class ConversationNotFoundError extends Error {
  override name = 'ConversationNotFoundError';
}

/** Dependency names in /health/ready and in UpstreamError. */
export type Dependency = 'postgres' | 'qdrant' | 'cohere';

export type UpstreamErrorCode = 'upstream_rate_limited' | 'upstream_unavailable' | 'upstream_error';

/**
 * A dependency failed. Routes answer 503 with `code` and never the message's
 * internals (hostnames, keys); the detail goes to the log.
 */
export class UpstreamError extends Error {
  override name = 'UpstreamError';
  readonly code: UpstreamErrorCode;
  readonly dependency: Dependency;
  /** Seconds the caller may wait before retrying, when the upstream said. */
  readonly retryAfterSeconds: number | undefined;
  constructor(dependency: Dependency, code: UpstreamErrorCode, detail: string, retryAfterSeconds?: number) {
    super(`${dependency}: ${detail}`);
    this.dependency = dependency;
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export interface DependencyCheck {
  ok: boolean;
  latencyMs: number;
  error?: string;
}

/** Readiness probes; each bounded in time, none throws. */
export type ReadinessChecks = Record<Dependency, () => Promise<DependencyCheck>>;

/**
 * Wraps every call to a dependency so /metrics can time it and count its
 * failures. Rethrows what the call throws.
 */
export type DependencyObserver = <T>(dependency: Dependency, operation: string, call: () => Promise<T>) => Promise<T>;

export const unobserved: DependencyObserver = (_dependency, _operation, call) => call();
