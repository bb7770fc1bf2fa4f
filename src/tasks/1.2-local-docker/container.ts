/**
 * Seed task 1.2: the image builds, the container runs and answers its health
 * and readiness routes, and comes back after a restart.
 */
import { failed, passed, type Verdict } from '../../checks/check.ts';
import type { LocalTargetInfo } from '../../environments/info.ts';
import { BuildFailedError, buildImage, type ImageBuild } from '../../environments/local/image-build.ts';
import {
  containerLogs,
  startTargetContainer,
  waitForHealthy,
  type HealthOutcome,
  type TargetRun,
} from '../../environments/local/target.ts';
import { excerpt, getJson } from '../../support/http.ts';

/** The verdict on the build the environment ran. */
export function imageBuildVerdict(local: LocalTargetInfo): Verdict {
  if (local.buildFailure) return failed(local.buildFailure.message, local.buildFailure.evidence);
  return passed(`built ${local.image} in ${((local.buildMs ?? 0) / 1000).toFixed(1)} s`);
}

/** Builds the image; a failed build is a verdict on the target, with the builder's message as evidence. */
export async function probeImageBuilds(build: ImageBuild): Promise<Verdict> {
  try {
    const { image, buildMs } = await buildImage(build);
    return passed(`built ${image} in ${(buildMs / 1000).toFixed(1)} s`);
  } catch (error) {
    if (error instanceof BuildFailedError) return failed(error.message, error.log);
    throw error;
  }
}

/** The verdict on the target the environment started (it measured time to healthy). */
export function startVerdict(local: LocalTargetInfo, withinMs: number): Verdict {
  if (local.startFailure) return failed(local.startFailure.message, local.startFailure.evidence);
  return passed(`healthy after ${local.healthyAfterMs} ms (bound ${withinMs} ms)`);
}

export async function probeHealth200(baseUrl: string, path: string, timeoutMs: number): Promise<Verdict> {
  const result = await getJson(`${baseUrl}${path}`, timeoutMs);
  if (!result.ok) return failed(`GET ${path} got no answer: ${result.error}`);
  const { status, body, text } = result.answer;
  if (status !== 200) return failed(`GET ${path} answered ${status}`, excerpt(text));
  if ((body as { status?: unknown } | undefined)?.status !== 'ok') {
    return failed(`GET ${path} answered 200 but the body is not {"status":"ok"}`, excerpt(text));
  }
  return passed(`GET ${path} answered 200 ${excerpt(text, 120)}`);
}

export async function probeReady200(baseUrl: string, path: string, timeoutMs: number): Promise<Verdict> {
  const result = await getJson(`${baseUrl}${path}`, timeoutMs);
  if (!result.ok) return failed(`GET ${path} got no answer: ${result.error}`);
  const { status, body, text } = result.answer;
  const checks = (body as { checks?: Record<string, { ok?: boolean }> } | undefined)?.checks;
  if (status !== 200) return failed(`GET ${path} answered ${status}`, excerpt(text));
  if (!checks || Object.keys(checks).length === 0) {
    return failed(`GET ${path} answered 200 but names no dependency checks`, excerpt(text));
  }
  const down = Object.entries(checks).filter(([, check]) => check.ok !== true);
  if (down.length > 0) {
    return failed(`GET ${path} answered 200 while ${down.map(([name]) => name).join(', ')} not ok`, excerpt(text));
  }
  return passed(`ready; dependencies ok: ${Object.keys(checks).join(', ')}`);
}

function healthFailure(when: string, outcome: HealthOutcome & { healthy: false }): Verdict {
  return failed(`${when}: ${outcome.reason}`, outcome.logs);
}

/**
 * Starts a second container of the image, waits until it answers, restarts it
 * the way Docker's and Railway's restart policies do (SIGTERM, then start the
 * same container again: same filesystem, same database), and expects its
 * health route again within the bound. Start-up that only works once (a lock
 * or pid file left behind, a migration that is not idempotent, a port still
 * held) shows up here, and a crash loop is what the platform then runs.
 */
export async function probeHealthyAfterRestart(
  run: TargetRun & { healthPath: string; withinMs: number },
): Promise<Verdict> {
  const target = await startTargetContainer(run);
  try {
    const first = await waitForHealthy(target, run.healthPath, run.withinMs);
    if (!first.healthy) return healthFailure('the container never became healthy before the restart', first);
    await target.container.restart({ timeout: 10_000 });
    // A restart keeps the container but may map its port anew.
    const again = {
      container: target.container,
      baseUrl: `http://127.0.0.1:${target.container.getMappedPort(run.port)}`,
    };
    const second = await waitForHealthy(again, run.healthPath, run.withinMs);
    if (!second.healthy) return healthFailure('after `docker restart` the container did not come back', second);
    return passed(
      `healthy after ${first.afterMs} ms, and again ${second.afterMs} ms after a restart (bound ${run.withinMs} ms)`,
    );
  } catch (error) {
    return failed(
      `the restart could not be carried out: ${(error as Error).message}`,
      await containerLogs(target.container),
    );
  } finally {
    await target.container.stop({ timeout: 2_000 }).catch(() => undefined);
  }
}
