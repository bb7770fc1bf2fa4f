/**
 * Seed task 1.2, "Test local Docker build": the image builds, the container
 * runs, becomes healthy within a bound, and answers. (PORT handling is 3.1's.)
 */
import { describe, inject } from 'vitest';
import { check } from '../src/checks/define.ts';
import {
  containerChecks,
  imageBuildVerdict,
  needsBuiltImage,
  needsLocal,
  needsReachableTarget,
  needsReadinessRoute,
  probeHealth200,
  probeReady200,
  startVerdict,
} from '../src/probes/container.ts';

const environment = inject('shipshape:environment');
const { paths } = environment.target;
const { healthyWithinMs, requestTimeoutMs } = environment.thresholds;

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
});
