import { CohereClientV2, CohereError, CohereTimeoutError } from 'cohere-ai';
import type { Cohere } from 'cohere-ai';
import { UpstreamError, type DependencyCheck } from '../contracts.ts';
import { defaultRetryPolicy, parseRetryAfter, withRetry, type RetryPolicy, type Verdict } from './retry.ts';

export type EmbedInputType = 'search_document' | 'search_query';

/** Cohere's limit on texts per embed call. */
export const embedBatchSize = 96;

/** Output sizes of Cohere's embedding models; a Qdrant collection must be created with the same size. */
const embedDimensions: Record<string, number> = {
  'embed-english-v3.0': 1024,
  'embed-multilingual-v3.0': 1024,
  'embed-english-light-v3.0': 384,
  'embed-multilingual-light-v3.0': 384,
  'embed-v4.0': 1536,
};

/** Models whose output size is chosen per request (output_dimension). */
export const variableDimensionModels: Record<string, readonly number[]> = { 'embed-v4.0': [256, 512, 1024, 1536] };

export interface CohereGatewayOptions {
  apiKey: string;
  /** COHERE_BASE_URL: a stand-in or a proxy; Cohere's own API when absent. */
  baseUrl?: string | undefined;
  embedModel?: string;
  /** output_dimension, for models that take one (embed-v4.0). */
  embedDimension?: number | undefined;
  chatModel?: string;
  retry?: Partial<RetryPolicy>;
  /** Per-attempt timeout of embed calls and of opening a chat. */
  timeoutMs?: number;
  /** Tests record what the SDK sends through this. */
  fetch?: typeof fetch;
}

/** A retrieved chunk as the model sees it. */
export interface ChatDocument {
  id: string;
  title: string;
  url: string;
  text: string;
}

export interface ChatOptions {
  onDelta?: (text: string) => void;
  signal?: AbortSignal | undefined;
  /** A system message; the stand-in ignores it, Cohere follows it. */
  instructions?: string;
}

export interface ChatResult {
  text: string;
  /** For each citation the model made, the ids of the documents it rests on, in answer order. */
  citedDocumentIds: string[][];
}

/**
 * Cohere behind the project's failure policy: the SDK's own retries are off
 * (`maxRetries: 0`) so every retry is ours, bounded and tested, and every
 * failure leaves as an UpstreamError without the key or the endpoint in it.
 */
export class CohereGateway {
  readonly embedModel: string;
  readonly chatModel: string;
  readonly embedDimension: number | undefined;
  private readonly client: CohereClientV2;
  private readonly retry: RetryPolicy;
  private readonly timeoutMs: number;
  private readonly outputDimension: number | undefined;

  constructor(options: CohereGatewayOptions) {
    this.embedModel = options.embedModel ?? 'embed-english-v3.0';
    this.chatModel = options.chatModel ?? 'command-a-03-2025';
    this.retry = { ...defaultRetryPolicy, ...options.retry };
    this.timeoutMs = options.timeoutMs ?? 30_000;
    const sizes = variableDimensionModels[this.embedModel];
    if (options.embedDimension !== undefined && !sizes?.includes(options.embedDimension)) {
      throw new RangeError(
        sizes
          ? `${this.embedModel} takes an output dimension of ${sizes.join(', ')}, not ${options.embedDimension}`
          : `${this.embedModel} has a fixed output dimension; unset COHERE_EMBED_DIMENSION`,
      );
    }
    this.outputDimension = options.embedDimension;
    this.embedDimension = options.embedDimension ?? embedDimensions[this.embedModel];
    this.client = new CohereClientV2({
      token: options.apiKey,
      maxRetries: 0,
      ...(options.baseUrl ? { environment: options.baseUrl.replace(/\/+$/, '') } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
  }

  /** Float embeddings, one per text, in order; batched to Cohere's limit. */
  async embed(texts: string[], inputType: EmbedInputType, signal?: AbortSignal): Promise<number[][]> {
    const vectors: number[][] = [];
    for (let start = 0; start < texts.length; start += embedBatchSize) {
      const batch = texts.slice(start, start + embedBatchSize);
      const response = await this.call(
        () =>
          this.client.embed(
            {
              texts: batch,
              model: this.embedModel,
              inputType,
              embeddingTypes: ['float'],
              ...(this.outputDimension !== undefined ? { outputDimension: this.outputDimension } : {}),
            },
            this.requestOptions(signal),
          ),
        signal,
        'embed',
      );
      const floats = response.embeddings.float;
      if (!floats || floats.length !== batch.length) {
        throw new UpstreamError(
          'cohere',
          'upstream_error',
          `embed answered ${floats?.length ?? 0} of ${batch.length} vectors`,
        );
      }
      vectors.push(...floats);
    }
    return vectors;
  }

  /**
   * A grounded answer: the documents go in Cohere's `documents` field, so the
   * model answers from them and cites them. Streams when `onDelta` is given;
   * only opening the stream is retried, since deltas already shown cannot be taken back.
   */
  async chat(question: string, documents: ChatDocument[], options: ChatOptions = {}): Promise<ChatResult> {
    const request: Cohere.V2ChatRequest = {
      model: this.chatModel,
      messages: [
        ...(options.instructions ? [{ role: 'system' as const, content: options.instructions }] : []),
        { role: 'user', content: question },
      ],
      documents: documents.map((document) => ({
        id: document.id,
        data: { title: document.title, url: document.url, text: document.text },
      })),
    };
    if (!options.onDelta) {
      const response = await this.call(
        () => this.client.chat(request, this.requestOptions(options.signal)),
        options.signal,
        'chat',
      );
      const text = (response.message.content ?? []).map((item) => (item.type === 'text' ? item.text : '')).join('');
      return { text, citedDocumentIds: (response.message.citations ?? []).map(documentIds) };
    }
    const stream = await this.call(
      () => this.client.chatStream(request, this.requestOptions(options.signal)),
      options.signal,
      'chat',
    );
    let text = '';
    const cited: string[][] = [];
    try {
      for await (const event of stream) {
        if (event.type === 'content-delta') {
          const delta = event.delta?.message?.content?.text;
          if (delta) {
            text += delta;
            options.onDelta(delta);
          }
        } else if (event.type === 'citation-start') {
          const citation = event.delta?.message?.citations;
          if (citation) cited.push(documentIds(citation));
        }
      }
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      throw toUpstreamError(error, 'chat stream');
    }
    return { text, citedDocumentIds: cited };
  }

  /**
   * Readiness: a one-word embed, because real Cohere has no unauthenticated
   * health route and the stand-in serves no models list. Never throws.
   */
  async check(timeoutMs = 2_000): Promise<DependencyCheck> {
    const started = performance.now();
    const latency = () => Math.round(performance.now() - started);
    const deadline = AbortSignal.timeout(timeoutMs);
    try {
      await this.client.embed(
        { texts: ['ping'], model: this.embedModel, inputType: 'search_query', embeddingTypes: ['float'] },
        { maxRetries: 0, timeoutInSeconds: timeoutMs / 1000, abortSignal: deadline },
      );
      return { ok: true, latencyMs: latency() };
    } catch (error) {
      return { ok: false, latencyMs: latency(), error: deadline.aborted ? 'timeout' : describeForReadiness(error) };
    }
  }

  private requestOptions(signal: AbortSignal | undefined) {
    return { maxRetries: 0, timeoutInSeconds: this.timeoutMs / 1000, ...(signal ? { abortSignal: signal } : {}) };
  }

  private async call<T>(attempt: () => Promise<T>, signal: AbortSignal | undefined, what: string): Promise<T> {
    try {
      return await withRetry(attempt, classify, this.retry, signal);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw toUpstreamError(error, what);
    }
  }
}

/** The output size of an embedding model, when it is known without asking Cohere. */
export function knownEmbedDimension(model: string, outputDimension?: number): number | undefined {
  return outputDimension ?? embedDimensions[model];
}

function documentIds(citation: Cohere.Citation): string[] {
  return (citation.sources ?? []).flatMap((source) => (source.type === 'document' && source.id ? [source.id] : []));
}

function statusOf(error: unknown): number | undefined {
  return error instanceof CohereError ? error.statusCode : undefined;
}

function retryAfterMs(error: unknown): number | undefined {
  if (!(error instanceof CohereError)) return undefined;
  return parseRetryAfter(error.rawResponse?.headers.get('retry-after'));
}

/** 429, 5xx, timeouts and unreachable hosts are worth another try; a 4xx will answer the same again. */
function classify(error: unknown): Verdict {
  if (error instanceof CohereTimeoutError) return { retry: true };
  if (!(error instanceof CohereError)) return { retry: false };
  const status = error.statusCode;
  if (status === 429) {
    const after = retryAfterMs(error);
    return after === undefined ? { retry: true } : { retry: true, retryAfterMs: after };
  }
  // No status: the request never got an answer (refused connection, reset, DNS).
  return { retry: status === undefined || status >= 500 || status === 408 };
}

/** Cohere's own error text (its bodies are `{message}`), cut short; never headers, so never the key. */
function upstreamMessage(error: CohereError): string {
  const body = error.body as { message?: unknown } | undefined;
  const message = typeof body?.message === 'string' ? body.message : '';
  return message.length > 200 ? `${message.slice(0, 200)}…` : message;
}

export function toUpstreamError(error: unknown, what: string): UpstreamError {
  if (error instanceof UpstreamError) return error;
  if (error instanceof CohereTimeoutError)
    return new UpstreamError('cohere', 'upstream_unavailable', `${what} timed out`);
  const status = statusOf(error);
  if (status === 429) {
    const after = retryAfterMs(error);
    return new UpstreamError(
      'cohere',
      'upstream_rate_limited',
      `${what} rate limited (429): ${upstreamMessage(error as CohereError)}`,
      after === undefined ? undefined : Math.ceil(after / 1000),
    );
  }
  if (status === undefined) {
    const cause = (error as { cause?: { code?: unknown; cause?: { code?: unknown } } }).cause;
    // The SDK aborts its per-request timer with the reason "timeout", which fetch rethrows as is.
    if ((cause as unknown) === 'timeout')
      return new UpstreamError('cohere', 'upstream_unavailable', `${what} timed out`);
    const code = cause?.code ?? cause?.cause?.code;
    return new UpstreamError(
      'cohere',
      'upstream_unavailable',
      `${what} got no answer${typeof code === 'string' ? ` (${code})` : ''}`,
    );
  }
  const message = upstreamMessage(error as CohereError);
  if (status >= 500 || status === 408) {
    return new UpstreamError('cohere', 'upstream_unavailable', `${what} answered ${status}: ${message}`);
  }
  if (status === 401 || status === 403 || status === 498) {
    return new UpstreamError('cohere', 'upstream_error', `${what} answered ${status}: the API key was refused`);
  }
  return new UpstreamError('cohere', 'upstream_error', `${what} answered ${status}: ${message}`);
}

/** Short reasons for /health/ready: no hostnames, no keys, no bodies. */
function describeForReadiness(error: unknown): string {
  if (error instanceof CohereTimeoutError || (error as { cause?: unknown }).cause === 'timeout') return 'timeout';
  const status = statusOf(error);
  if (status === undefined) return 'unreachable';
  if (status === 401 || status === 403 || status === 498) return 'unauthorized';
  if (status === 429) return 'rate limited';
  return `status ${status}`;
}
