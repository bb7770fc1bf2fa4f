/**
 * Seed task 2.1, "Configure Railway project": the target's Railway
 * Infrastructure as Code, evaluated offline into the desired configuration,
 * and that configuration held against the target itself: the Dockerfile it
 * builds, the healthcheck path Railway will probe, the start command, and the
 * draining time against the target's measured drain on SIGTERM.
 */
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { failed, passed, skipped, type Verdict } from '../../checks/check.ts';
import type { CheckContext } from '../../checks/context.ts';
import { containerLogs, startTargetContainer, waitForHealthy } from '../../environments/local/target.ts';
import { containerById, waitForExit } from '../../support/docker.ts';
import { getJson } from '../../support/http.ts';
import {
  backendService,
  evaluateRailwayIacOnce,
  IacError,
  type EvaluatedIac,
  type ServiceNode,
} from '../../support/railway-iac.ts';
import { maskSecretValues } from '../../support/secrets.ts';
import { TargetClient } from '../../target/client.ts';
import { configAsCodeFiles, judgeConfigAsCode, type LegacyConfig } from './config-as-code.ts';
import {
  describeIac,
  iacSkeleton,
  judgeDockerfileBuild,
  judgeDraining,
  judgeStartCommand,
  type DrainMeasurement,
} from './service-config.ts';

/** Where a path of the target's repository is shown: relative to it. */
function shown(ctx: CheckContext, file: string): string {
  return path.relative(ctx.target.context, file) || file;
}

type Loaded = { evaluated: EvaluatedIac; service: ServiceNode; elapsedMs: number };

/** The evaluated IaC and the backend's service in it, or the verdict of a check that cannot read them. */
async function loadIac(ctx: CheckContext): Promise<Loaded | Verdict> {
  const file = ctx.target.railway.iacFile;
  if (!existsSync(file)) {
    return skipped(`the target has no Railway IaC at ${shown(ctx, file)} (2.1/iac-evaluates says how to create one)`);
  }
  const started = Date.now();
  try {
    const evaluated = await evaluateRailwayIacOnce(file);
    return {
      evaluated,
      service: backendService(evaluated.graph, ctx.target.railway.service),
      elapsedMs: Date.now() - started,
    };
  } catch (error) {
    if (!(error instanceof IacError)) throw error;
    return skipped(`the IaC at ${shown(ctx, file)} does not evaluate (see 2.1/iac-evaluates): ${error.message}`);
  }
}

function isVerdict(value: Loaded | Verdict): value is Verdict {
  return 'status' in value;
}

/** 2.1/no-config-as-code: no railway.json or railway.toml left, which Railway has ignored since the cutoff. */
export async function probeConfigAsCode(ctx: CheckContext): Promise<Verdict> {
  const configs: LegacyConfig[] = configAsCodeFiles
    .map((file) => path.join(ctx.target.context, file))
    .filter((file) => existsSync(file))
    .map((file) => ({ file: path.basename(file), text: readFileSync(file, 'utf8') }));
  const iac = ctx.target.railway.iacFile;
  return judgeConfigAsCode(configs, shown(ctx, iac), existsSync(iac));
}

/** 2.1/iac-evaluates: the IaC file exists and evaluates offline, without a token, into a valid graph. */
export async function probeIacEvaluates(ctx: CheckContext): Promise<Verdict> {
  const file = ctx.target.railway.iacFile;
  if (!existsSync(file)) {
    return failed(
      `the target has no Railway IaC at ${shown(ctx, file)}: nothing tells Railway how to build, health-check, ` +
        'restart and stop the service (Config as Code files are no longer read)',
      `create ${shown(ctx, file)} (npm install --save-dev railway), for example:\n${iacSkeleton}\n` +
        `or run railway config migrate next to an old railway.json; another location: target.railway.iac in the config`,
    );
  }
  const started = Date.now();
  let evaluated: EvaluatedIac;
  try {
    evaluated = await evaluateRailwayIacOnce(file);
  } catch (error) {
    if (!(error instanceof IacError)) throw error;
    return failed(`${shown(ctx, file)} does not evaluate: ${error.message}`);
  }
  if (evaluated.problems.length > 0) {
    return failed(`${shown(ctx, file)} evaluates to an invalid graph`, evaluated.problems.join('\n'));
  }
  let service: ServiceNode;
  try {
    service = backendService(evaluated.graph, ctx.target.railway.service);
  } catch (error) {
    if (!(error instanceof IacError)) throw error;
    return failed(`${shown(ctx, file)} evaluates, but ${error.message}`);
  }
  return passed(describeIac(evaluated, service, Date.now() - started));
}

/** 2.1/builds-from-dockerfile */
export async function probeBuildsFromDockerfile(ctx: CheckContext): Promise<Verdict> {
  const loaded = await loadIac(ctx);
  if (isVerdict(loaded)) return loaded;
  return judgeDockerfileBuild(loaded.service, ctx.target.context, ctx.target.dockerfile, existsSync);
}

/** 2.1/start-command-keeps-cmd */
export async function probeStartCommand(ctx: CheckContext): Promise<Verdict> {
  const loaded = await loadIac(ctx);
  if (isVerdict(loaded)) return loaded;
  return judgeStartCommand(loaded.service, undefined);
}

/** Railway's healthcheck comes from this host (DESIGN section 6). */
export const railwayHealthcheckHost = 'healthcheck.railway.app';

interface HostAnswer {
  host: string;
  status?: number;
  location?: string;
  error?: string;
}

/** One GET that follows no redirect, with the Host header given (or the URL's own). */
function getWithHost(url: URL, host: string | undefined, timeoutMs: number): Promise<HostAnswer> {
  const client = url.protocol === 'https:' ? https : http;
  const shownHost = host ?? url.host;
  return new Promise((resolve) => {
    const request = client.request(
      url,
      { method: 'GET', headers: host ? { host } : {}, timeout: timeoutMs },
      (response) => {
        response.resume();
        resolve({ host: shownHost, status: response.statusCode, location: response.headers.location });
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', (error) => resolve({ host: shownHost, error: error.message }));
    request.end();
  });
}

function describeAnswer(answer: HostAnswer): string {
  if (answer.error) return `Host ${answer.host}: ${answer.error}`;
  return `Host ${answer.host}: ${answer.status}${answer.location ? ` -> ${answer.location}` : ''}`;
}

/**
 * 2.1/healthcheck-answers-200: the path Railway will probe answers 200 itself,
 * without a redirect, for Railway's healthcheck host as for any other. Locally
 * the container is asked with Host: healthcheck.railway.app and with its own
 * address; a deployed service through its URL, Host unchanged (its edge routes by it).
 */
export async function probeHealthcheckPath(ctx: CheckContext): Promise<Verdict> {
  const loaded = await loadIac(ctx);
  if (isVerdict(loaded)) return loaded;
  const { service } = loaded;
  const healthPath = service.deploy?.healthcheckPath;
  if (!healthPath) {
    return failed(
      `service ${service.name} declares no healthcheck path: Railway then switches traffic to a new deployment ` +
        'as soon as it starts, before it answers anything',
    );
  }
  const url = new URL(healthPath, ctx.baseUrl);
  const hosts = ctx.kind === 'local' ? [railwayHealthcheckHost, undefined] : [undefined];
  const answers: HostAnswer[] = [];
  for (const host of hosts) answers.push(await getWithHost(url, host, ctx.thresholds.requestTimeoutMs));
  const evidence = answers.map(describeAnswer).join('\n');
  const bad = answers.filter((answer) => answer.status !== 200);
  const timeout = service.deploy?.healthcheckTimeout;
  if (bad.length > 0) {
    const redirect = bad.find((answer) => answer.status && answer.status >= 300 && answer.status < 400);
    return failed(
      `GET ${healthPath} ${redirect ? `redirects (${describeAnswer(redirect)})` : `does not answer 200 (${bad.map(describeAnswer).join('; ')})`}: ` +
        `Railway's healthcheck from ${railwayHealthcheckHost} counts only a 200, so every deploy would fail`,
      evidence,
    );
  }
  return passed(
    `GET ${healthPath} answered 200 without a redirect (${answers.map((answer) => `Host ${answer.host}`).join(', ')}); ` +
      `healthcheckTimeout ${timeout === undefined ? 'unset (Railway waits 300 s)' : `${timeout} s`}`,
  );
}

/** How long an answer stays in flight: the Cohere stand-in delays every call by this much. */
const answerLatencyMs = 3_000;

/**
 * Measures the drain a redeploy causes: a second container of the image, an
 * answer held in flight (the Cohere stand-in slowed), SIGTERM, and the time to
 * exit, as 1.2/sigterm-exits-cleanly measures it.
 */
async function measureDrain(ctx: CheckContext, boundMs: number): Promise<DrainMeasurement> {
  const notes: string[] = [];
  const target = await startTargetContainer({
    image: ctx.local.image,
    ...ctx.network,
    port: ctx.target.port,
    environment: ctx.local.environment,
  });
  try {
    const health = await waitForHealthy(target, ctx.target.paths.health, ctx.thresholds.healthyWithinMs);
    if (!health.healthy) throw new Error(`the second container never became healthy: ${health.reason}`);
    await waitReady(
      `${target.baseUrl}${ctx.target.paths.ready ?? ctx.target.paths.health}`,
      ctx.thresholds.healthyWithinMs,
    );
    await ctx.faults.cohereFault({ path: '*', latencyMs: answerLatencyMs });
    notes.push(`Cohere stand-in slowed by ${answerLatencyMs} ms per call, so an answer is in flight at SIGTERM`);
    const client = new TargetClient(target.baseUrl, ctx.target, answerLatencyMs * 3 + boundMs);
    const askedAt = Date.now();
    const question = client.ask('How long should a deployment wait for connections to drain?');
    // SIGTERM once the answer is surely being worked on (its Cohere call arrived), not on a timer.
    notes.push(await waitForCohereCall(ctx, askedAt, 10_000));
    const sigtermAt = Date.now();
    await (await containerById(target.container.getId())).kill({ signal: 'SIGTERM' });
    const exit = await waitForExit(await containerById(target.container.getId()), boundMs, sigtermAt);
    const answer = await question;
    const answered = answer.ok && answer.reply.status < 300;
    notes.push(
      `question asked ${sigtermAt - askedAt} ms before SIGTERM: ${answer.ok ? `HTTP ${answer.reply.status}` : answer.error}`,
    );
    notes.push(
      exit.exitCode === null
        ? `still running ${exit.afterMs} ms after SIGTERM (bound ${boundMs} ms)`
        : `exit code ${exit.exitCode}, ${exit.afterMs} ms after SIGTERM`,
    );
    if (exit.exitCode === null) {
      notes.push(`last log lines:\n${maskSecretValues(await containerLogs(target.container, 15), ctx.secrets)}`);
    }
    return {
      exitAfterMs: exit.exitCode === null ? null : exit.afterMs,
      exitCode: exit.exitCode,
      boundMs,
      inFlightAnswered: answered,
      notes,
    };
  } finally {
    await ctx.faults.clearCohereFaults().catch(() => undefined);
    await target.container.stop({ timeout: 1_000 }).catch(() => undefined);
  }
}

/** Waits until the Cohere stand-in has received a call made after `since`; says what it saw. */
async function waitForCohereCall(ctx: CheckContext, since: number, withinMs: number): Promise<string> {
  const url = `${await ctx.faults.mappedUrl('cohere')}/_standin/requests`;
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    const answer = await getJson(url, 2_000);
    const records = answer.ok
      ? ((answer.answer.body as { requests?: { path: string; time: string }[] }).requests ?? [])
      : [];
    const call = records.find((record) => Date.parse(record.time) >= since - 1_000);
    if (call)
      return `the answer's first Cohere call (${call.path}) arrived ${Date.parse(call.time) - since} ms after the question`;
    await sleep(100);
  }
  return `no Cohere call seen within ${withinMs} ms of the question: SIGTERM sent anyway`;
}

/** Polls `url` until it answers 200 (the second container's dependencies are reachable) or the time is up. */
async function waitReady(url: string, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    const answer = await getJson(url, 2_000);
    if (answer.ok && answer.answer.status === 200) return;
    last = answer.ok ? `HTTP ${answer.answer.status}` : answer.error;
    await sleep(250);
  }
  throw new Error(`the second container was not ready within ${withinMs} ms (${url}: ${last})`);
}

/** The longest drain measured: the declared draining time, or the drain bound, whichever is longer, and room. */
export function drainBoundMs(drainingSeconds: number | null | undefined, drainWithinMs: number): number {
  return Math.max((drainingSeconds ?? 0) * 1000, drainWithinMs) + 5_000;
}

/** 2.1/draining-covers-drain */
export async function probeDraining(ctx: CheckContext): Promise<Verdict> {
  const loaded = await loadIac(ctx);
  if (isVerdict(loaded)) return loaded;
  const bound = drainBoundMs(loaded.service.deploy?.drainingSeconds, ctx.thresholds.drainWithinMs);
  return judgeDraining(loaded.service, await measureDrain(ctx, bound));
}
