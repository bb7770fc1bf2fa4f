import Fastify, { type FastifyInstance } from 'fastify';
import type { BackendConfig } from './config.ts';
import { createPool } from './database.ts';
import { healthRoutes } from './health.ts';

export async function buildApp(config: BackendConfig): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: config.LOG_LEVEL,
      redact: ['req.headers.authorization', 'req.headers["api-key"]'],
    },
  });
  const pool = createPool(config.DATABASE_URL);
  app.addHook('onClose', async () => pool.end());
  await app.register(healthRoutes, {
    pool,
    version: config.APP_VERSION,
    commit: config.GIT_COMMIT,
  });
  return app;
}
