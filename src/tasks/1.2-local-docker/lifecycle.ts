/**
 * Seed task 1.2: the container starts and stops the way a platform runs it:
 * SIGTERM on every redeploy, and a clear exit on a broken configuration.
 */
import { getContainerRuntimeClient } from 'testcontainers';
import { containerById, waitForExit } from '../../support/docker.ts';
import { failed, passed, type Verdict } from '../../checks/check.ts';
import {
  containerLogs,
  startTargetContainer,
  waitForHealthy,
  type StartedTarget,
} from '../../environments/local/target.ts';
import { findStackTrace } from '../../support/log-lines.ts';
import { evidenceLine, maskSecretValues, type Secret } from '../../support/secrets.ts';

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

/**
 * Starts a second container of the image, waits until it answers, sends the
 * SIGTERM a redeploy sends, and times the exit. A shell or npm as PID 1 never
 * passes the signal on: the platform then kills the app mid-request.
 */
export async function probeSigtermExitsCleanly(
  run: ContainerRun,
  healthyWithinMs: number,
  drainWithinMs: number,
): Promise<Verdict> {
  const target = await startTargetContainer(run);
  try {
    const health = await waitForHealthy(target, run.healthPath, healthyWithinMs);
    if (!health.healthy) return failed(`the container never became healthy: ${health.reason}`, mask(health.logs, run));
    const docker = (await getContainerRuntimeClient()).container.dockerode;
    await docker.getContainer(target.container.getId()).kill({ signal: 'SIGTERM' });
    const exit = await exitOf(target, drainWithinMs);
    const logs = mask(await containerLogs(target.container, 20), run);
    if (!exit.exited) {
      return failed(`still running ${exit.afterMs} ms after SIGTERM (bound ${drainWithinMs} ms)`, logs);
    }
    if (exit.exitCode !== 0) return failed(`exited with code ${exit.exitCode} after SIGTERM, not 0`, logs);
    return passed(`exited 0 ${exit.afterMs} ms after SIGTERM (bound ${drainWithinMs} ms)`);
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
