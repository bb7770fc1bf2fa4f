/**
 * Seed task 1.2: the container starts and stops the way a platform runs it:
 * SIGTERM on every redeploy (with answers in flight), and a clear exit on a
 * broken configuration.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { getContainerRuntimeClient } from 'testcontainers';
import { containerById, waitForExit } from '../../support/docker.ts';
import { failed, passed, type Verdict } from '../../checks/check.ts';
import type { TargetSpec } from '../../config/target-spec.ts';
import {
  containerLogs,
  startTargetContainer,
  waitForHealthy,
  type StartedTarget,
} from '../../environments/local/target.ts';
import { excerpt, getJson } from '../../support/http.ts';
import { findStackTrace } from '../../support/log-lines.ts';
import { evidenceLine, maskSecretValues, type Secret } from '../../support/secrets.ts';
import { TargetClient } from '../../target/client.ts';
import type { AnswerHold } from './answer-hold.ts';
import { evaluateDrain, httpOutcome, webSocketOutcome, type InFlightOutcome } from './drain.ts';

export interface ContainerRun {
  image: string;
  networkName: string;
  runId: string;
  port: number;
  environment: Record<string, string>;
  healthPath: string;
  secrets: readonly Secret[];
}

/** Polls the target's state until it exits or the bound passes (Docker's view, like the platform's). */
async function exitOf(
  target: StartedTarget,
  withinMs: number,
): Promise<{ exited: boolean; exitCode: number | null; afterMs: number }> {
  const exit = await waitForExit(await containerById(target.container.getId()), withinMs);
  return { exited: exit.exitCode !== null, ...exit };
}

async function stopQuietly(target: StartedTarget): Promise<void> {
  await target.container.stop({ timeout: 1_000 }).catch(() => undefined);
}

export interface DrainRun extends ContainerRun {
  /** The target's API shape: the questions go to the second container the way the frontend asks them. */
  api: Pick<TargetSpec, 'paths' | 'query' | 'ws'>;
  healthyWithinMs: number;
  drainWithinMs: number;
  requestTimeoutMs: number;
}

export interface DrainTiming {
  /** HTTP questions in flight at SIGTERM (one WebSocket question besides, when the target has the route). */
  httpQuestions: number;
  /** SIGTERM goes this long after the questions were sent. */
  sigtermAfterMs: number;
  /** How long after the questions were sent the held writes may go on (after SIGTERM). */
  holdMs: number;
}

export const defaultDrainTiming: DrainTiming = { httpQuestions: 3, sigtermAfterMs: 300, holdMs: 1_500 };

const drainQuestions = [
  'What does the book say about graceful shutdown?',
  'How should a container handle SIGTERM?',
  'What does a readiness check verify?',
  'How long should a deployment wait for connections to drain?',
];
const drainWebSocketQuestion = 'What happens to open connections during a redeploy?';

/** Polls the readiness route until 200 (the second container's dependencies are up), when the target has one. */
async function waitReady(baseUrl: string, readyPath: string | null, withinMs: number): Promise<string | undefined> {
  if (!readyPath) return undefined;
  const started = Date.now();
  let last = 'no answer yet';
  while (Date.now() - started < withinMs) {
    const answer = await getJson(`${baseUrl}${readyPath}`, 2_000);
    if (answer.ok && answer.answer.status === 200) return undefined;
    last = answer.ok ? `${answer.answer.status} ${excerpt(answer.answer.text, 200)}` : answer.error;
    await sleep(250);
  }
  return `${readyPath} did not answer 200 within ${withinMs} ms (last: ${last})`;
}

/**
 * Starts a second container of the image and, once it answers, does what a
 * redeploy does to it: questions are in flight (HTTP and WebSocket, kept
 * slow by `hold`) when SIGTERM comes. Every one of them must still be
 * answered, and the process must exit 0 within the drain bound. A shell or
 * npm as PID 1 never passes the signal on (the platform then SIGKILLs the
 * app mid-request); an app that exits at once cuts the answers instead.
 */
export async function probeSigtermExitsCleanly(
  run: DrainRun,
  hold: () => Promise<AnswerHold>,
  timing: DrainTiming = defaultDrainTiming,
): Promise<Verdict> {
  const target = await startTargetContainer(run);
  try {
    const health = await waitForHealthy(target, run.healthPath, run.healthyWithinMs);
    if (!health.healthy) return failed(`the container never became healthy: ${health.reason}`, mask(health.logs, run));
    const notReady = await waitReady(target.baseUrl, run.api.paths.ready, run.healthyWithinMs);
    // Before SIGTERM the container must answer at all, or a cut answer would prove nothing about draining.
    const questionTimeoutMs = timing.holdMs + run.drainWithinMs + run.requestTimeoutMs;
    const client = new TargetClient(target.baseUrl, run.api, questionTimeoutMs);
    const baseline = notReady ? undefined : await client.ask(drainQuestions[0]!);
    const before = baseline ? httpOutcome('baseline', baseline, 0, run.api.query.answerField) : undefined;
    if (!before?.answered) {
      return failed(
        `before any SIGTERM the second container did not answer a question (${notReady ?? before?.detail}), ` +
          'so draining could not be judged',
        mask(await containerLogs(target.container, 20), run),
      );
    }
    const docker = (await getContainerRuntimeClient()).container.dockerode;
    const held = await hold();
    try {
      const done = <T>(work: Promise<T>) => work.then((value) => ({ value, at: performance.now() }));
      const { ws, query } = run.api;
      const websocket = run.api.paths.ws
        ? done(client.askOverWebSocket(drainWebSocketQuestion, questionTimeoutMs))
        : undefined;
      const questions = drainQuestions.slice(0, timing.httpQuestions).map((question) => done(client.ask(question)));
      await sleep(timing.sigtermAfterMs);
      const sigtermAt = performance.now();
      const sigtermWallClock = Date.now();
      await docker.getContainer(target.container.getId()).kill({ signal: 'SIGTERM' });
      const released = sleep(Math.max(0, timing.holdMs - timing.sigtermAfterMs)).then(() => held.releaseLock());
      const exit = await waitForExit(
        await containerById(target.container.getId()),
        run.drainWithinMs,
        sigtermWallClock,
      );
      await released;
      const outcomes: InFlightOutcome[] = (await Promise.all(questions)).map(({ value, at }, index) =>
        httpOutcome(`http-${index + 1}`, value, at - sigtermAt, query.answerField),
      );
      if (websocket) {
        const { value, at } = await websocket;
        outcomes.push(webSocketOutcome('websocket', value, at - sigtermAt, ws));
      }
      const verdict = evaluateDrain({
        outcomes,
        exit,
        drainWithinMs: run.drainWithinMs,
        notes: [...held.notes, `SIGTERM sent ${timing.sigtermAfterMs} ms after the questions`],
      });
      if (verdict.status !== 'failed') return verdict;
      const logs = mask(await containerLogs(target.container, 20), run);
      return failed(verdict.message, `${verdict.evidence}\ncontainer's last log lines:\n${logs}`);
    } finally {
      await held.clear();
    }
  } finally {
    await stopQuietly(target);
  }
}

/**
 * Starts the image without `missing` (the first required variable): it must
 * stop, non-zero, saying so in a line rather than a stack trace. A process
 * that keeps running or exits 0 makes the platform restart it forever.
 */
export async function probeFatalConfigExitsCleanly(
  run: ContainerRun,
  missing: string,
  withinMs: number,
): Promise<Verdict> {
  const { [missing]: _removed, ...environment } = run.environment;
  const target = await startTargetContainer({ ...run, environment });
  try {
    const exit = await exitOf(target, withinMs);
    const output = await containerLogs(target.container, 200);
    const logs = mask(output, run);
    if (!exit.exited) return failed(`without ${missing}, still running after ${exit.afterMs} ms`, logs);
    if (exit.exitCode === 0) return failed(`without ${missing}, exited 0: the platform reads that as success`, logs);
    const trace = findStackTrace(output);
    if (trace) {
      return failed(
        `without ${missing}, exited ${exit.exitCode} with a ${trace.kind} stack trace instead of a clear line`,
        logs,
      );
    }
    if (!output.includes(missing)) return failed(`without ${missing}, exited ${exit.exitCode} without naming it`, logs);
    const line = output.split('\n').find((text) => text.includes(missing)) ?? '';
    return passed(
      `without ${missing}, exited ${exit.exitCode} after ${exit.afterMs} ms: ${evidenceLine(line, run.secrets, 160)}`,
    );
  } finally {
    await stopQuietly(target);
  }
}

function mask(text: string, run: ContainerRun): string {
  return maskSecretValues(text, run.secrets);
}
