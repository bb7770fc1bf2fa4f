import { failed, passed, type CheckSpec, type Verdict } from '../checks/check.ts';
import { askQuestion, deleteConversation } from '../target/client.ts';
import type { TargetSpec } from '../target/spec.ts';
import { askOverWebSocket } from '../target/websocket.ts';
import { excerpt } from './http.ts';

/** Seed task 1.2 step 4, "basic functionality": the frontend's two ways of asking, in the target's shape. */
export const basicFunctionalityChecks = {
  queryAnswers: {
    id: '1.2/query-answers',
    title: 'A question through the HTTP API gets an answer with sources',
    hint: 'Serve POST <paths.query> with the frontend\'s fields (profile "query" shape) and answer 200 with the answer text and a sources list.',
  },
  websocketAnswers: {
    id: '1.2/websocket-answers',
    title: 'A question over the WebSocket gets a response frame with sources',
    hint: 'Accept {"type":"message","content":...} on <paths.ws> and send a {"type":"response","message":...,"sources":[...]} frame (profile "ws" shape).',
  },
} satisfies Record<string, CheckSpec>;

const question = 'What does this book cover?';

export async function probeQueryAnswers(
  baseUrl: string,
  target: Pick<TargetSpec, 'paths' | 'query'>,
  timeoutMs: number,
): Promise<Verdict> {
  const result = await askQuestion(baseUrl, target, question, { timeoutMs });
  const where = `POST ${target.paths.query}`;
  if (!result.ok) return failed(`${where} got no answer: ${result.error}`);
  const { reply } = result;
  const cleanup = await deleteConversation(baseUrl, target, reply.conversationId, timeoutMs);
  if (reply.status !== 200) return failed(`${where} answered ${reply.status}`, excerpt(reply.text));
  const { answerField, sourcesField } = target.query;
  if (!reply.answer?.trim())
    return failed(`${where} answered 200 without a "${answerField}" text`, excerpt(reply.text));
  if (!reply.sources) return failed(`${where} answered 200 without a "${sourcesField}" list`, excerpt(reply.text));
  return passed(
    `${where} answered 200 with ${reply.answer.length} characters and ${reply.sources.length} source(s); ${cleanup}`,
  );
}

export async function probeWebSocketAnswers(
  baseUrl: string,
  target: Pick<TargetSpec, 'paths' | 'ws' | 'query'>,
  timeoutMs: number,
): Promise<Verdict> {
  const exchange = await askOverWebSocket(baseUrl, target, question, timeoutMs);
  const conversationId = exchange.response?.[target.query.conversationIdField];
  const cleanup = await deleteConversation(
    baseUrl,
    target,
    typeof conversationId === 'string' ? conversationId : undefined,
    timeoutMs,
  );
  const seen = `frames seen: ${exchange.frameTypes.join(', ') || 'none'}`;
  if (!exchange.response) return failed(`${target.paths.ws}: ${exchange.error ?? 'no response frame'}`, seen);
  const { answerField, sourcesField, responseType } = target.ws;
  const answer = exchange.response[answerField];
  const sources = exchange.response[sourcesField];
  const frame = excerpt(JSON.stringify(exchange.response));
  if (typeof answer !== 'string' || !answer.trim()) {
    return failed(`the "${responseType}" frame has no "${answerField}" text`, frame);
  }
  if (!Array.isArray(sources)) return failed(`the "${responseType}" frame has no "${sourcesField}" list`, frame);
  return passed(
    `"${responseType}" frame with ${answer.length} characters and ${sources.length} source(s); ${seen}; ${cleanup}`,
  );
}
