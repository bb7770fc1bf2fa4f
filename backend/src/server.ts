import { setTimeout as sleep } from 'node:timers/promises';
import { buildApp } from './app.ts';
import { ConfigError, loadConfig, type BackendConfig } from './config.ts';
import type { DependencyCheck, DependencyObserver } from './contracts.ts';
import { PostgresConversationStore } from './db/conversation-store.ts';
import { MigrationError, runMigrations } from './db/migrate.ts';
import { createPool } from './db/pool.ts';
import { postgresCheck } from './db/readiness.ts';
import { createRagPipeline } from './rag/pipeline.ts';
import { Metrics } from './http/metrics.ts';
import { flushErrorTracking, initErrorTracking, secretValuesOf } from './error-tracking.ts';
import { guardStore } from './store-guard.ts';

function fatal(message: string, fields: Record<string, unknown> = {}): never {
  // Same JSON shape as pino, so log pipelines parse start-up failures too.
  console.error(JSON.stringify({ level: 60, time: Date.now(), msg: message, ...fields }));
  process.exit(1);
}

let config: BackendConfig;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) fatal(error.message, { variables: error.variables });
  throw error;
}

await initErrorTracking({
  dsn: config.SENTRY_DSN,
  release: config.APP_VERSION,
  environment: process.env.RAILWAY_ENVIRONMENT_NAME ?? 'production',
  secrets: secretValuesOf(process.env, ['DATABASE_URL', 'QDRANT_API_KEY', 'COHERE_API_KEY', 'ADMIN_TOKEN']),
});

const metrics = new Metrics();
const observe: DependencyObserver = (dependency, operation, call) => metrics.track(dependency, operation, call);
const pool = createPool(config.DATABASE_URL, { max: config.DATABASE_POOL_MAX });
const rag = createRagPipeline(config.rag, { observe });
let migrated = false;
let migrationState = 'migrating';
let stopping = false;
const readinessTimeoutMs = 2_000;

const app = await buildApp(
  {
    logLevel: config.LOG_LEVEL,
    version: config.APP_VERSION,
    commit: config.GIT_COMMIT,
    corsOrigins: config.CORS_ORIGINS,
    corsAllowCredentials: config.CORS_ALLOW_CREDENTIALS === 'true',
    adminToken: config.ADMIN_TOKEN,
    rateLimitPerMinute: config.RATE_LIMIT_PER_MINUTE,
    drainTimeoutMs: config.DRAIN_TIMEOUT_MS,
  },
  {
    store: guardStore(new PostgresConversationStore(pool), () => migrated, observe),
    answers: rag,
    ingest: rag,
    readiness: {
      postgres: async (): Promise<DependencyCheck> =>
        migrated ? postgresCheck(pool, readinessTimeoutMs) : { ok: false, latencyMs: 0, error: migrationState },
      ...rag.readinessChecks(),
    },
    metrics,
  },
);
app.addHook('onClose', async () => {
  stopping = true;
  await pool.end();
  await flushErrorTracking();
});

// '::' accepts IPv4 and IPv6: Railway's private network is IPv6-only.
try {
  await app.listen({ port: config.PORT, host: '::' }).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EAFNOSUPPORT') throw error;
    await app.listen({ port: config.PORT, host: '0.0.0.0' });
  });
} catch (error) {
  const code = (error as NodeJS.ErrnoException).code;
  await pool.end().catch(() => undefined);
  fatal(code === 'EADDRINUSE' ? `port ${config.PORT} is already in use; set PORT to a free port` : 'cannot listen', {
    code,
    variables: ['PORT'],
  });
}

/**
 * Migrations run after listen: liveness answers at once while the database
 * (Railway's private network exists only at runtime) may still be starting;
 * readiness says "migrating" until they are applied.
 */
async function migrateUntilDone(): Promise<void> {
  for (let attempt = 1; !stopping; attempt++) {
    try {
      const applied = await runMigrations(config.DATABASE_URL, app.log);
      migrated = true;
      app.log.info({ applied }, 'database ready');
      return;
    } catch (error) {
      // MigrationError messages carry a category only, never the URL.
      migrationState = error instanceof MigrationError ? error.message : 'database migration failed';
      app.log.warn({ err: error, attempt }, 'database migrations failed; retrying');
      await sleep(Math.min(30_000, 500 * 2 ** Math.min(attempt, 6)));
    }
  }
}
void migrateUntilDone();

// Railway sends SIGTERM on redeploy, then SIGKILL after RAILWAY_DEPLOYMENT_DRAINING_SECONDS.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    app.log.info({ signal }, 'shutting down: draining in-flight requests');
    const deadline = setTimeout(() => {
      app.log.error('drain timed out; exiting');
      process.exit(1);
    }, config.DRAIN_TIMEOUT_MS + 5_000);
    deadline.unref();
    app.close().then(
      () => {
        app.log.info('shut down cleanly');
        process.exit(0);
      },
      (error: unknown) => {
        app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
