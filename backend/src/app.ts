import { randomUUID } from 'node:crypto';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import type { AnswerService, ConversationStore, IngestService, ReadinessChecks } from './contracts.ts';
import { conversationRoutes } from './http/conversations.ts';
import { documentRoutes } from './http/documents.ts';
import { installErrorHandlers } from './http/errors.ts';
import { healthRoutes } from './http/health.ts';
import { installMetrics, Metrics } from './http/metrics.ts';
import { queryRoutes } from './http/query.ts';
import { installStrictBodies } from './http/strict-body.ts';
import { websocketRoutes } from './http/ws.ts';

export interface AppDependencies {
  store: ConversationStore;
  answers: AnswerService;
  ingest: IngestService;
  readiness: ReadinessChecks;
  metrics?: Metrics;
}

export interface AppSettings {
  logLevel: string;
  version: string;
  commit: string;
  corsOrigins: string[];
  corsAllowCredentials: boolean;
  adminToken: string | undefined;
  rateLimitPerMinute: number;
  /** WebSocket keep-alive and ping periods; shortened in tests. */
  keepAliveMs?: number;
  pingIntervalMs?: number;
  /** How long shutdown waits for in-flight answers. */
  drainTimeoutMs: number;
  /** Where log lines go; stdout unless a test captures them. */
  logStream?: NodeJS.WritableStream;
}

/** Caller-supplied request ids are kept when they look like ids, so traces join across services. */
const requestIdPattern = /^[A-Za-z0-9._-]{8,128}$/;

export const defaultBodyLimitBytes = 64 * 1024;
export const documentsBodyLimitBytes = 10 * 1024 * 1024;

export async function buildApp(settings: AppSettings, dependencies: AppDependencies): Promise<FastifyInstance> {
  const metrics = dependencies.metrics ?? new Metrics();
  const app = Fastify({
    bodyLimit: defaultBodyLimitBytes,
    // A wrong type or an unknown field is the client's mistake to hear about, not to have silently fixed.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    // Fastify bounds close hooks by pluginTimeout: leave room for the WebSocket drain.
    pluginTimeout: settings.drainTimeoutMs + 5_000,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && requestIdPattern.test(given) ? given : randomUUID();
    },
    logger: {
      level: settings.logLevel,
      ...(settings.logStream ? { stream: settings.logStream } : {}),
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers["api-key"]',
          'req.headers.cookie',
          'res.headers["set-cookie"]',
        ],
        censor: '[redacted]',
      },
    },
  });
  // server.close() waits for keep-alive connections that were busy when it began: have their clients hang up.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (closing) reply.header('connection', 'close');
  });
  installErrorHandlers(app);
  installStrictBodies(app);
  installMetrics(app, metrics);

  await app.register(helmet, {
    contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  });
  const allowAll = settings.corsOrigins.includes('*');
  await app.register(cors, {
    // Only listed origins get CORS headers; "*" is refused with credentials when the config loads.
    origin: allowAll ? '*' : settings.corsOrigins,
    credentials: settings.corsAllowCredentials,
    methods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
    // Only the request headers the API reads (the default reflects whatever a preflight asks for).
    allowedHeaders: ['content-type', 'authorization', 'x-request-id'],
  });
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (request, context) => ({
      statusCode: 429,
      error: {
        code: 'rate_limited',
        message: `too many requests; retry in ${context.after}`,
        request_id: String(request.id),
      },
    }),
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'shipshape reference chatbot backend',
        version: settings.version,
        description: 'RAG chatbot API: questions about a book answered with citations (DESIGN section 3).',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    },
  });

  await app.register(healthRoutes, {
    version: settings.version,
    commit: settings.commit,
    readiness: dependencies.readiness,
  });
  await app.register(queryRoutes, {
    answers: dependencies.answers,
    store: dependencies.store,
    rateLimitPerMinute: settings.rateLimitPerMinute,
  });
  await app.register(conversationRoutes, { store: dependencies.store });
  await app.register(documentRoutes, {
    ingest: dependencies.ingest,
    adminToken: settings.adminToken,
    bodyLimitBytes: documentsBodyLimitBytes,
  });
  await app.register(websocketRoutes, {
    answers: dependencies.answers,
    store: dependencies.store,
    allowedOrigins: settings.corsOrigins,
    drainTimeoutMs: settings.drainTimeoutMs,
    rateLimitPerMinute: settings.rateLimitPerMinute,
    keepAliveMs: settings.keepAliveMs,
    pingIntervalMs: settings.pingIntervalMs,
    metrics: {
      connectionOpened: () => metrics.websocketConnections.inc(),
      connectionClosed: () => metrics.websocketConnections.dec(),
    },
  });
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}
