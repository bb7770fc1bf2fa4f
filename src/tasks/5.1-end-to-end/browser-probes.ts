/**
 * 5.1's browser checks: the chat page from the origin the target allows gets
 * its answers and sources over HTTP and the WebSocket; the same page from an
 * origin the target does not list is refused both (the browser enforces CORS,
 * the server the WebSocket's Origin). This is the proof that CORS and the
 * Origin check work for the real frontend, not only for headers sent by hand.
 */
import { failed, passed, skipped, type Verdict } from '../../checks/check.ts';
import type { CheckContext } from '../../checks/context.ts';
import { askThroughChatPage, describeRun, type ChatRun } from './browser.ts';
import { ensureCorpusIngested, ingestionUnavailable, loadCorpus, loadGolden } from './corpus.ts';
import { serveFrontend, type ServedFrontend } from './frontend.ts';

/** An origin no allowlist names: loopback, another address than the allowed page's, so it really is another origin. */
const foreignLocalOrigin = 'http://127.0.0.2:0';
const foreignRemoteOrigin = 'https://foreign-origin.shipshape.invalid';

function unavailable(ctx: CheckContext): string | undefined {
  if (!ctx.target.endToEnd.corsOriginsVariable) {
    return 'the target declares no CORS allowlist (target.endToEnd.corsOriginsVariable is null): a browser page from another origin cannot call it';
  }
  if (!ctx.environment.frontendOrigin) {
    return `no frontend origin for this environment: set environments.${ctx.environment.envName}.frontendOrigin to the deployed frontend's origin (the one CORS_ORIGINS lists)`;
  }
  return undefined;
}

async function question(ctx: CheckContext): Promise<string> {
  const golden = await loadGolden(ctx.target.endToEnd.rag.golden).catch(() => []);
  return golden[0]?.question ?? 'What does the book say about health checks?';
}

/** Runs the page from `origin`: served by the harness on loopback locally, answered by the browser otherwise. */
async function runPage(ctx: CheckContext, origin: string): Promise<ChatRun> {
  let served: ServedFrontend | undefined;
  if (ctx.kind === 'local') served = await serveFrontend(origin);
  try {
    return await askThroughChatPage({
      origin: served?.origin ?? origin,
      fulfilPage: !served,
      baseUrl: ctx.baseUrl,
      queryPath: ctx.target.paths.query,
      wsPath: ctx.target.paths.ws!,
      question: await question(ctx),
      conversationIdField: ctx.target.query.conversationIdField,
      answerWithinMs: Math.max(ctx.thresholds.requestTimeoutMs * 3, 15_000),
      signal: ctx.signal,
    });
  } finally {
    await served?.close();
  }
}

async function cleanUp(ctx: CheckContext, run: ChatRun): Promise<void> {
  const client = ctx.client();
  for (const id of new Set([run.http.conversationId, run.ws.conversationId])) {
    if (id) await client.deleteConversation(id);
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** 5.1/browser-chat */
export async function probeBrowserChat(ctx: CheckContext): Promise<Verdict> {
  const reason = unavailable(ctx);
  if (reason) return skipped(reason);
  // Sources need documents to cite: locally the corpus goes in first (once per suite process).
  if (!ingestionUnavailable(ctx)) await ensureCorpusIngested(ctx, await loadCorpus(ctx.target.endToEnd.rag.corpus));
  const origin = ctx.environment.frontendOrigin!;
  const run = await runPage(ctx, origin);
  await cleanUp(ctx, run);
  await ctx.attach(`screenshot: the page at ${origin}`, 'chat-allowed-origin.png', run.screenshot);
  const evidence = describeRun(run);
  const problems: string[] = [];
  for (const [name, side] of [
    ['over HTTP', run.http],
    ['over the WebSocket', run.ws],
  ] as const) {
    if (side.state !== 'answered') problems.push(`${name} the page shows "${side.status}" instead of an answer`);
    else if (!side.answer.trim()) problems.push(`${name} the page rendered an empty answer`);
    else if (side.sources.length === 0) problems.push(`${name} the page rendered no source for its answer`);
  }
  if (problems.length > 0) return failed(`from the allowed origin ${origin}: ${problems.join('; ')}`, evidence);
  return passed(
    `from ${origin} the page showed the answer over HTTP in ${seconds(run.http.tookMs)} (${run.http.sources.length} sources) ` +
      `and over the WebSocket in ${seconds(run.ws.tookMs)} (${run.ws.sources.length} sources)`,
  );
}

/** 5.1/browser-foreign-origin-refused */
export async function probeForeignOrigin(ctx: CheckContext): Promise<Verdict> {
  const reason = unavailable(ctx);
  if (reason) return skipped(reason);
  // A refusal only means something when the target answers: check it does, from outside a browser.
  const health = await fetch(`${ctx.baseUrl}${ctx.target.paths.health}`, {
    signal: AbortSignal.timeout(ctx.thresholds.requestTimeoutMs),
  }).catch((error: Error) => error);
  if (health instanceof Error || health.status !== 200) {
    return failed(
      `the target's ${ctx.target.paths.health} does not answer 200 (${health instanceof Error ? health.message : health.status}): nothing to judge a refusal against`,
    );
  }
  const run = await runPage(ctx, ctx.kind === 'local' ? foreignLocalOrigin : foreignRemoteOrigin);
  await cleanUp(ctx, run);
  const origin = new URL(run.pageUrl).origin;
  await ctx.attach(
    `screenshot: the page at ${origin} (not allowed) refused`,
    'chat-foreign-origin.png',
    run.screenshot,
  );
  const evidence = describeRun(run);
  const problems: string[] = [];
  if (run.http.state === 'answered') problems.push('the page read the answer over HTTP (CORS let it)');
  else if (run.http.state === 'failed' && run.http.status.startsWith('HTTP ')) {
    problems.push(`the page could read the target's ${run.http.status} over HTTP (CORS headers let it)`);
  } else if (run.http.state !== 'failed')
    problems.push(`over HTTP the page shows "${run.http.status}" (neither refused nor answered)`);
  const responseFrame = run.ws.wire.some((line) => line.includes(`type ${ctx.target.ws.responseType}`));
  if (run.ws.state === 'answered' || responseFrame) problems.push('the WebSocket opened and answered the page');
  else if (run.ws.wire.includes('frame sent'))
    problems.push('the WebSocket opened for the page (its Origin was not refused)');
  if (problems.length > 0)
    return failed(`from ${origin}, an origin the target does not allow: ${problems.join('; ')}`, evidence);
  return passed(
    `from ${origin} (not allowed) the browser refused the HTTP answer ("${run.http.status}") and the WebSocket ("${run.ws.status}")`,
  );
}
