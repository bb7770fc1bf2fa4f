/**
 * Seed task 1.2 step 4, "basic functionality": the frontend's two ways of
 * asking, in the target's shape. Each probe deletes the conversation it made,
 * so a run against a deployed service leaves nothing behind.
 */
import { failed, passed, type Verdict } from '../../checks/check.ts';
import { excerpt } from '../../support/http.ts';
import type { TargetClient } from '../../target/client.ts';

const question = 'What does this book cover?';

export async function probeQueryAnswers(client: TargetClient): Promise<Verdict> {
  const { target } = client;
  const result = await client.ask(question);
  const where = `POST ${target.paths.query}`;
  if (!result.ok) return failed(`${where} got no answer: ${result.error}`);
  const { reply } = result;
  const cleanup = await client.deleteConversation(reply.conversationId);
  if (reply.status !== 200) return failed(`${where} answered ${reply.status}`, excerpt(reply.text));
  const { answerField, sourcesField } = target.query;
  if (!reply.answer?.trim())
    return failed(`${where} answered 200 without a "${answerField}" text`, excerpt(reply.text));
  if (!reply.sources) return failed(`${where} answered 200 without a "${sourcesField}" list`, excerpt(reply.text));
  return passed(
    `${where} answered 200 with ${reply.answer.length} characters and ${reply.sources.length} source(s); ${cleanup}`,
  );
}

export async function probeWebSocketAnswers(client: TargetClient): Promise<Verdict> {
  const { target } = client;
  const exchange = await client.askOverWebSocket(question);
  const conversationId = exchange.response?.[target.query.conversationIdField];
  const cleanup = await client.deleteConversation(typeof conversationId === 'string' ? conversationId : undefined);
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
