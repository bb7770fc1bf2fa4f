/**
 * Seed task 3.2, "PostgreSQL integration": migrations applied, TLS to the
 * database, accepted questions stored (also across an outage), readiness that
 * follows the database, and a bounded pool. The outage checks pause or stop
 * the PostgreSQL container and always bring it back (DependencyFaults.withOutage).
 */
import { describe, inject } from 'vitest';
import type { Verdict } from '../src/checks/check.ts';
import { check } from '../src/checks/define.ts';
import type { EnvironmentInfo } from '../src/environments/info.ts';
import { needsReadinessRoute, needsRunningTarget } from '../src/probes/container.ts';
import {
  maskVerdict,
  needsDatabase,
  postgresChecks,
  postgresContext,
  probeMigrationsApplied,
  probeNoAcceptedMessageLost,
  probePoolWithinLimit,
  probeReadinessThroughOutage,
  probeTlsConnections,
  probeWritesPersisted,
  type PostgresProbeContext,
} from '../src/probes/postgres-integration.ts';

const environment = inject('shipshape:environment');

/** Skips with the reason when there is no database or no local running target; masks secrets in the verdict. */
async function withDatabase(
  probe: (context: PostgresProbeContext) => Promise<Verdict>,
  ...more: ((environment: EnvironmentInfo) => Verdict | undefined)[]
): Promise<Verdict> {
  for (const blocker of [needsDatabase, needsRunningTarget, ...more]) {
    const blocked = blocker(environment);
    if (blocked) return blocked;
  }
  const context = postgresContext(environment);
  return maskVerdict(await probe(context), context.secrets);
}

// The outage checks wait up to the detection and recovery bounds, on top of a baseline wait.
const { outageDetectedWithinMs, recoveryWithinMs, healthyWithinMs } = environment.thresholds;
const outageTimeoutMs = 3 * recoveryWithinMs + outageDetectedWithinMs + 60_000;

describe('3.2 PostgreSQL integration', () => {
  check(postgresChecks.migrationsApplied, () => withDatabase(probeMigrationsApplied), {
    timeoutMs: healthyWithinMs + 60_000,
  });

  check(postgresChecks.tlsConnections, () => withDatabase(probeTlsConnections));

  check(postgresChecks.writesPersisted, () => withDatabase(probeWritesPersisted));

  check(
    postgresChecks.readinessOnPause,
    () => withDatabase((context) => probeReadinessThroughOutage(context, 'pause'), needsReadinessRoute),
    { timeoutMs: outageTimeoutMs },
  );

  check(
    postgresChecks.readinessOnStop,
    () => withDatabase((context) => probeReadinessThroughOutage(context, 'stop'), needsReadinessRoute),
    { timeoutMs: outageTimeoutMs },
  );

  check(postgresChecks.noAcceptedMessageLost, () => withDatabase(probeNoAcceptedMessageLost), {
    timeoutMs: outageTimeoutMs + 60_000,
  });

  check(postgresChecks.poolWithinLimit, () => withDatabase(probePoolWithinLimit));
});
