import type { FastifyInstance } from 'fastify';
import type { Dependency, DependencyCheck, ReadinessChecks } from '../contracts.ts';

export interface HealthOptions {
  version: string;
  commit: string;
  readiness: ReadinessChecks;
}

const dependencyCheckSchema = {
  type: 'object',
  required: ['ok', 'latencyMs'],
  properties: { ok: { type: 'boolean' }, latencyMs: { type: 'number' }, error: { type: 'string' } },
} as const;

const readySchema = {
  type: 'object',
  required: ['status', 'checks'],
  properties: {
    status: { type: 'string', enum: ['ready', 'unavailable'] },
    checks: {
      type: 'object',
      required: ['postgres', 'qdrant', 'cohere'],
      properties: { postgres: dependencyCheckSchema, qdrant: dependencyCheckSchema, cohere: dependencyCheckSchema },
    },
  },
} as const;

const startedAt = Date.now();

export async function healthRoutes(app: FastifyInstance, options: HealthOptions): Promise<void> {
  app.get(
    '/health',
    {
      schema: {
        summary: 'Liveness: touches no dependency',
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
    // A slow database must not get a live container restarted.
    async () => ({
      status: 'ok',
      version: options.version,
      commit: options.commit,
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
    }),
  );

  app.get(
    '/health/ready',
    { schema: { summary: 'Readiness: each dependency checked', response: { 200: readySchema, 503: readySchema } } },
    async (_request, reply) => {
      const names = Object.keys(options.readiness) as Dependency[];
      const results = await Promise.all(names.map((name) => options.readiness[name]()));
      const checks = Object.fromEntries(names.map((name, index) => [name, results[index]])) as Record<
        Dependency,
        DependencyCheck
      >;
      const ready = results.every((check) => check.ok);
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', checks });
    },
  );
}
