/**
 * 5.1/conversation-round-trip: a conversation created by a question, read
 * back, continued with a second question and deleted, all through the API,
 * with the target's tables looked at directly after each step when the run is
 * local. Against a deployed service the same steps run on its own tagged
 * conversation, which is deleted at the end whatever happened.
 */
import { randomBytes } from 'node:crypto';
import { failed, passed, skipped, type Verdict } from '../../checks/check.ts';
import type { CheckContext } from '../../checks/context.ts';
import { describeFetchError, excerpt, parseJson } from '../../support/http.ts';
import { describeRows, rowsMentioning, totalFor } from './database-rows.ts';

interface Call {
  status?: number;
  text: string;
  body: unknown;
  error?: string;
}

async function call(ctx: CheckContext, method: string, path: string, body?: unknown): Promise<Call> {
  try {
    const response = await fetch(`${ctx.baseUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.any([AbortSignal.timeout(Math.max(ctx.thresholds.requestTimeoutMs, 15_000)), ctx.signal]),
    });
    const text = await response.text();
    return { status: response.status, text, body: parseJson(text) };
  } catch (error) {
    return { text: '', body: undefined, error: describeFetchError(error) };
  }
}

function describeCall(label: string, result: Call): string {
  return `${label}: ${result.status ?? result.error} ${excerpt(result.text, 160)}`;
}

/** The JSON text of a string without its quotes: how it appears inside any JSON body that holds it. */
function jsonInner(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

const ok = (result: Call) => result.status !== undefined && result.status >= 200 && result.status < 300;

export async function probeConversationRoundTrip(ctx: CheckContext): Promise<Verdict> {
  const conversations = ctx.target.paths.conversations;
  if (!conversations) {
    return skipped('the target declares no conversations route (target.paths.conversations is null)');
  }
  const inDatabase = ctx.kind === 'local' && ctx.target.database !== null;
  const { query } = ctx.target;
  const tag = `shipshape-${ctx.runId}-${randomBytes(4).toString('hex')}`;
  const first = `${tag}-first: how should a server bind inside a container?`;
  const second = `${tag}-second: and which sslmode verifies the database certificate?`;
  const steps: string[] = [];
  let conversationId: string | undefined;
  let deleted = false;
  const rows = async (label: string) => {
    const found = await rowsMentioning(ctx, [conversationId!, `${tag}-first`, `${tag}-second`]);
    steps.push(
      `  rows ${label}: ${describeRows(found, conversationId!, 'mentioning the conversation')}; ` +
        `${describeRows(found, `${tag}-first`, 'first question')}; ${describeRows(found, `${tag}-second`, 'second question')}`,
    );
    return {
      conversation: totalFor(found, conversationId!),
      first: totalFor(found, `${tag}-first`),
      second: totalFor(found, `${tag}-second`),
    };
  };
  const fail = (message: string) => failed(message, steps.join('\n'));
  try {
    // 1. Created by a question.
    const created = await call(ctx, 'POST', ctx.target.paths.query, { [query.questionField]: first });
    steps.push(describeCall(`POST ${ctx.target.paths.query} (new conversation)`, created));
    const fields = (created.body ?? {}) as Record<string, unknown>;
    const id = fields[query.conversationIdField];
    if (!ok(created)) return fail(`the first question was not answered 2xx (${created.status ?? created.error})`);
    if (typeof id !== 'string' || id === '') {
      return fail(`the answer names no conversation (no "${query.conversationIdField}" in its body)`);
    }
    conversationId = id;
    const answer = typeof fields[query.answerField] === 'string' ? (fields[query.answerField] as string) : '';
    let before = { conversation: 0, first: 0, second: 0 };
    if (inDatabase) {
      before = await rows('after the first question');
      if (before.conversation === 0)
        return fail(`no row of ${ctx.database.tables.join(', ')} mentions conversation ${id}`);
      if (before.first === 0) return fail('the first question is not stored');
    }

    // 2. Read back.
    const path = `${conversations}/${encodeURIComponent(id)}`;
    const read = await call(ctx, 'GET', path);
    steps.push(describeCall(`GET ${path}`, read));
    if (!ok(read)) return fail(`reading the conversation back answered ${read.status ?? read.error}`);
    if (!read.text.includes(jsonInner(first)))
      return fail('the conversation read back does not hold the question asked');
    if (answer && !read.text.includes(jsonInner(answer))) {
      return fail('the conversation read back does not hold the answer given');
    }

    // 3. Continued.
    const continued = await call(ctx, 'POST', ctx.target.paths.query, {
      [query.questionField]: second,
      [query.conversationIdField]: id,
    });
    steps.push(describeCall(`POST ${ctx.target.paths.query} (same conversation)`, continued));
    if (!ok(continued))
      return fail(`the follow-up question was not answered 2xx (${continued.status ?? continued.error})`);
    const sameId = ((continued.body ?? {}) as Record<string, unknown>)[query.conversationIdField];
    if (sameId !== id) return fail(`the follow-up was stored in conversation ${String(sameId)}, not ${id}`);
    const reread = await call(ctx, 'GET', path);
    steps.push(describeCall(`GET ${path}`, reread));
    const firstAt = reread.text.indexOf(jsonInner(first));
    const secondAt = reread.text.indexOf(jsonInner(second));
    if (!ok(reread) || firstAt === -1 || secondAt === -1) {
      return fail('the conversation read back after the follow-up does not hold both questions');
    }
    if (secondAt < firstAt) return fail('the conversation read back lists the follow-up before the first question');
    if (inDatabase) {
      const after = await rows('after the follow-up');
      if (after.second === 0) return fail('the follow-up question is not stored');
      if (after.conversation <= before.conversation) {
        return fail('no new row mentions the conversation after the follow-up (it was not stored in it)');
      }
    }

    // 4. Deleted.
    const removed = await call(ctx, 'DELETE', path);
    steps.push(describeCall(`DELETE ${path}`, removed));
    if (!ok(removed)) return fail(`deleting the conversation answered ${removed.status ?? removed.error}`);
    deleted = true;
    const gone = await call(ctx, 'GET', path);
    steps.push(describeCall(`GET ${path} after the delete`, gone));
    if (gone.status !== 404)
      return fail(`the deleted conversation still reads back (${gone.status ?? gone.error}), expected 404`);
    if (inDatabase) {
      const left = await rows('after the delete');
      const total = left.conversation + left.first + left.second;
      if (total > 0) return fail(`the delete answered ${removed.status} but ${total} rows of the conversation remain`);
    }
    return passed(
      `created, read back, continued and deleted conversation ${id}` +
        (inDatabase
          ? `; its rows checked in PostgreSQL after each step (${ctx.database.tables.join(', ')})`
          : ' (API only)'),
    );
  } finally {
    // A deployed service keeps nothing of the harness's, whatever failed above.
    if (conversationId && !deleted) await ctx.client().deleteConversation(conversationId);
  }
}
