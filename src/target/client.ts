import { describeFetchError } from '../support/http.ts';
import { askOverWebSocket, type WebSocketExchange } from './websocket.ts';
import { parseJson } from '../support/http.ts';
import type { TargetSpec } from '../config/target-spec.ts';

/**
 * Talks to the target in its own API shape (the profile's field names), so
 * probes ask "ask a question" rather than build JSON for one backend.
 */
export interface QueryAnswer {
  status: number;
  headers: Headers;
  text: string;
  body: unknown;
  /** The answer and sources read with the profile's field names, when the body has them. */
  answer?: string;
  sources?: unknown[];
  /** The conversation the answer was stored in, when the target says. */
  conversationId?: string;
}

export type QueryResult = { ok: true; reply: QueryAnswer } | { ok: false; error: string };

export interface AskOptions {
  selectedText?: string;
  requestId?: string;
  timeoutMs: number;
}

export async function askQuestion(
  baseUrl: string,
  target: Pick<TargetSpec, 'paths' | 'query'>,
  question: string,
  options: AskOptions,
): Promise<QueryResult> {
  const { query } = target;
  const body: Record<string, string> = { [query.questionField]: question };
  if (options.selectedText !== undefined) body[query.selectedTextField] = options.selectedText;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.requestId) headers['x-request-id'] = options.requestId;
  try {
    const response = await fetch(`${baseUrl}${target.paths.query}`, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    const text = await response.text();
    const parsed = parseJson(text);
    const fields = (parsed ?? {}) as Record<string, unknown>;
    const answer = fields[query.answerField];
    const sources = fields[query.sourcesField];
    const conversationId = fields[query.conversationIdField];
    return {
      ok: true,
      reply: {
        status: response.status,
        headers: response.headers,
        text,
        body: parsed,
        ...(typeof answer === 'string' ? { answer } : {}),
        ...(Array.isArray(sources) ? { sources } : {}),
        ...(typeof conversationId === 'string' ? { conversationId } : {}),
      },
    };
  } catch (error) {
    return { ok: false, error: describeFetchError(error) };
  }
}

/**
 * Deletes a conversation a check created, so a run against a deployed service
 * leaves nothing behind. Says what happened rather than throwing.
 */
export async function deleteConversation(
  baseUrl: string,
  target: Pick<TargetSpec, 'paths'>,
  conversationId: string | undefined,
  timeoutMs: number,
): Promise<string> {
  if (!conversationId) return 'no conversation to delete';
  if (!target.paths.conversations)
    return `conversation ${conversationId} kept (the target declares no conversations route)`;
  try {
    const response = await fetch(`${baseUrl}${target.paths.conversations}/${encodeURIComponent(conversationId)}`, {
      method: 'DELETE',
      signal: AbortSignal.timeout(timeoutMs),
    });
    return response.ok
      ? `conversation ${conversationId} deleted`
      : `conversation ${conversationId} not deleted (${response.status})`;
  } catch (error) {
    return `conversation ${conversationId} not deleted (${describeFetchError(error)})`;
  }
}

/** The target's API at one address, in its profile's shape: what a check asks through. */
export class TargetClient {
  readonly baseUrl: string;
  readonly target: Pick<TargetSpec, 'paths' | 'query' | 'ws'>;
  /** The bound of one request unless a call says otherwise. */
  readonly timeoutMs: number;

  constructor(baseUrl: string, target: Pick<TargetSpec, 'paths' | 'query' | 'ws'>, timeoutMs: number) {
    this.baseUrl = baseUrl;
    this.target = target;
    this.timeoutMs = timeoutMs;
  }

  ask(question: string, options: Partial<AskOptions> = {}): Promise<QueryResult> {
    return askQuestion(this.baseUrl, this.target, question, { timeoutMs: this.timeoutMs, ...options });
  }

  askOverWebSocket(question: string, timeoutMs = this.timeoutMs): Promise<WebSocketExchange> {
    return askOverWebSocket(this.baseUrl, this.target, question, timeoutMs);
  }

  deleteConversation(conversationId: string | undefined): Promise<string> {
    return deleteConversation(this.baseUrl, this.target, conversationId, this.timeoutMs);
  }
}
