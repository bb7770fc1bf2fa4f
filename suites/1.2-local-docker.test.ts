/**
 * Seed task 1.2, "Test local Docker build": the image builds, the container
 * runs, becomes healthy within a bound, answers questions the way the
 * frontend asks them, stops cleanly on SIGTERM and refuses a broken
 * configuration clearly. (PORT handling is 3.1's.)
 */
import { describe, inject } from 'vitest';
import { skipped } from '../src/checks/check.ts';
import { check } from '../src/checks/define.ts';
import {
  basicFunctionalityChecks,
  probeQueryAnswers,
  probeWebSocketAnswers,
} from '../src/probes/basic-functionality.ts';
import {
  lifecycleChecks,
  probeFatalConfigExitsCleanly,
  probeSigtermExitsCleanly,
  type ContainerRun,
} from '../src/probes/lifecycle.ts';
import { secretsOf } from '../src/probes/log-lines.ts';
import {
  containerChecks,
  imageBuildVerdict,
  needsBuiltImage,
  needsLocal,
  needsReachableTarget,
  needsRunningTarget,
  needsReadinessRoute,
  probeHealth200,
  probeReady200,
  startVerdict,
} from '../src/probes/container.ts';

const environment = inject('shipshape:environment');
const { paths } = environment.target;
const { healthyWithinMs, requestTimeoutMs, drainWithinMs } = environment.thresholds;

/** A second container of the target's image, wired like the first. */
function containerRun(): ContainerRun {
  const local = environment.local!;
  return {
    image: local.image,
    networkName: local.networkName,
    runId: environment.runId,
    port: environment.target.port,
    environment: local.environment,
    healthPath: paths.health,
    secrets: secretsOf(local.environment, environment.target.secretEnv),
  };
}

describe('1.2 local Docker build', () => {
  check(containerChecks.imageBuilds, async () => needsLocal(environment) ?? imageBuildVerdict(environment));

  check(
    containerChecks.healthyWithinBound,
    async () => needsBuiltImage(environment) ?? startVerdict(environment.local!, healthyWithinMs),
  );

  check(
    containerChecks.health200,
    async () =>
      needsReachableTarget(environment) ?? probeHealth200(environment.baseUrl!, paths.health, requestTimeoutMs),
  );

  check(
    containerChecks.ready200,
    async () =>
      needsReadinessRoute(environment) ??
      needsReachableTarget(environment) ??
      probeReady200(environment.baseUrl!, paths.ready!, requestTimeoutMs),
  );

  check(
    basicFunctionalityChecks.queryAnswers,
    async () =>
      needsReachableTarget(environment) ??
      probeQueryAnswers(environment.baseUrl!, environment.target, requestTimeoutMs * 2),
  );

  check(basicFunctionalityChecks.websocketAnswers, async () => {
    if (!paths.ws) return skipped('the target declares no WebSocket route (target.paths.ws is null)');
    return (
      needsReachableTarget(environment) ??
      probeWebSocketAnswers(environment.baseUrl!, environment.target, requestTimeoutMs * 2)
    );
  });

  check(
    lifecycleChecks.sigtermDrains,
    async () =>
      needsRunningTarget(environment) ?? probeSigtermExitsCleanly(containerRun(), healthyWithinMs, drainWithinMs),
  );

  check(lifecycleChecks.fatalConfig, async () => {
    const missing = environment.target.requiredEnv[0];
    if (!missing) return skipped('the target declares no required variable (target.requiredEnv is empty)');
    return needsBuiltImage(environment) ?? probeFatalConfigExitsCleanly(containerRun(), missing, healthyWithinMs);
  });
});
