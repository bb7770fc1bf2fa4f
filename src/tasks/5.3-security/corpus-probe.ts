/**
 * 5.3/error-leak-corpus: every bad input of fixtures/bad-inputs/ (and those
 * derived from the target's OpenAPI document) sent to the target, each judged
 * on its own (a 4xx with a clear error, never a 5xx or a 200 carrying an
 * error, nothing internal in the answer), readiness checked between batches,
 * and every stored row compared before and after. Paced under the target's
 * rate limit; a 429 is waited out and retried once, and said in the verdict.
 */
import type pg from 'pg';
import { failed, passed, type Verdict } from '../../checks/check.ts';
import type { CheckContext } from '../../checks/context.ts';
import { connectAdmin } from '../../support/postgres-admin.ts';
import { evidenceLine } from '../../support/secrets.ts';
import { parseJson } from '../../support/http.ts';
import { countByKind, loadCorpus, sampleForProduction, type HttpCase, type WsCase } from './corpus.ts';
import { exchangeOverWebSocket, header, sendRaw, wsUrl, type WsOutcome } from './exchange.ts';
import { clearError, leaksIn, readsAsError, type LeakContext } from './leaks.ts';
import { casesFromOpenApi, type OpenApiDocument } from './openapi-cases.ts';
import { documentsPath, internalHosts, sleep } from './shared.ts';

/** Cases between two readiness checks. */
const batchSize = 25;
/** Least time between two requests: 10 a second stays under a 600-a-minute limit for a whole minute. */
const paceMs = 100;
/** The longest Retry-After waited once. */
const maxRetryWaitMs = 30_000;

export interface CaseOutcome {
  kind: string;
  name: string;
  transport: 'http' | 'ws';
  problems: string[];
  /** What came back, masked and short: evidence. */
  saw: string;
  rateLimited?: boolean;
}

/** Judges one HTTP answer. */
export function judgeHttpAnswer(
  item: Pick<HttpCase, 'expect' | 'sent'>,
  status: number,
  text: string,
  leakContext: LeakContext,
): string[] {
  const problems: string[] = [];
  const body = parseJson(text);
  if (status >= 500) problems.push(`answered ${status}`);
  else if (item.expect === '4xx') {
    if (status >= 200 && status < 300) {
      problems.push(readsAsError(body, text) ? `answered ${status} with an error in the body` : `accepted (${status})`);
    } else if (status < 400) problems.push(`answered ${status} instead of a 4xx`);
    else if (!clearError(status, text)) problems.push(`answered ${status} with an empty body`);
  } else if (status >= 200 && status < 300 && readsAsError(body, text)) {
    problems.push(`answered ${status} with an error in the body`);
  }
  const leaks = leaksIn(text, leakContext, item.sent);
  if (leaks.length > 0) problems.push(`the answer shows ${leaks.join('; ')}`);
  return problems;
}

/** Judges one WebSocket exchange: refused with an error frame or a close, never a crash, never internals. */
export function judgeWsOutcome(
  item: Pick<WsCase, 'expect' | 'sent' | 'afterClose'>,
  outcome: WsOutcome,
  leakContext: LeakContext,
): string[] {
  const problems: string[] = [];
  if (outcome.refused) return [`the upgrade was refused (${outcome.refused.status}) before the case ran`];
  if (!outcome.opened) return [`the WebSocket did not open: ${outcome.error ?? 'no reason given'}`];
  const types = outcome.frames.map((frame) => (parseJson(frame) as { type?: unknown } | undefined)?.type);
  if (item.afterClose !== undefined) {
    if (types.some((type) => type === 'response' || type === 'delta')) {
      problems.push('answered a frame sent after the close frame');
    }
  } else if (item.expect === '4xx') {
    if (types.some((type) => type === 'response' || type === 'delta'))
      problems.push('answered a bad frame as a question');
    const refused =
      types.includes('error') ||
      (outcome.closed !== undefined && outcome.closed.code >= 1000 && outcome.closed.code < 5000);
    if (!refused) problems.push('neither an error frame nor a close came back');
  }
  if (
    outcome.closed &&
    (outcome.closed.code === 1011 || outcome.closed.code === 1006) &&
    item.afterClose === undefined
  ) {
    if (item.expect === 'answered' || !types.includes('error')) {
      problems.push(
        `the server closed with ${outcome.closed.code} (${outcome.closed.code === 1011 ? 'internal error' : 'abnormal'})`,
      );
    }
  }
  for (const frame of outcome.frames) {
    const leaks = leaksIn(frame, leakContext, item.sent);
    if (leaks.length > 0) {
      problems.push(`a frame shows ${leaks.join('; ')}`);
      break;
    }
  }
  if (outcome.closed?.reason) {
    const leaks = leaksIn(outcome.closed.reason, leakContext, item.sent);
    if (leaks.length > 0) problems.push(`the close reason shows ${leaks.join('; ')}`);
  }
  return problems;
}

interface RowSnapshot {
  table: string;
  rows: Map<string, string>;
}

/** Every row of each table as an md5 of its text form, keyed by its ctid-independent text of the first column. */
async function snapshotRows(client: pg.Client, tables: readonly string[]): Promise<RowSnapshot[]> {
  const snapshots: RowSnapshot[] = [];
  for (const table of tables) {
    const name = client.escapeIdentifier(table);
    const result = await client.query<{ key: string; sum: string }>(
      `SELECT (to_jsonb(t) -> (SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass AND attnum = 1))::text AS key,
              md5(to_jsonb(t)::text) AS sum FROM ${name} t`,
      [table],
    );
    snapshots.push({ table, rows: new Map(result.rows.map((row) => [row.key, row.sum])) });
  }
  return snapshots;
}

function compareRows(before: readonly RowSnapshot[], after: readonly RowSnapshot[]): string[] {
  const problems: string[] = [];
  for (const old of before) {
    const now = after.find((snapshot) => snapshot.table === old.table);
    if (!now) continue;
    let missing = 0;
    let changed = 0;
    for (const [key, sum] of old.rows) {
      const current = now.rows.get(key);
      if (current === undefined) missing++;
      else if (current !== sum) changed++;
    }
    if (missing > 0 || changed > 0) {
      problems.push(`${old.table}: ${missing} of ${old.rows.size} row(s) gone, ${changed} changed`);
    }
  }
  return problems;
}

async function fetchOpenApi(ctx: CheckContext): Promise<{ document?: OpenApiDocument; note: string }> {
  const result = await sendRaw(ctx.baseUrl, { method: 'GET', path: '/openapi.json', timeoutMs: 5_000 });
  if (!result.ok) return { note: `/openapi.json: ${result.error}` };
  if (result.response.status !== 200) return { note: `/openapi.json answered ${result.response.status}` };
  const document = parseJson(result.response.text) as OpenApiDocument | undefined;
  if (!document?.paths) return { note: '/openapi.json is not an OpenAPI document' };
  return { document, note: 'derived from /openapi.json' };
}

export async function probeErrorLeakCorpus(ctx: CheckContext): Promise<Verdict> {
  const started = Date.now();
  const remote = ctx.kind === 'remote';
  const paths = { ...ctx.target.paths, documents: documentsPath(ctx.target) };
  const corpus = loadCorpus(paths);
  const openapi = await fetchOpenApi(ctx);
  const derived = openapi.document ? casesFromOpenApi(openapi.document, paths.ws ? [paths.ws] : []) : [];
  const adminToken = ctx.kind === 'local' ? ctx.local.environment.ADMIN_TOKEN : undefined;
  let httpCases = [...corpus.http, ...derived];
  let wsCases = corpus.ws;
  const skippedNoToken = httpCases.filter((item) => item.auth && !adminToken).length;
  httpCases = httpCases.filter((item) => !item.auth || adminToken);
  const total = httpCases.length + wsCases.length;
  if (remote) {
    // Production: a small, light sample, nothing that needs the admin token, paced.
    httpCases = sampleForProduction(httpCases, 1);
    wsCases = sampleForProduction(
      wsCases.filter((item) => item.afterClose === undefined),
      1,
    );
  }
  const leakContext: LeakContext = { internalHosts: internalHosts(ctx), secrets: ctx.secrets };
  const database = ctx.kind === 'local' && ctx.target.database ? ctx.target.database : undefined;
  const admin = database ? await connectAdmin(await ctx.postgresAdmin()) : undefined;
  try {
    // At least one stored question and answer to compare, even when 5.3 runs alone.
    if (admin) await ctx.client().ask('What does a ROS 2 node do?');
    const before = admin && database ? await snapshotRows(admin, database.tables) : [];
    const outcomes: CaseOutcome[] = [];
    const unhealthy: string[] = [];
    let rateLimited = 0;
    let last = 0;
    const healthPath = ctx.target.paths.ready ?? ctx.target.paths.health;
    const checkHealth = async (after: string) => {
      const ask = () => sendRaw(ctx.baseUrl, { method: 'GET', path: healthPath, timeoutMs: 15_000 });
      let answer = await ask();
      // One more look a moment later: a slow answer on a loaded machine is not an outage.
      if (!answer.ok || answer.response.status !== 200) answer = await sleep(2_000).then(ask);
      const status = answer.ok ? answer.response.status : answer.error;
      if (status !== 200) unhealthy.push(`${healthPath} answered ${status} after ${after}`);
    };

    for (let index = 0; index < httpCases.length; index++) {
      if (ctx.signal.aborted) break;
      const item = httpCases[index]!;
      const wait = last + paceMs - Date.now();
      if (wait > 0) await sleep(wait);
      last = Date.now();
      const headers = {
        ...item.headers,
        ...(item.auth && adminToken ? { authorization: `Bearer ${adminToken}` } : {}),
      };
      const send = () =>
        sendRaw(ctx.baseUrl, { method: item.method, path: item.path, headers, body: item.body, timeoutMs: 15_000 });
      let result = await send();
      let limited = false;
      if (result.ok && result.response.status === 429) {
        limited = true;
        rateLimited++;
        const retryAfter = Number(header(result.response.headers, 'retry-after') ?? '5');
        await sleep(Math.min(maxRetryWaitMs, (Number.isFinite(retryAfter) ? retryAfter : 5) * 1000 + 200));
        result = await send();
      }
      const problems = result.ok
        ? result.response.status === 429
          ? []
          : judgeHttpAnswer(item, result.response.status, result.response.text, leakContext)
        : // A connection the server ends on an oversized or malformed request is a refusal, not a failure.
          /ECONNRESET|EPIPE|socket hang up/.test(result.error)
          ? []
          : [`no answer: ${result.error}`];
      outcomes.push({
        kind: item.kind,
        name: item.name,
        transport: 'http',
        problems,
        saw: result.ok
          ? `${result.response.status} ${evidenceLine(result.response.text, ctx.secrets, 160)}`
          : result.error,
        ...(limited ? { rateLimited: result.ok && result.response.status === 429 } : {}),
      });
      if ((index + 1) % batchSize === 0) await checkHealth(`HTTP case ${index + 1}`);
    }
    await checkHealth(`the ${httpCases.length} HTTP cases`);

    for (let index = 0; index < wsCases.length && paths.ws; index++) {
      if (ctx.signal.aborted) break;
      const item = wsCases[index]!;
      const outcome = await exchangeOverWebSocket({
        url: wsUrl(ctx.baseUrl, paths.ws),
        steps: item.steps,
        ...(item.afterClose !== undefined ? { afterClose: item.afterClose } : {}),
        expectFrames: item.afterClose !== undefined ? 1 : Math.max(1, item.steps.length),
        ignoreType: ctx.target.ws.keepAliveType,
        // Generous: a loaded machine answers slowly, and only silence past the bound is judged.
        timeoutMs: item.afterClose !== undefined ? 1_500 : item.expect === 'answered' ? 30_000 : 10_000,
      });
      const problems = judgeWsOutcome(item, outcome, leakContext);
      outcomes.push({
        kind: item.kind,
        name: item.name,
        transport: 'ws',
        problems,
        saw: [
          outcome.frames
            .slice(0, 2)
            .map((frame) => evidenceLine(frame, ctx.secrets, 120))
            .join(' | '),
          outcome.closed ? `closed ${outcome.closed.code}` : '',
        ]
          .filter(Boolean)
          .join('; '),
      });
      if ((index + 1) % batchSize === 0) await checkHealth(`WebSocket case ${index + 1}`);
    }
    await checkHealth('every case');

    const after = admin && database ? await snapshotRows(admin, database.tables) : [];
    const rowProblems = compareRows(before, after);
    const bad = outcomes.filter((outcome) => outcome.problems.length > 0);
    const stillLimited = outcomes.filter((outcome) => outcome.rateLimited).length;
    const kinds = countByKind(outcomes);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const figures =
      `${outcomes.length} case(s) sent (${outcomes.filter((o) => o.transport === 'http').length} HTTP, ` +
      `${outcomes.filter((o) => o.transport === 'ws').length} WebSocket; ${kinds['openapi-derived'] ?? 0} derived from ${
        openapi.document ? '/openapi.json' : `no OpenAPI document (${openapi.note})`
      }) in ${seconds} s; by kind: ${Object.entries(kinds)
        .map(([kind, count]) => `${kind} ${count}`)
        .join(', ')}` +
      (remote ? `; production: a sample of ${outcomes.length} of ${total}, paced, no admin token` : '') +
      (skippedNoToken > 0 ? `; ${skippedNoToken} admin case(s) not sent (no admin token)` : '') +
      (corpus.notApplicable.length > 0
        ? `; ${corpus.notApplicable.length} case(s) name a route the target lacks`
        : '') +
      (rateLimited > 0 ? `; ${rateLimited} answered 429 and were retried after Retry-After` : '') +
      (stillLimited > 0 ? ` (${stillLimited} still 429, not judged)` : '') +
      (database ? `; ${before.reduce((sum, snapshot) => sum + snapshot.rows.size, 0)} stored row(s) compared` : '');
    const problems = [
      bad.length > 0 ? `${bad.length} case(s) answered badly` : '',
      unhealthy.length > 0 ? `the service was not ready between batches (${unhealthy.join('; ')})` : '',
      rowProblems.length > 0 ? `stored rows changed: ${rowProblems.join('; ')}` : '',
    ].filter(Boolean);
    if (problems.length === 0) return passed(figures);
    const evidence = bad
      .slice(0, 25)
      .map(
        (outcome) =>
          `- [${outcome.transport} ${outcome.kind}] ${outcome.name}: ${outcome.problems.join('; ')} (saw: ${outcome.saw})`,
      );
    if (bad.length > 25) evidence.push(`... and ${bad.length - 25} more`);
    return failed(`${problems.join('; ')}; ${figures}`, evidence.join('\n'));
  } finally {
    await admin?.end().catch(() => undefined);
  }
}
