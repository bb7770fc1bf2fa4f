/**
 * The three checks of 5.2. Each records its figures for the performance report (src/load/perf-data.ts)
 * before it judges, so a failing run still shows what was measured.
 */
import { spawnSync } from 'node:child_process';
import { failed, passed, thresholdsMissed, type Verdict } from '../../checks/check.ts';
import type { CheckContext } from '../../checks/context.ts';
import { loadConfig, type ResolvedConfig } from '../../config/load.ts';
import type { LoadScenario } from '../../config/load-scenarios.ts';
import { runContext } from '../../environments/run-context.ts';
import { judgeScenario, type ThresholdVerdict } from '../../load/judge.ts';
import { readPerfParts, writePerfPart, type ScenarioPart } from '../../load/perf-data.ts';
import { memoryTrend, sampleResources } from '../../load/resources.ts';
import { effectiveScenario } from '../../load/safety.ts';
import { requestSource, runScenario } from '../../load/scenario.ts';
import { holdWebSockets } from '../../load/websocket.ts';
import { progress } from '../../support/progress.ts';
import { explainHistory, planUsesIndex, timeHistoryQuery, withSeededHistory } from './history.ts';
import { loadTarget } from './load-target.ts';

let config: Promise<ResolvedConfig> | undefined;

/** The run's config as scripts/run.ts loaded it: the load scenarios are not part of the environment handed over. */
function runConfig(ctx: CheckContext): Promise<ResolvedConfig> {
  config ??= loadConfig({ envName: ctx.environment.envName, configFile: runContext().configFile });
  return config;
}

const requestTimeoutSeconds = 10;

/** 5.2/history-query-uses-index */
export async function probeHistoryIndex(ctx: CheckContext): Promise<Verdict> {
  const { load } = await runConfig(ctx);
  return withSeededHistory(ctx, load.historyMessages, async (seeded) => {
    ctx.note(`seeded ${seeded.messages} messages in ${seeded.seedMs} ms; reading the plan`);
    const probeId = seeded.conversationIds[Math.floor(seeded.conversationIds.length / 2)]!;
    const plan = planUsesIndex(await explainHistory(seeded.client, probeId));
    const queryMs = await timeHistoryQuery(seeded.client, seeded.conversationIds, 200, ctx.signal);
    await writePerfPart(ctx.environment.reportDir, {
      kind: 'database',
      name: 'history',
      seededMessages: seeded.messages,
      seededConversations: seeded.conversationIds.length,
      seedMs: seeded.seedMs,
      plan: plan.lines,
      usesIndex: plan.usesIndex,
      queryMs,
    });
    const figures =
      `${seeded.messages} messages in ${seeded.conversationIds.length} conversations (seeded in ${seeded.seedMs} ms); ` +
      `one conversation's history: p50 ${queryMs.p50} ms, p95 ${queryMs.p95} ms, p99 ${queryMs.p99} ms over ${queryMs.samples} queries`;
    if (!plan.usesIndex) {
      return failed(
        `the history query scans the messages table instead of using an index: ${figures}`,
        `EXPLAIN of the history query:\n${plan.lines.map((line) => `  ${line}`).join('\n')}`,
      );
    }
    return passed(`answered from an index (${plan.lines.join(' <- ')}); ${figures}`);
  });
}

/** How many descriptors this process may open: each client is one, and the run needs some to spare. */
function openFileLimit(): number {
  const result = spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' });
  const limit = Number(result.stdout.trim());
  return Number.isFinite(limit) && limit > 0 ? limit : 1024;
}

/** Slack beyond the target's keep-alive interval before a client idle that long must have had one. */
const keepAliveSlackSeconds = 2;

/** 5.2/websocket-stability */
export async function probeWebSocketStability(ctx: CheckContext): Promise<Verdict> {
  const { load } = await runConfig(ctx);
  const settings = load.websocket;
  const fileLimit = openFileLimit();
  const clients = Math.min(settings.clients, Math.max(10, fileLimit - 200));
  const limited = clients < settings.clients ? ` (ulimit -n is ${fileLimit}: ${clients} of ${settings.clients})` : '';
  const target = await loadTarget(ctx);
  const keepAliveMs = ctx.target.api.websocket.keepAliveIntervalMs;
  const keepAliveIdleSeconds = keepAliveMs === null ? undefined : keepAliveMs / 1000 + keepAliveSlackSeconds;
  ctx.note(`holding ${clients} WebSocket clients`);
  const sampler = await sampleResources(target.containerId!);
  const started = performance.now();
  const run = await holdWebSockets({
    baseUrl: target.baseUrl,
    target: ctx.target,
    clients,
    holdSeconds: settings.holdSeconds,
    questionsWithinSeconds: settings.questionsWithinSeconds,
    questions: target.questions,
    timeoutSeconds: 30,
    ...(keepAliveIdleSeconds === undefined ? {} : { keepAliveWithinSeconds: keepAliveIdleSeconds }),
    // Memory is judged over the idle part, so the hold lasts past the keep-alive (or 10 s) after the last answer.
    idleAfterAnswersSeconds: (keepAliveIdleSeconds ?? 9) + 1,
    errorType: ctx.target.api.websocket.errorType,
    signal: ctx.signal,
  });
  const resources = await sampler.stop();
  // Memory is judged over the idle part of the hold: after the connections opened and the answers came.
  const holdStartSecond = (performance.now() - started) / 1000 - run.heldSeconds;
  const idleFrom = holdStartSecond + run.lastAnswerSecond + 1;
  const idleSamples = resources.samples.filter((sample) => sample.second >= idleFrom);
  const trend = memoryTrend(idleSamples);
  const { answerRun, ...summary } = run;
  await writePerfPart(ctx.environment.reportDir, {
    kind: 'websocket',
    name: 'websocket',
    run: summary,
    answers: answerRun,
    resources,
    memory: { ...trend, limitMbPerMinute: settings.memorySlopeMbPerMinute, fromSecond: Math.round(idleFrom * 10) / 10 },
    thresholds: [],
  });

  const figures =
    `${run.connected}/${run.clients} clients held ${run.heldSeconds} s${limited}; connect p95 ${run.connectMs.p95} ms; ` +
    `${run.answers}/${run.questions} answered` +
    (Object.keys(run.errorFrames).length ? ` (error frames: ${JSON.stringify(run.errorFrames)})` : '') +
    `, p50 ${answerRun.latencyMs.p50} ms, p95 ${answerRun.latencyMs.p95} ms; ` +
    `${run.dropped} dropped; keep-alive on ${run.keepAliveClients} (${run.keepAliveExpected} idle long enough to expect one); memory ${resources.memoryMb.first} -> ` +
    `${resources.memoryMb.last} MB (peak ${resources.memoryMb.peak}), idle slope ${trend.slopeMbPerMinute} MB/min`;
  const problems: string[] = [];
  if (run.connected < run.clients)
    problems.push(`${run.clients - run.connected} of ${run.clients} clients could not connect`);
  if (run.dropped > 0) {
    problems.push(`${run.dropped} connections dropped by the server (${JSON.stringify(run.dropReasons)})`);
  }
  // Error frames are answers (the service shedding load says so); their rate is a threshold (websocket: errors<..).
  if (run.unanswered > 0) problems.push(`${run.unanswered} of ${run.questions} questions got no answer at all`);
  // Clients idle long enough that the server's keep-alive (10 s in the reference) must have come by the end.
  if (keepAliveIdleSeconds === undefined) {
    // The target declares no keep-alive (api.websocket.keepAliveIntervalMs is null): none is expected.
  } else if (run.keepAliveExpected === 0) {
    problems.push(`no client was idle ${keepAliveIdleSeconds} s before the end, so no keep-alive could be judged`);
  } else if (run.keepAliveMissing > 0) {
    problems.push(
      `${run.keepAliveMissing} of ${run.keepAliveExpected} clients idle for ${keepAliveIdleSeconds} s got no keep-alive frame`,
    );
  }
  if (Number.isNaN(trend.slopeMbPerMinute)) {
    problems.push(`too few memory samples after the answers (${trend.samples}) to judge a trend; raise holdSeconds`);
  } else if (trend.slopeMbPerMinute > settings.memorySlopeMbPerMinute) {
    problems.push(
      `memory grows while the clients idle: ${trend.slopeMbPerMinute} MB/min over ${trend.samples} samples ` +
        `(limit ${settings.memorySlopeMbPerMinute} MB/min)`,
    );
  }
  if (problems.length > 0) {
    const memory = resources.samples.map((sample) => `${sample.second}s ${sample.memoryMb}MB`).join(', ');
    return failed(`${problems.join('; ')}: ${figures}`, `memory samples (target container): ${memory}`);
  }
  return passed(figures);
}

/** Routes that write to, or need seeded rows in, the target's database: local only. */
const localOnlyRoutes = new Set(['query', 'history']);

function scenarioPart(
  name: string,
  scenario: LoadScenario,
  capped: string | undefined,
  outcome: Awaited<ReturnType<typeof runScenario>>,
  thresholds: ThresholdVerdict[],
): ScenarioPart {
  return {
    kind: 'scenario',
    name,
    route: scenario.route,
    settings: {
      mode: scenario.mode,
      connections: scenario.connections,
      ...(scenario.mode === 'open' ? { rate: scenario.rate } : {}),
      durationSeconds: scenario.durationSeconds,
      warmupSeconds: scenario.warmupSeconds,
    },
    ...(capped ? { capped } : {}),
    run: outcome.run,
    ...(outcome.resources ? { resources: outcome.resources } : {}),
    ...(outcome.cpuMsPerRequest !== undefined ? { cpuMsPerRequest: outcome.cpuMsPerRequest } : {}),
    thresholds,
  };
}

/** 5.2/load-within-thresholds */
export async function probeLoadThresholds(ctx: CheckContext): Promise<Verdict> {
  const { load } = await runConfig(ctx);
  const limits = ctx.thresholds.performance;
  const target = await loadTarget(ctx);
  const verdicts: ThresholdVerdict[] = [];
  const figures: string[] = [];
  const notRun: string[] = [];

  for (const [name, configured] of Object.entries(load.scenarios)) {
    ctx.signal.throwIfAborted();
    if (configured.route === 'websocket') continue;
    if (target.kind === 'remote' && localOnlyRoutes.has(configured.route)) {
      notRun.push(`${name} (writes to or seeds the deployed database: local only)`);
      continue;
    }
    if (configured.route === 'history' && (!ctx.target.database || !ctx.target.paths.conversations)) {
      notRun.push(`${name} (the target declares no database or conversations route)`);
      continue;
    }
    const { scenario, capped } = effectiveScenario(configured, target.kind, load.remoteCap);
    const run = (conversationIds?: readonly string[]) =>
      runScenario({
        name,
        baseUrl: target.baseUrl,
        scenario,
        next: requestSource(scenario.route, { target: ctx.target, questions: target.questions, conversationIds }),
        timeoutSeconds: requestTimeoutSeconds,
        ...(target.containerId ? { containerId: target.containerId } : {}),
        signal: ctx.signal,
      });
    ctx.note(`running scenario ${name}`);
    const outcome =
      scenario.route === 'history'
        ? await withSeededHistory(ctx, load.historyMessages, (seeded) => run(seeded.conversationIds))
        : await run();
    // A capped run's throughput is the cap: limits on it say nothing about the service.
    const applicable = (limits[name] ?? []).filter(
      (threshold) => !capped || (threshold.aggregation.kind !== 'rps' && threshold.aggregation.kind !== 'count'),
    );
    if (applicable.length < (limits[name] ?? []).length) {
      notRun.push(`${name}'s throughput limits (the load was capped; --load=full judges them)`);
    }
    const judged = judgeScenario(name, applicable, outcome.run);
    verdicts.push(...judged);
    await writePerfPart(ctx.environment.reportDir, scenarioPart(name, scenario, capped, outcome, judged));
    const r = outcome.run;
    figures.push(
      `${name}: ${r.requestsPerSecond} rps, p95 ${r.latencyMs.p95} ms, ${r.non2xx} non-2xx, ${r.errors} errors` +
        (outcome.cpuMsPerRequest !== undefined ? `, ${outcome.cpuMsPerRequest} CPU ms/request` : ''),
    );
    progress(`5.2 ${figures.at(-1)!}`);
  }

  // The WebSocket hold (5.2/websocket-stability, earlier in this run) is judged here too, by its answers.
  const websocketPart = (await readPerfParts(ctx.environment.reportDir)).find((part) => part.kind === 'websocket');
  if (limits.websocket?.length) {
    if (websocketPart?.kind === 'websocket') {
      const judged = judgeScenario('websocket', limits.websocket, websocketPart.answers);
      verdicts.push(...judged);
      // Kept with the hold's figures, so the report lists them beside the HTTP scenarios'.
      await writePerfPart(ctx.environment.reportDir, { ...websocketPart, thresholds: judged });
    } else {
      notRun.push('websocket (5.2/websocket-stability did not run in this run)');
    }
  }

  const unknown = Object.keys(limits).filter((name) => name !== 'websocket' && !(name in load.scenarios));
  const breaches = verdicts.filter((verdict) => !verdict.ok);
  const evidence = [
    ...verdicts.map((verdict) => verdict.line),
    ...(notRun.length ? [`not run: ${notRun.join('; ')}`] : []),
  ].join('\n');
  if (unknown.length > 0) {
    return failed(
      `thresholds name scenarios that do not exist: ${unknown.join(', ')} (scenarios: ${Object.keys(load.scenarios).join(', ')}, websocket)`,
      evidence,
    );
  }
  if (breaches.length > 0) {
    return thresholdsMissed(
      `${breaches.length} of ${verdicts.length} thresholds missed: ${breaches.map((verdict) => verdict.line).join('; ')}`,
      `${figures.join('\n')}\n${evidence}`,
    );
  }
  return passed(
    `${verdicts.length} thresholds held; ${figures.join('; ')}` +
      (notRun.length ? `; not run: ${notRun.join('; ')}` : ''),
  );
}
