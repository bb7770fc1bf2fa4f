import type { FastifyInstance } from 'fastify';
import type pg from 'pg';

export interface HealthOptions {
  pool: pg.Pool;
  version: string;
  commit: string;
}

const startedAt = Date.now();

export async function healthRoutes(app: FastifyInstance, options: HealthOptions): Promise<void> {
  app.get(
    '/health',
    {
      schema: {
        response: {
          200: {
            type: 'object',
            required: ['status', 'version', 'commit', 'uptimeSeconds'],
            properties: {
              status: { type: 'string', const: 'ok' },
              version: { type: 'string' },
              commit: { type: 'string' },
              uptimeSeconds: { type: 'number' },
            },
          },
        },
      },
    },
    // Liveness touches no dependency: a slow database must not get the container restarted.
    async () => ({
      status: 'ok',
      version: options.version,
      commit: options.commit,
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
    }),
  );

  app.get('/health/ready', async (_request, reply) => {
    const started = performance.now();
    let postgres: { ok: boolean; latencyMs: number; error?: string };
    try {
      await options.pool.query('SELECT 1');
      postgres = { ok: true, latencyMs: Math.round(performance.now() - started) };
    } catch (error) {
      app.log.warn({ err: error }, 'postgres readiness check failed');
      // The detail stays in the log; the body names the dependency only.
      postgres = {
        ok: false,
        latencyMs: Math.round(performance.now() - started),
        error: 'unreachable',
      };
    }
    const ready = postgres.ok;
    return reply.code(ready ? 200 : 503).send({
      status: ready ? 'ready' : 'unavailable',
      checks: { postgres },
    });
  });
}
