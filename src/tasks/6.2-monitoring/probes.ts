/**
 * Seed task 6.2's probes: each sends traffic it knows (a 4xx, a forced 5xx,
 * requests to paths with random ids, a WebSocket, a question), then reads what
 * the target made of it: its whole log so far, its Prometheus metrics, the
 * events its Sentry SDK sent to a capture endpoint on the run's network.
 * Checks of one kind share one round of traffic per run (memoised by run id),
 * so the suite sends each once.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { failed, skipped, type Verdict } from '../../checks/check.ts';
import type { CheckContext } from '../../checks/context.ts';
import { containerLogs, startTargetContainer, waitForHealthy } from '../../environments/local/target.ts';
import { containerById, outputLines, removeOneOff, startOneOff } from '../../support/docker.ts';
import { describeFetchError } from '../../support/http.ts';
import type { OutputLine } from '../../support/log-lines.ts';
import { connectAdmin, renameTables } from '../../support/postgres-admin.ts';
import { TargetClient } from '../../target/client.ts';
import { logLevelsVerdict, noSecretsVerdict, structuredLogsVerdict, type KnownRequest } from './log-judgement.ts';
import { boundedLabelsVerdict, countsVerdict, type Scrapes, type SentTraffic } from './metrics-judgement.ts';
import { parseExposition, type Exposition } from './prometheus-text.ts';
import { railwayLogsNote, railwayMetricsNote } from './railway-observability.ts';
import {
  captureDsn,
  capturedEnvelopes,
  capturePort,
  captureScript,
  eventsOf,
  reportedVerdict,
  scrubbedVerdict,
  tagOf,
  type CaptureObservation,
} from './sentry-capture.ts';

const sampleQuestion = 'What does a ROS 2 node do?';
let counter = 0;

function requestId(ctx: CheckContext, what: string): string {
  return `shipshape-${ctx.runId}-6.2-${what}-${++counter}`;
}

/** Memoises one round of traffic per run and kind, so the checks that judge it share it. */
const rounds = new Map<string, Promise<unknown>>();

function once<T>(key: string, make: () => Promise<T>): Promise<T> {
  let round = rounds.get(key) as Promise<T> | undefined;
  if (!round) {
    round = make();
    rounds.set(key, round);
    // A round that failed is not reused: the next check tries again and says why.
    round.catch(() => rounds.delete(key));
  }
  return round;
}

function withNote(verdict: Verdict, note: string): Verdict {
  return verdict.status === 'passed' ? { ...verdict, message: `${verdict.message}. ${note}` } : verdict;
}

/**
 * Runs `work` while the target's tables are renamed away (an internal error no
 * handler can have special-cased), and always puts them back.
 */
async function withTablesHidden<T>(ctx: CheckContext, work: () => Promise<T>): Promise<T> {
  const tables = ctx.database.tables;
  const hidden = tables.map((table) => `${table}_shipshape_6_2`);
  const client = await connectAdmin(await ctx.postgresAdmin());
  try {
    await renameTables(client, tables, hidden);
    try {
      return await work();
    } finally {
      await renameTables(client, hidden, tables);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A GET the target must answer 4xx: a conversation that does not exist, or an invalid question. */
async function sendClientError(ctx: CheckContext, baseUrl: string): Promise<KnownRequest> {
  const id = requestId(ctx, 'client-error');
  const timeout = AbortSignal.timeout(ctx.thresholds.requestTimeoutMs);
  const conversations = ctx.target.paths.conversations;
  if (conversations) {
    const path = `${conversations}/${randomUUID()}`;
    const response = await fetch(`${baseUrl}${path}`, { headers: { 'x-request-id': id }, signal: timeout });
    await response.arrayBuffer();
    return { id, request: `GET ${conversations}/<random id>`, status: response.status };
  }
  const response = await fetch(`${baseUrl}${ctx.target.paths.query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': id },
    body: '{}',
    signal: timeout,
  });
  await response.arrayBuffer();
  return { id, request: `POST ${ctx.target.paths.query} with an empty body`, status: response.status };
}

interface LogTraffic {
  known: KnownRequest[];
  /** Why no 5xx could be forced, if none was. */
  noServerError?: string;
}

async function sendLogTraffic(ctx: CheckContext): Promise<LogTraffic> {
  const known: KnownRequest[] = [await sendClientError(ctx, ctx.baseUrl)];
  if (known[0]!.status < 400 || known[0]!.status >= 500) {
    throw new Error(`${known[0]!.request} answered ${known[0]!.status}, not the 4xx this check needs`);
  }
  if (!ctx.target.database) {
    return { known, noServerError: 'the target declares no database (target.database): no 5xx could be forced' };
  }
  const id = requestId(ctx, 'server-error');
  const result = await withTablesHidden(ctx, () => ctx.client().ask(sampleQuestion, { requestId: id }));
  if (!result.ok)
    throw new Error(`POST ${ctx.target.paths.query} got no answer while its tables were renamed: ${result.error}`);
  known.push({
    id,
    request: `POST ${ctx.target.paths.query} with its tables renamed away`,
    status: result.reply.status,
  });
  return { known };
}

/** Every line the target container wrote so far, once a line for each known request has arrived (bounded). */
async function wholeLog(ctx: CheckContext, known: readonly KnownRequest[]): Promise<OutputLine[]> {
  const container = await containerById(ctx.targetContainerId);
  const deadline = Date.now() + 5_000;
  for (;;) {
    const lines = await outputLines(container);
    const text = lines.map((line) => line.text).join('\n');
    if (known.every((request) => text.includes(request.id)) || Date.now() >= deadline) return lines;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function logObservation(ctx: CheckContext): Promise<{ traffic: LogTraffic; lines: OutputLine[] }> {
  const traffic = await once(`logs:${ctx.runId}`, () => sendLogTraffic(ctx));
  return { traffic, lines: await wholeLog(ctx, traffic.known) };
}

export async function probeStructuredLogs(ctx: CheckContext): Promise<Verdict> {
  const { traffic, lines } = await logObservation(ctx);
  return withNote(structuredLogsVerdict(lines, traffic.known, ctx.secrets), railwayLogsNote);
}

export async function probeLogLevels(ctx: CheckContext): Promise<Verdict> {
  const { traffic, lines } = await logObservation(ctx);
  const verdict = logLevelsVerdict(lines, traffic.known, ctx.target.paths.ready, ctx.secrets);
  return traffic.noServerError && verdict.status === 'passed'
    ? { ...verdict, message: `${verdict.message} (${traffic.noServerError})` }
    : verdict;
}

export async function probeNoSecretsInLogs(ctx: CheckContext): Promise<Verdict> {
  const { lines } = await logObservation(ctx);
  return noSecretsVerdict(lines, ctx.secrets);
}

async function scrape(ctx: CheckContext, path: string): Promise<Exposition> {
  let response: Response;
  try {
    response = await fetch(`${ctx.baseUrl}${path}`, { signal: AbortSignal.timeout(ctx.thresholds.requestTimeoutMs) });
  } catch (error) {
    throw new Error(`GET ${path} failed: ${describeFetchError(error)}`, { cause: error });
  }
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status}, not 200 with Prometheus text`);
  return parseExposition(text);
}

const idRequests = 3;

/** Opens a WebSocket and resolves once it is open (bounded). */
async function openWebSocket(url: string, timeoutMs: number): Promise<WebSocket> {
  const socket = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the WebSocket ${url} did not open within ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.addEventListener('open', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.addEventListener('error', () => {
      clearTimeout(timer);
      reject(new Error(`the WebSocket ${url} failed to open`));
    });
  });
  return socket;
}

async function sendMetricsTraffic(ctx: CheckContext): Promise<{ scrapes: Scrapes; sent: SentTraffic }> {
  const spec = ctx.target.metrics!;
  const before = await scrape(ctx, spec.path);
  const base = ctx.target.paths.conversations ?? `${ctx.target.paths.query}/shipshape-missing`;
  const ids = Array.from({ length: idRequests }, () => randomUUID());
  let status = 0;
  for (const id of ids) {
    const response = await fetch(`${ctx.baseUrl}${base}/${id}`, {
      headers: { 'x-request-id': requestId(ctx, 'metrics') },
      signal: AbortSignal.timeout(ctx.thresholds.requestTimeoutMs),
    });
    await response.arrayBuffer();
    if (status !== 0 && response.status !== status) {
      throw new Error(`GET ${base}/<random id> answered ${status}, then ${response.status}: no fixed traffic to count`);
    }
    status = response.status;
  }
  let during: Exposition | undefined;
  const websocket = Boolean(ctx.target.paths.ws && spec.websocketConnections);
  if (websocket) {
    const socket = await openWebSocket(
      `${ctx.baseUrl.replace(/^http/, 'ws')}${ctx.target.paths.ws}`,
      ctx.thresholds.requestTimeoutMs,
    );
    try {
      during = await scrape(ctx, spec.path);
    } finally {
      socket.close();
    }
  }
  // Locally, one internal error (the tables renamed away): a 5xx counted once, and a dependency error.
  let forcedError: SentTraffic['forcedError'];
  if (ctx.kind === 'local' && ctx.target.database) {
    const forced = await withTablesHidden(ctx, () =>
      ctx.client().ask(sampleQuestion, { requestId: requestId(ctx, 'metrics-error') }),
    );
    if (forced.ok)
      forcedError = {
        request: `POST ${ctx.target.paths.query} with its tables renamed away`,
        status: forced.reply.status,
      };
  }
  const asked = await ctx.client().ask(sampleQuestion, { requestId: requestId(ctx, 'metrics-question') });
  const questionAnswered = asked.ok && asked.reply.status === 200;
  // A deployed service keeps nothing this check created.
  if (asked.ok) await ctx.client().deleteConversation(asked.reply.conversationId);
  // The server sees the WebSocket close a moment after the client: wait (bounded) for the gauge to settle.
  let after = await scrape(ctx, spec.path);
  const gauge = spec.websocketConnections;
  const deadline = Date.now() + 5_000;
  while (websocket && gauge && Date.now() < deadline) {
    const value = (exposition: Exposition) =>
      exposition.samples.filter((sample) => sample.name === gauge).reduce((total, sample) => total + sample.value, 0);
    if (value(after) === value(before)) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
    after = await scrape(ctx, spec.path);
  }
  return {
    scrapes: { before, during, after },
    sent: {
      request: `GET ${base}/<random id>`,
      count: ids.length,
      status,
      ids,
      websocket,
      questionAnswered,
      ...(forcedError ? { forcedError } : {}),
    },
  };
}

export async function probeMetricsCounts(ctx: CheckContext): Promise<Verdict> {
  const { scrapes, sent } = await once(`metrics:${ctx.runId}`, () => sendMetricsTraffic(ctx));
  const verdict = countsVerdict(ctx.target.metrics!, scrapes, sent);
  return withNote(
    sent.questionAnswered || verdict.status !== 'passed'
      ? verdict
      : {
          ...verdict,
          message: `${verdict.message}; the question was not answered 200, so dependency timings were not counted`,
        },
    railwayMetricsNote,
  );
}

export async function probeMetricsLabels(ctx: CheckContext): Promise<Verdict> {
  const { scrapes, sent } = await once(`metrics:${ctx.runId}`, () => sendMetricsTraffic(ctx));
  return boundedLabelsVerdict(ctx.target.metrics!, scrapes.after, sent);
}

/** Polls the readiness route (or health) of a second container until it answers 200 (bounded). */
async function waitUntilReady(ctx: CheckContext, baseUrl: string, withinMs: number): Promise<void> {
  const path = ctx.target.paths.ready ?? ctx.target.paths.health;
  const deadline = Date.now() + withinMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${baseUrl}${path}`, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
      last = `answered ${response.status}`;
    } catch (error) {
      last = describeFetchError(error);
    }
    ctx.note(`the container with ${ctx.target.errorTracking!.dsnVariable} set: ${path} ${last}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`the container with the DSN set did not become ready within ${withinMs} ms (${path} ${last})`);
}

/** How long a second container of the image may take to start here. */
export function startupRoomMs(ctx: Pick<CheckContext, 'thresholds'>): number {
  return ctx.thresholds.healthyWithinMs + 30_000;
}

async function captureForcedError(ctx: CheckContext): Promise<CaptureObservation> {
  const tracking = ctx.target.errorTracking!;
  const alias = `sentry-${randomBytes(3).toString('hex')}`;
  const capture = await startOneOff({
    ...ctx.network,
    image: ctx.images.base ?? ctx.local.image,
    environment: {},
    command: ['node', '-e', captureScript, String(capturePort)],
    aliases: [alias],
  });
  try {
    const listenBy = Date.now() + 30_000;
    while (!capturedEnvelopes(await outputLines(capture)).listening) {
      if (Date.now() > listenBy) throw new Error('the capture endpoint did not start listening within 30 s');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const target = await startTargetContainer({
      image: ctx.local.image,
      ...ctx.network,
      port: ctx.target.port,
      environment: { ...ctx.local.environment, [tracking.dsnVariable]: captureDsn(alias) },
    });
    try {
      // A second start-up while the machine is busy: the bound 1.2 holds the target to, with room (this is not a timing check).
      const health = await waitForHealthy(target, ctx.target.paths.health, startupRoomMs(ctx));
      if (!health.healthy) throw new Error(`the container with ${tracking.dsnVariable} set: ${health.reason}`);
      await waitUntilReady(ctx, target.baseUrl, startupRoomMs(ctx));
      const id = requestId(ctx, 'sentry');
      const client = new TargetClient(target.baseUrl, ctx.target, ctx.thresholds.requestTimeoutMs);
      const result = await withTablesHidden(ctx, () => client.ask(sampleQuestion, { requestId: id }));
      const returned = result.ok ? (result.reply.headers.get('x-request-id') ?? undefined) : undefined;
      const requestIds = [id, returned].filter((value): value is string => Boolean(value));
      // The SDK sends in the background: wait (bounded) for the tagged event, then a moment for any other.
      const deadline = Date.now() + 15_000;
      let envelopes = capturedEnvelopes(await outputLines(capture)).envelopes;
      while (Date.now() < deadline) {
        const tagged = eventsOf(envelopes).some((event) =>
          requestIds.includes(tagOf(event, tracking.requestIdTag) ?? ''),
        );
        if (tagged) break;
        await new Promise((resolve) => setTimeout(resolve, 300));
        envelopes = capturedEnvelopes(await outputLines(capture)).envelopes;
      }
      const lines = await outputLines(capture);
      const targetLines = await containerLogs(target.container, 12).catch(() => '');
      return {
        targetTail: targetLines.split('\n'),
        captureTail: lines.slice(-5).map((line) => line.text.slice(0, 200)),
        request: `POST ${ctx.target.paths.query} with its tables renamed away, to a container with ${tracking.dsnVariable} set`,
        status: result.ok ? result.reply.status : result.error,
        requestIds,
        tag: tracking.requestIdTag,
        envelopes: capturedEnvelopes(lines).envelopes,
        otherRequests: lines.filter((line) => line.text.includes('"kind":"other"')).length,
      };
    } finally {
      await target.container.stop({ timeout: 2_000 });
    }
  } finally {
    await removeOneOff(capture);
  }
}

function sentryObservation(ctx: CheckContext): Promise<CaptureObservation> {
  return once(`sentry:${ctx.runId}`, () => captureForcedError(ctx));
}

export async function probeErrorsReported(ctx: CheckContext): Promise<Verdict> {
  const observed = await sentryObservation(ctx);
  if (typeof observed.status === 'number' && observed.status < 500) {
    return failed(`${observed.request} answered ${observed.status}, not a 5xx: no internal error to report`);
  }
  return reportedVerdict(observed, ctx.secrets);
}

export async function probeEventsScrubbed(ctx: CheckContext): Promise<Verdict> {
  if (ctx.secrets.length === 0) return skipped('the run knows no secret values to look for');
  return scrubbedVerdict(await sentryObservation(ctx), ctx.secrets);
}
