/**
 * Access: ingestion refuses a caller without the admin token (and stores
 * nothing), and the query route is rate limited over HTTP and over the
 * WebSocket, answering 429 with Retry-After (an error frame with a retry hint).
 */
import { randomBytes } from 'node:crypto';
import { failed, passed, skipped, type Verdict } from '../../checks/check.ts';
import type { CheckContext } from '../../checks/context.ts';
import { startTargetContainer, waitForHealthy } from '../../environments/local/target.ts';
import { parseJson } from '../../support/http.ts';
import { evidenceLine } from '../../support/secrets.ts';
import { exchangeOverWebSocket, header, sendRaw, wsUrl } from './exchange.ts';
import { documentsPath } from './shared.ts';

/** Points in the target's Qdrant collection (local only), or a reason it could not be counted. */
async function qdrantPoints(ctx: CheckContext): Promise<number | string> {
  const collection = ctx.local.environment.QDRANT_COLLECTION;
  const key = ctx.local.environment.QDRANT_API_KEY;
  if (!collection) return 'the target is given no QDRANT_COLLECTION';
  try {
    const base = await ctx.faults.mappedUrl('qdrant');
    const response = await fetch(`${base}/collections/${encodeURIComponent(collection)}/points/count`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { 'api-key': key } : {}) },
      body: JSON.stringify({ exact: true }),
      signal: AbortSignal.timeout(5_000),
    });
    if (response.status === 404) return 0;
    const body = (await response.json()) as { result?: { count?: number } };
    return body.result?.count ?? `Qdrant answered ${response.status}`;
  } catch (error) {
    return (error as Error).message;
  }
}

/** 5.3/ingestion-requires-auth */
export async function probeIngestionAuth(ctx: CheckContext): Promise<Verdict> {
  const path = documentsPath(ctx.target);
  if (!path) return skipped('the target has no ingestion route (the seed shape ingests offline, not over HTTP)');
  const marker = `shipshape-unauthorised-${randomBytes(4).toString('hex')}`;
  const body = JSON.stringify({ documents: [{ title: marker, text: `${marker}: this must never be stored.` }] });
  const token = ctx.kind === 'local' ? ctx.local.environment.ADMIN_TOKEN : undefined;
  const wrong = token ? `x${token.slice(1)}` : `wrong-${randomBytes(12).toString('hex')}`;
  const attempts: { what: string; headers: Record<string, string> }[] = [
    { what: 'without a token', headers: {} },
    { what: 'with a wrong bearer token', headers: { authorization: `Bearer ${wrong}` } },
    {
      what: 'with the token in another scheme',
      headers: { authorization: `Basic ${Buffer.from(`admin:${wrong}`).toString('base64')}` },
    },
    { what: 'with an empty bearer token', headers: { authorization: 'Bearer ' } },
  ];
  const before = ctx.kind === 'local' ? await qdrantPoints(ctx) : undefined;
  const problems: string[] = [];
  const seen: string[] = [];
  for (const attempt of attempts) {
    const result = await sendRaw(ctx.baseUrl, {
      method: 'POST',
      path,
      headers: { 'content-type': 'application/json', ...attempt.headers },
      body,
      timeoutMs: ctx.thresholds.requestTimeoutMs * 2,
    });
    if (!result.ok) {
      problems.push(`${attempt.what}: ${result.error}`);
      continue;
    }
    const { status, text } = result.response;
    seen.push(`${attempt.what}: ${status} ${evidenceLine(text, ctx.secrets, 120)}`);
    if (status !== 401 && status !== 403) problems.push(`POST ${path} ${attempt.what} answered ${status}, not 401/403`);
  }
  let stored: string;
  if (ctx.kind === 'local') {
    const after = await qdrantPoints(ctx);
    if (typeof before === 'number' && typeof after === 'number') {
      if (after !== before)
        problems.push(`the collection went from ${before} to ${after} point(s): something was stored`);
      stored = `; the Qdrant collection kept ${after} point(s)`;
    } else stored = `; stored points not counted (${typeof before === 'string' ? before : after})`;
  } else stored = '; production: stored points not counted (no access to the vector store)';
  if (problems.length > 0) return failed(problems.join('; '), seen.join('\n'));
  return passed(`${attempts.length} unauthenticated ingestion attempts answered 401/403${stored}`);
}

/** A second container of the image with a low limit: the burst stays small and the main target's budget untouched. */
const burstLimit = 5;
const httpBurst = 10;
const wsBurst = 7;

/** 5.3/query-rate-limited */
export async function probeRateLimit(ctx: CheckContext): Promise<Verdict> {
  const variable = 'RATE_LIMIT_PER_MINUTE';
  const lowers = ctx.kind === 'local' && variable in ctx.local.environment;
  let baseUrl = ctx.baseUrl;
  let stop = async () => {};
  let how: string;
  if (ctx.kind === 'remote') {
    return skipped(
      'production: no burst is sent to a deployed service (local runs prove the limit with a second container)',
    );
  }
  let burst = httpBurst;
  if (lowers) {
    const target = await startTargetContainer({
      image: ctx.local.image,
      ...ctx.network,
      port: ctx.target.port,
      environment: { ...ctx.local.environment, [variable]: String(burstLimit) },
    });
    stop = () => target.container.stop({ timeout: 2_000 }).then(() => undefined);
    const health = await waitForHealthy(target, ctx.target.paths.health, ctx.thresholds.healthyWithinMs);
    if (!health.healthy) {
      await stop();
      return failed(`a second container with ${variable}=${burstLimit} did not become healthy: ${health.reason}`);
    }
    baseUrl = target.baseUrl;
    how = `a second container with ${variable}=${burstLimit}`;
  } else {
    // No variable to lower: a bounded burst against the target itself.
    burst = 30;
    how = `a burst of ${burst} to the running target (it declares no ${variable})`;
  }
  try {
    const problems: string[] = [];
    const statuses: number[] = [];
    let limited: { status: number; retryAfter: string | undefined } | undefined;
    for (let i = 0; i < burst; i++) {
      const result = await sendRaw(baseUrl, {
        method: 'POST',
        path: ctx.target.paths.query,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ [ctx.target.query.questionField]: `What is rate limiting? (${i})` }),
        timeoutMs: 15_000,
      });
      if (!result.ok) {
        statuses.push(0);
        continue;
      }
      statuses.push(result.response.status);
      if (result.response.status === 429 && !limited) {
        limited = { status: 429, retryAfter: header(result.response.headers, 'retry-after') };
      }
    }
    const httpSummary = `HTTP statuses: ${statuses.join(' ')}`;
    if (!limited) problems.push(`no 429 over HTTP within a burst of ${burst} questions`);
    else if (!limited.retryAfter || !/^\d+$/.test(limited.retryAfter.trim())) {
      problems.push(`the 429 carries no Retry-After in seconds (got ${limited.retryAfter ?? 'none'})`);
    }
    let wsSummary = 'no WebSocket route';
    if (ctx.target.paths.ws) {
      const { ws } = ctx.target;
      const outcome = await exchangeOverWebSocket({
        url: wsUrl(baseUrl, ctx.target.paths.ws),
        steps: Array.from({ length: lowers ? wsBurst : burst }, (_, i) => ({
          kind: 'text' as const,
          data: JSON.stringify({ type: ws.messageType, [ws.contentField]: `What is rate limiting? (ws ${i})` }),
        })),
        expectFrames: lowers ? wsBurst : burst,
        ignoreType: ws.keepAliveType,
        timeoutMs: 30_000,
      });
      const frames = outcome.frames.map((frame) => parseJson(frame) as Record<string, unknown> | undefined);
      const finals = frames.filter((frame) => frame && frame.type !== 'delta' && frame.type !== ws.keepAliveType);
      const limitedFrame = finals.find(
        (frame) => frame && frame.type !== ws.responseType && /rate|too many|429/i.test(JSON.stringify(frame)),
      );
      wsSummary = `WebSocket frames: ${finals.map((frame) => String(frame?.type ?? '?') + (frame?.code ? `:${String(frame.code)}` : '')).join(' ') || outcome.error || 'none'}`;
      if (!limitedFrame)
        problems.push(`no rate-limit error frame over the WebSocket within ${lowers ? wsBurst : burst} questions`);
      else if (!/retry/i.test(Object.keys(limitedFrame).join(' ') + String(limitedFrame.message ?? ''))) {
        problems.push('the WebSocket rate-limit frame says nothing of when to retry');
      }
    }
    if (problems.length > 0) return failed(`${how}: ${problems.join('; ')}`, `${httpSummary}\n${wsSummary}`);
    return passed(
      `${how}: 429 with Retry-After ${limited!.retryAfter} s after ${statuses.indexOf(429)} answer(s); ${wsSummary}`,
    );
  } finally {
    await stop().catch(() => undefined);
  }
}
