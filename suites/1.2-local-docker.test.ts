/**
 * Seed task 1.2, "Test local Docker build": the image builds, the container
 * runs, becomes healthy within a bound, answers, and honours PORT.
 */
import { describe, inject } from 'vitest';
import { check } from '../src/checks/define.ts';
import { failed } from '../src/checks/check.ts';
import {
  containerChecks,
  healthVerdict,
  imageBuildVerdict,
  needsLocal,
  needsRunningTarget,
  probeHealth200,
  probeHonoursPort,
  probeReady200,
} from '../src/probes/container.ts';

const environment = inject('shipshape:environment');
const { paths } = environment.target;
const { healthyWithinMs, requestTimeoutMs } = environment.thresholds;

describe('1.2 local Docker build', () => {
  check(containerChecks.imageBuilds, async () => needsLocal(environment) ?? imageBuildVerdict(environment));

  check(containerChecks.healthyWithinBound, async () => {
    const local = environment.local;
    if (!local || local.buildFailure) return needsLocal(environment) ?? failed('the image did not build');
    if (local.startFailure) return failed(local.startFailure.message, local.startFailure.evidence);
    return healthVerdict({ healthy: true, afterMs: local.healthyAfterMs ?? 0 }, healthyWithinMs);
  });

  check(containerChecks.health200, async () => {
    const blocked = environment.kind === 'local' ? needsRunningTarget(environment) : undefined;
    return blocked ?? probeHealth200(environment.baseUrl!, paths.health, requestTimeoutMs);
  });

  check(containerChecks.ready200, async () => {
    const blocked = environment.kind === 'local' ? needsRunningTarget(environment) : undefined;
    return blocked ?? probeReady200(environment.baseUrl!, paths.ready, requestTimeoutMs);
  });

  check(containerChecks.honoursPort, async () => {
    const blocked = needsRunningTarget(environment);
    if (blocked) return blocked;
    const local = environment.local!;
    return probeHonoursPort({
      image: local.image,
      networkName: local.networkName,
      runId: environment.runId,
      environment: local.environment,
      healthPath: paths.health,
      defaultPort: environment.target.port,
      withinMs: healthyWithinMs,
    });
  });
});
