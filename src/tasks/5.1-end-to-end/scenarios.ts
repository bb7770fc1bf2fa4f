/**
 * 5.1's error scenarios, one dependency fault at a time and each undone
 * afterwards (also by the runner, whatever the check did): while it lasts a
 * question over HTTP and one over the WebSocket are asked and readiness is
 * polled; once it is undone, readiness must come back and both must be
 * answered again; locally, every question the target accepted must be in
 * its database. Faults: Qdrant stopped (its storage outlives the container,
 * so the corpus is still there when it starts again), Cohere rate-limited (429 with Retry-After),
 * failing (500) and slower than the target's own timeout, PostgreSQL stopped
 * and started again.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { failed, passed, skipped, type Verdict } from '../../checks/check.ts';
import type { CheckContext } from '../../checks/context.ts';
import type { LimitInputs } from '../../checks/definition.ts';
import type { DependencyName } from '../../environments/local/faults.ts';
import { describeFetchError, excerpt } from '../../support/http.ts';
import { rowsMentioning, totalFor } from './database-rows.ts';
import {
  judgeScenario,
  readinessNamesDown,
  type FrameOutcome,
  type HttpOutcome,
  type ReadinessOutcome,
  type ScenarioBounds,
} from './scenario-verdict.ts';

export type ScenarioName =
  'qdrant-down' | 'cohere-rate-limited' | 'cohere-failing' | 'cohere-slow' | 'postgres-restarted';

interface Scenario {
  dependency: DependencyName;
  /** What the fault is, for messages. */
  fault: string;
  inject(ctx: CheckContext): Promise<void>;
  undo(ctx: CheckContext): Promise<void>;
}

/** The Cohere stand-in may hold a call at most this long. */
const standinLatencyCapMs = 120_000;

const clearCohere = (ctx: CheckContext) => ctx.faults.clearCohereFaults();

export const scenarios: Record<ScenarioName, Scenario> = {
  'qdrant-down': {
    dependency: 'qdrant',
    fault: 'Qdrant stopped, then started again',
    inject: (ctx) => ctx.faults.stop('qdrant'),
    undo: async (ctx) => {
      await ctx.faults.start('qdrant');
      await ctx.faults.waitUntilServing('qdrant');
    },
  },
  'cohere-rate-limited': {
    dependency: 'cohere',
    fault: 'Cohere answering 429 with Retry-After: 1 to every call',
    inject: (ctx) => ctx.faults.cohereFault({ path: '*', status: 429, retryAfterSeconds: 1 }),
    undo: clearCohere,
  },
  'cohere-failing': {
    dependency: 'cohere',
    fault: 'Cohere answering 500 to every call',
    inject: (ctx) => ctx.faults.cohereFault({ path: '*', status: 500 }),
    undo: clearCohere,
  },
  'cohere-slow': {
    dependency: 'cohere',
    fault: "Cohere answering every call only after the target's own timeout and the harness's wait",
    // Longer than the harness waits: a target without its own timeout shows as a hang, not a late 200.
    inject: (ctx) =>
      ctx.faults.cohereFault({
        path: '*',
        latencyMs: Math.min(standinLatencyCapMs, errorWithinMs(ctx.environment) + 15_000),
      }),
    undo: clearCohere,
  },
  'postgres-restarted': {
    dependency: 'postgres',
    fault: 'PostgreSQL stopped, then started again',
    inject: (ctx) => ctx.faults.stop('postgres'),
    undo: async (ctx) => {
      await ctx.faults.start('postgres');
      await ctx.faults.waitUntilServing('postgres');
    },
  },
};

/** How long an error may take: the target's own bound on a dependency call, and a margin for a busy machine. */
export function errorWithinMs({ thresholds, target }: LimitInputs): number {
  return target.endToEnd.upstreamTimeoutMs + Math.max(thresholds.requestTimeoutMs, 5_000) * 2;
}

/** Readiness may reuse a passed check for the target's declared cache time, on top of the detection bound. */
export function detectWithinMs({ thresholds, target }: LimitInputs): number {
  return thresholds.outageDetectedWithinMs + target.endToEnd.readinessCacheMs;
}

/** The whole scenario: a ready wait, the outage, recovery, and the database's look. */
export function scenarioTimeLimitMs(inputs: LimitInputs): number {
  const { thresholds } = inputs;
  return (
    thresholds.recoveryWithinMs * 2 +
    Math.max(errorWithinMs(inputs) + 5_000, detectWithinMs(inputs)) +
    3 * thresholds.requestTimeoutMs +
    60_000
  );
}

function readinessName(ctx: CheckContext, dependency: DependencyName): string {
  if (dependency === 'postgres') return ctx.database.readinessName;
  return ctx.target.api[dependency]?.readinessName ?? dependency;
}

export function scenarioUnavailable(ctx: CheckContext, name: ScenarioName): string | undefined {
  const { dependency } = scenarios[name];
  if (dependency !== 'postgres' && !ctx.target.endToEnd.services.includes(dependency)) {
    return `the target declares that its answers do not need ${dependency} (target.endToEnd.services: ${ctx.target.endToEnd.services.join(', ') || 'none'})`;
  }
  return undefined;
}

async function askHttp(ctx: CheckContext, question: string, waitMs: number): Promise<HttpOutcome> {
  const started = performance.now();
  const result = await ctx.client(waitMs).ask(question);
  const tookMs = performance.now() - started;
  if (!result.ok) {
    return { text: '', tookMs, timedOut: /timeout|timed out|aborted/i.test(result.error), error: result.error };
  }
  return { status: result.reply.status, text: result.reply.text, tookMs, timedOut: false };
}

/** The first frame that is neither a keep-alive nor a streamed delta, to one question. */
async function askWebSocket(ctx: CheckContext, question: string, waitMs: number): Promise<FrameOutcome> {
  const { ws } = ctx.target;
  const delta = ctx.target.api.websocket.streaming?.deltaType;
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = new WebSocket(`${ctx.baseUrl.replace(/^http/, 'ws')}${ctx.target.paths.ws}`);
    let done = false;
    const finish = (outcome: Omit<FrameOutcome, 'tookMs'>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.close();
      resolve({ ...outcome, tookMs: performance.now() - started });
    };
    const timer = setTimeout(() => finish({ timedOut: true }), waitMs);
    socket.addEventListener('open', () =>
      socket.send(JSON.stringify({ type: ws.messageType, [ws.contentField]: question })),
    );
    socket.addEventListener('message', (event) => {
      let frame: Record<string, unknown>;
      try {
        frame = JSON.parse(String(event.data)) as Record<string, unknown>;
      } catch {
        return finish({ timedOut: false, error: 'a frame that is not JSON' });
      }
      if (frame.type === ws.keepAliveType || (delta && frame.type === delta)) return;
      finish({ frame, timedOut: false });
    });
    socket.addEventListener('error', () => finish({ timedOut: false, error: 'the socket failed' }));
    socket.addEventListener('close', (event) =>
      finish({ timedOut: false, error: `the server closed the socket (code ${event.code})` }),
    );
  });
}

interface Poll {
  status?: number;
  text: string;
}

async function readiness(ctx: CheckContext): Promise<Poll> {
  try {
    const response = await fetch(`${ctx.baseUrl}${ctx.readinessPath}`, {
      signal: AbortSignal.timeout(ctx.thresholds.requestTimeoutMs),
    });
    return { status: response.status, text: await response.text() };
  } catch (error) {
    return { text: describeFetchError(error) };
  }
}

const describePoll = (poll: Poll) => `${poll.status ?? 'no answer'} ${excerpt(poll.text, 200)}`;

/** Polls readiness until `done`, within `withinMs`; the first answer that satisfies it, or the last seen. */
async function pollReadiness(
  ctx: CheckContext,
  withinMs: number,
  done: (poll: Poll) => boolean,
): Promise<{ hit?: Poll; afterMs?: number; last?: Poll; polls: number }> {
  const started = performance.now();
  let last: Poll | undefined;
  let polls = 0;
  while (performance.now() - started < withinMs && !ctx.signal.aborted) {
    last = await readiness(ctx);
    polls++;
    ctx.note(`readiness: ${describePoll(last)}`);
    if (done(last)) return { hit: last, afterMs: performance.now() - started, last, polls };
    await sleep(250);
  }
  return { ...(last ? { last } : {}), polls };
}

export async function probeScenario(ctx: CheckContext, name: ScenarioName): Promise<Verdict> {
  const reason = scenarioUnavailable(ctx, name);
  if (reason) return skipped(reason);
  const scenario = scenarios[name];
  const { dependency } = scenario;
  const named = readinessName(ctx, dependency);
  const bounds: ScenarioBounds = {
    errorWithinMs: errorWithinMs(ctx.environment),
    detectWithinMs: detectWithinMs(ctx.environment),
    recoverWithinMs: ctx.thresholds.recoveryWithinMs,
    responseType: ctx.target.ws.responseType,
    errorType: ctx.target.api.websocket.errorType,
  };
  const hasWs = ctx.target.paths.ws !== null;
  const waitMs = bounds.errorWithinMs + 5_000;

  // Start from a ready target, so what follows is this fault's doing.
  const before = await pollReadiness(ctx, ctx.thresholds.recoveryWithinMs, (poll) => poll.status === 200);
  if (!before.hit) {
    return failed(
      `the target was not ready before the fault (${before.last ? describePoll(before.last) : 'no answer'})`,
    );
  }

  const marker = `shipshape-${ctx.runId}-${name}-${randomBytes(3).toString('hex')}`;
  const during = {
    http: `${marker}-http: what is a health check for?`,
    ws: `${marker}-ws: what is a health check for?`,
  };
  await scenario.inject(ctx);
  let http: HttpOutcome;
  let ws: FrameOutcome | undefined;
  let ready: ReadinessOutcome;
  try {
    const [httpOutcome, wsOutcome, polled] = await Promise.all([
      askHttp(ctx, during.http, waitMs),
      hasWs ? askWebSocket(ctx, during.ws, waitMs) : Promise.resolve(undefined),
      pollReadiness(ctx, bounds.detectWithinMs, (poll) => poll.status === 503 && readinessNamesDown(poll.text, named)),
    ]);
    http = httpOutcome;
    ws = wsOutcome;
    ready = {
      ...(polled.hit && polled.afterMs !== undefined ? { named: { status: 503, afterMs: polled.afterMs } } : {}),
      ...(polled.last ? { last: describePoll(polled.last) } : {}),
      polls: polled.polls,
    };
  } finally {
    await scenario.undo(ctx);
  }

  const back = await pollReadiness(ctx, bounds.recoverWithinMs, (poll) => poll.status === 200);
  const after = {
    http: `${marker}-after-http: what is a health check for?`,
    ws: `${marker}-after-ws: what is a health check for?`,
  };
  const recoveryHttp = await askHttp(ctx, after.http, Math.max(ctx.thresholds.requestTimeoutMs * 3, 15_000));
  const recoveryWs = hasWs
    ? await askWebSocket(ctx, after.ws, Math.max(ctx.thresholds.requestTimeoutMs * 3, 15_000))
    : undefined;

  // Every question the target accepted (2xx, or an answer frame) must be in its database.
  let lost: string[] | undefined;
  const accepted: [string, string][] = [];
  const isOk = (outcome: HttpOutcome) => outcome.status !== undefined && outcome.status >= 200 && outcome.status < 300;
  const answered = (outcome?: FrameOutcome) => outcome?.frame?.type === bounds.responseType;
  if (isOk(http)) accepted.push(['during, over HTTP', during.http]);
  if (answered(ws)) accepted.push(['during, over the WebSocket', during.ws]);
  if (isOk(recoveryHttp)) accepted.push(['after, over HTTP', after.http]);
  if (answered(recoveryWs)) accepted.push(['after, over the WebSocket', after.ws]);
  if (ctx.kind === 'local' && ctx.target.database && accepted.length > 0) {
    const markers = accepted.map(([, question]) => question.split(':')[0]!);
    const found = await rowsMentioning(ctx, markers);
    lost = accepted.filter((_entry, index) => totalFor(found, markers[index]!) === 0).map(([label]) => label);
  }

  const observed = {
    http,
    ...(ws ? { ws } : {}),
    readiness: ready,
    recovery: {
      ...(back.afterMs !== undefined ? { readyAfterMs: back.afterMs } : {}),
      ...(back.last ? { lastReadiness: describePoll(back.last) } : {}),
      http: recoveryHttp,
      ...(recoveryWs ? { ws: recoveryWs } : {}),
    },
    ...(lost ? { lost } : {}),
  };
  const problems = judgeScenario(observed, bounds, dependency);
  const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const evidence = [
    `fault: ${scenario.fault}`,
    `during, HTTP: ${http.status ?? http.error ?? 'no answer'} after ${sec(http.tookMs)} ${excerpt(http.text, 200)}`,
    ...(ws
      ? [
          `during, WebSocket: ${ws.frame ? JSON.stringify(ws.frame).slice(0, 200) : (ws.error ?? 'no frame')} after ${sec(ws.tookMs)}`,
        ]
      : []),
    `during, readiness: ${ready.named ? `503 naming ${named} after ${sec(ready.named.afterMs)}` : `never named ${named} (${ready.polls} polls; last ${ready.last ?? '-'})`}`,
    `after, readiness: ${back.afterMs !== undefined ? `200 after ${sec(back.afterMs)}` : `not 200 (last ${back.last ? describePoll(back.last) : '-'})`}`,
    `after, HTTP: ${recoveryHttp.status ?? recoveryHttp.error} after ${sec(recoveryHttp.tookMs)}`,
    ...(recoveryWs ? [`after, WebSocket: ${String(recoveryWs.frame?.type ?? recoveryWs.error)}`] : []),
    `accepted questions: ${accepted.map(([label]) => label).join(', ') || 'none'}${lost ? `; not in the database: ${lost.join(', ') || 'none'}` : ''}`,
  ].join('\n');
  if (problems.length > 0) return failed(`with ${scenario.fault}: ${problems.join('; ')}`, evidence);
  const code = (() => {
    try {
      return (JSON.parse(http.text) as { error?: { code?: string } }).error?.code;
    } catch {
      return undefined;
    }
  })();
  return passed(
    `${scenario.fault}: HTTP 503 ${code ?? ''} in ${sec(http.tookMs)}` +
      (ws ? `, WebSocket error frame in ${sec(ws.tookMs)}` : '') +
      `, readiness named ${named} after ${sec(ready.named!.afterMs)}, ready again ${sec(back.afterMs!)} after it was undone` +
      (lost ? ', every accepted question stored' : ''),
  );
}
