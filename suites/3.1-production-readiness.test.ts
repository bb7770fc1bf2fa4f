/**
 * Seed task 3.1, "Production readiness": the app takes the platform's PORT,
 * listens where other containers reach it, logs JSON lines that follow a
 * request by its id, answers internal errors generically (detail in the log),
 * and refuses to start without a required variable, naming it, leaking nothing.
 */
import { describe, inject } from 'vitest';
import { skipped } from '../src/checks/check.ts';
import { check } from '../src/checks/define.ts';
import { needsBuiltImage, needsRunningTarget } from '../src/probes/container.ts';
import {
  probeGenericInternalError,
  probeHonoursRandomPort,
  probeJsonLogs,
  probeReachableOnNetwork,
  probeRequiredVariables,
  readinessChecks,
  requiredVariablesTimeoutMs,
} from '../src/probes/production-readiness.ts';

const environment = inject('shipshape:environment');
const { healthyWithinMs } = environment.thresholds;
/** A second container of the image: its start-up bound, and room to create and remove it. */
const oneContainerMs = healthyWithinMs + 60_000;

describe('3.1 production readiness', () => {
  check(
    readinessChecks.honoursRandomPort,
    async () => needsRunningTarget(environment) ?? probeHonoursRandomPort(environment),
    { timeoutMs: oneContainerMs },
  );

  check(
    readinessChecks.reachableOnNetworkAddress,
    async () => needsBuiltImage(environment) ?? probeReachableOnNetwork(environment),
    { timeoutMs: oneContainerMs },
  );

  check(readinessChecks.jsonLogs, async () => {
    const blocked = needsRunningTarget(environment);
    if (blocked) return blocked;
    if (!environment.local?.containerId) return skipped('the target container was not started');
    return probeJsonLogs(environment);
  });

  check(readinessChecks.genericInternalError, async () => {
    const blocked = needsRunningTarget(environment);
    if (blocked) return blocked;
    if (!environment.local?.containerId) return skipped('the target container was not started');
    return probeGenericInternalError(environment);
  });

  check(
    readinessChecks.requiredVariables,
    async () => needsBuiltImage(environment) ?? probeRequiredVariables(environment),
    { timeoutMs: requiredVariablesTimeoutMs(environment.target.requiredEnv.length, healthyWithinMs) },
  );
});
