/**
 * Seed task 3.2, "PostgreSQL integration": migrations applied, TLS to the
 * database, accepted questions stored (also across an outage), readiness that
 * follows the database, and a bounded pool. The outage checks pause or stop
 * the PostgreSQL container and always bring it back (DependencyFaults.withOutage).
 */
import { defineCheck, defineTask, type LimitInputs } from '../../checks/definition.ts';
import {
  probeMigrationsApplied,
  probeNoAcceptedMessageLost,
  probePoolWithinLimit,
  probeReadinessThroughOutage,
  probeTlsConnections,
  probeWritesPersisted,
} from './probes.ts';

// The outage checks wait up to the detection and recovery bounds, on top of a baseline wait.
const outageMs = ({ thresholds }: LimitInputs) =>
  3 * thresholds.recoveryWithinMs + thresholds.outageDetectedWithinMs + 60_000;

export const postgresTask = defineTask({
  id: '3.2',
  name: 'postgres',
  title: 'PostgreSQL integration',
  checks: [
    defineCheck({
      id: '3.2/migrations-applied',
      title: 'Every table the target declares exists in the database it uses (its migrations ran)',
      hint: 'Run the migrations at start-up (not at build time: the private network exists only at runtime) and ship the migration files in the image.',
      requires: ['database', 'running-target'],
      timeLimitMs: ({ thresholds }) => thresholds.healthyWithinMs + 60_000,
      run: probeMigrationsApplied,
    }),
    defineCheck({
      id: '3.2/tls-connections',
      title: "The target's own connections to PostgreSQL are encrypted (pg_stat_ssl)",
      hint: 'Connect with TLS: keep sslmode=require in DATABASE_URL and accept the self-signed certificate (ssl: { rejectUnauthorized: false }), never sslmode=disable.',
      requires: ['database', 'running-target'],
      run: probeTlsConnections,
    }),
    defineCheck({
      id: '3.2/writes-persisted',
      title: 'Each question answered 2xx and the answer returned for it are stored, in their conversation',
      hint: 'Store every accepted question and the answer you return (with the conversation id you return) in PostgreSQL before replying; an in-memory or no-op store, or one that skips the answer, loses them.',
      requires: ['database', 'running-target'],
      run: probeWritesPersisted,
    }),
    defineCheck({
      id: '3.2/readiness-on-postgres-pause',
      title: 'Readiness answers 503 naming the database while PostgreSQL is frozen, and 200 once it is back',
      hint: 'Bound the readiness query with a timeout (a frozen database never answers) and report the database as not ok with 503; do not await it unbounded.',
      requires: ['database', 'running-target', 'readiness-route'],
      timeLimitMs: outageMs,
      run: (ctx) => probeReadinessThroughOutage(ctx, 'pause'),
    }),
    defineCheck({
      id: '3.2/readiness-on-postgres-stop',
      title: 'Readiness answers 503 naming the database while PostgreSQL is down, and 200 once it is back',
      hint: 'Make readiness run a real query through the app pool (SELECT 1) and answer 503 naming the database when it fails; reconnect when it returns.',
      requires: ['database', 'running-target', 'readiness-route'],
      timeLimitMs: outageMs,
      run: (ctx) => probeReadinessThroughOutage(ctx, 'stop'),
    }),
    defineCheck({
      id: '3.2/no-accepted-message-lost',
      title: 'No question answered 2xx during a database outage is missing from the database afterwards',
      hint: 'When the write of a question fails, answer 503 (retryable) instead of 200: never log-and-continue a failed write.',
      requires: ['database', 'running-target'],
      timeLimitMs: (inputs) => outageMs(inputs) + 60_000,
      run: (ctx) => probeNoAcceptedMessageLost(ctx),
    }),
    defineCheck({
      id: '3.2/pool-within-limit',
      title: 'Under a burst of questions the target holds no more connections than its pool limit',
      hint: 'Bound the connection pool (DATABASE_POOL_MAX, pg Pool `max`) to what the database plan allows, and share one pool per process.',
      requires: ['database', 'running-target'],
      run: (ctx) => probePoolWithinLimit(ctx),
    }),
  ],
});
