import { randomInt } from 'node:crypto';
import { failed, passed, skipped, type CheckSpec, type Verdict } from '../checks/check.ts';
import type { EnvironmentInfo, LocalTargetInfo } from '../environments/info.ts';
import { BuildFailedError, buildImage, type ImageBuild } from '../environments/local/image-build.ts';
import {
  containerLogs,
  startTargetContainer,
  waitForHealthy,
  type HealthOutcome,
} from '../environments/local/target.ts';
import { excerpt, getJson } from './http.ts';

/** Seed task 1.2: the image builds and the container runs and answers. */
export const containerChecks = {
  imageBuilds: {
    id: '1.2/image-builds',
    title: 'The image builds from the Dockerfile',
    hint: 'Fix the failing Dockerfile step shown in the evidence; reproduce with `docker build -f <Dockerfile> <context>`.',
  },
  healthyWithinBound: {
    id: '1.2/healthy-within-bound',
    title: 'The container answers its health route within the bound',
    hint: 'Listen on 0.0.0.0 or :: (not 127.0.0.1) on $PORT early in start-up; move slow work after listen, or raise thresholds.healthyWithinMs.',
  },
  health200: {
    id: '1.2/health-200',
    title: 'GET /health answers 200 with {"status":"ok"}',
    hint: 'Serve the health route with HTTP 200 and a JSON body {"status":"ok"}, touching no dependency.',
  },
  ready200: {
    id: '1.2/ready-200',
    title: 'GET /health/ready answers 200 with every dependency reachable from inside the network',
    hint: 'Check DATABASE_URL (host, credentials, sslmode=require for a self-signed certificate) and that readiness reports each dependency.',
  },
} satisfies Record<string, CheckSpec>;

/** Checks that need the container itself report this in remote environments, never a silent pass. */
export function needsLocal(environment: EnvironmentInfo): Verdict | undefined {
  return environment.kind === 'local' ? undefined : skipped('needs --env=local');
}

/** Checks downstream of a failed build say why they could not run. */
export function needsBuiltImage(environment: EnvironmentInfo): Verdict | undefined {
  if (environment.local?.buildFailure) return skipped('the target image did not build (see 1.2/image-builds)');
  return needsLocal(environment);
}

/** Checks downstream of a failed build or start say why they could not run. */
export function needsRunningTarget(environment: EnvironmentInfo): Verdict | undefined {
  const blocked = needsBuiltImage(environment);
  if (blocked) return blocked;
  if (environment.local?.startFailure)
    return skipped('the target did not become healthy (see 1.2/healthy-within-bound)');
  return undefined;
}

/** HTTP checks run against a deployed service as they are, and locally once the target runs. */
export function needsReachableTarget(environment: EnvironmentInfo): Verdict | undefined {
  return environment.kind === 'remote' ? undefined : needsRunningTarget(environment);
}

/** A target without a readiness route cannot show its dependencies: say so rather than pass. */
export function needsReadinessRoute(environment: EnvironmentInfo): Verdict | undefined {
  if (environment.target.paths.ready) return undefined;
  return skipped(
    'the target declares no readiness route (target.paths.ready is null); add one that checks each dependency',
  );
}

export function imageBuildVerdict(environment: EnvironmentInfo): Verdict {
  const local = environment.local;
  if (!local) return skipped('needs --env=local');
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

export function healthVerdict(outcome: HealthOutcome, withinMs: number): Verdict {
  if (outcome.healthy) return passed(`healthy after ${outcome.afterMs} ms (bound ${withinMs} ms)`);
  return failed(outcome.reason, outcome.logs);
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

export interface StartProbe {
  image: string;
  networkName: string;
  runId: string;
  environment: Record<string, string>;
  healthPath: string;
  port: number;
  withinMs: number;
}

/** Starts the image as the platform would and expects its health route within the bound. */
export async function probeStartsHealthy(probe: StartProbe): Promise<Verdict> {
  const target = await startTargetContainer(probe);
  try {
    return healthVerdict(await waitForHealthy(target, probe.healthPath, probe.withinMs), probe.withinMs);
  } finally {
    await target.container.stop({ timeout: 2_000 });
  }
}

export interface PortProbe {
  image: string;
  networkName: string;
  runId: string;
  environment: Record<string, string>;
  healthPath: string;
  defaultPort: number;
  withinMs: number;
}

/**
 * Starts a second container of the image with a random PORT and expects the
 * health route on that port. A port hard-coded anywhere shows up as silence.
 */
export async function probeHonoursPort(probe: PortProbe): Promise<Verdict> {
  let port = randomInt(20_000, 60_000);
  if (port === probe.defaultPort) port += 1;
  const target = await startTargetContainer({
    image: probe.image,
    networkName: probe.networkName,
    runId: probe.runId,
    port,
    environment: probe.environment,
  });
  try {
    const outcome = await waitForHealthy(target, probe.healthPath, probe.withinMs);
    if (outcome.healthy) return passed(`answered on PORT=${port} after ${outcome.afterMs} ms`);
    return failed(
      `started with PORT=${port}, but ${outcome.reason}`,
      outcome.logs || (await containerLogs(target.container)),
    );
  } finally {
    await target.container.stop({ timeout: 2_000 });
  }
}
