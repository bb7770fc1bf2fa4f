/**
 * Railway Infrastructure as Code for the reference backend (replaces railway.json, which Railway stopped
 * reading on 2026-12-01). `railway config plan` shows the difference against the linked environment,
 * `railway config apply` applies it; `npm test -- --suite=2.1,2.2` evaluates it offline, without a token.
 * docs/railway-deployment.md explains each variable and the deployment.
 */
import { defineRailway, postgres, preserve, service } from 'railway/iac';

export default defineRailway((ctx, project) => {
  // Railway's postgres-ssl:18 image: TLS with a self-signed certificate. The backend's DATABASE_URL asks for
  // sslmode=require (below): it encrypts without verifying that certificate, and refuses a server that declines
  // TLS; the default, prefer, would fall back to plaintext. 5.3/database-refuses-plaintext checks both.
  const db = postgres('postgres');
  const production = ctx.isEnvironment('production');

  const backend = service('backend', {
    // The root Dockerfile: its exec-form CMD ["node", "src/server.ts"] runs node as PID 1, so the SIGTERM
    // of a redeploy reaches the app. No start command here: one would replace that CMD (Railway runs it
    // through a shell) and could lose both the signal and $PORT.
    build: { builder: 'DOCKERFILE', dockerfilePath: 'Dockerfile' },
    // /health, not /health/ready: Railway probes this path only while a deploy goes live, from the host
    // healthcheck.railway.app, and only an HTTP 200 counts (a redirect fails it). /health is liveness and
    // touches no dependency, so a slow Qdrant or Cohere cannot keep a good build from going live; readiness
    // (/health/ready) is for monitoring, which runs after the deploy (DESIGN section 3).
    healthcheck: '/health',
    // Seconds. Start-up runs the migrations against PostgreSQL before listening: 60 s covers a cold database
    // without waiting Railway's default 300 s for a build that will never answer.
    healthcheckTimeout: 60,
    // Two replicas in production so a crashed one is not an outage; one elsewhere (PR environments).
    replicas: production ? 2 : 1,
    deploy: {
      // Restart a crashed process, not one that exited 0 on purpose; give up after 5 tries so a broken
      // deploy shows as crashed instead of restarting forever.
      restartPolicyType: 'ON_FAILURE',
      restartPolicyMaxRetries: 5,
      // SIGTERM, then SIGKILL after this many seconds: the backend drains within DRAIN_TIMEOUT_MS (10 s), and
      // answers that wait on Cohere can take longer than a plain request. 2.1/draining-covers-drain measures it.
      drainingSeconds: 30,
      // The old deployment keeps serving for a few seconds after the new one is healthy.
      overlapSeconds: 5,
    },
    env: {
      // A template of the database's reference: Railway fills in its private URL (postgres.railway.internal:5432)
      // and the backend insists on TLS.
      DATABASE_URL: `\${{${db.name}.DATABASE_URL}}?sslmode=require`,
      // Secrets: never written here. preserve() keeps the value set in Railway (dashboard or
      // `railway variables --set`) and leaves it out of the patch.
      QDRANT_URL: preserve(),
      QDRANT_API_KEY: preserve(),
      COHERE_API_KEY: preserve(),
      ADMIN_TOKEN: preserve(),
      SENTRY_DSN: preserve(),
      CORS_ORIGINS: preserve(),
      // Not secret: literal values.
      QDRANT_COLLECTION: 'book',
      LOG_LEVEL: 'info',
      DRAIN_TIMEOUT_MS: '10000',
      DATABASE_POOL_MAX: '10',
      RATE_LIMIT_PER_MINUTE: '60',
    },
  });

  return project('shipshape', { resources: [db, backend] });
});
