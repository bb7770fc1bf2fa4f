import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Dependency } from '../contracts.ts';

/** One registry per app, so tests can build several apps in one process. */
export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [this.registry],
  });
  readonly requestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly websocketConnections = new Gauge({
    name: 'websocket_connections',
    help: 'Open WebSocket connections',
    registers: [this.registry],
  });
  readonly dependencyDuration = new Histogram({
    name: 'dependency_request_duration_seconds',
    help: 'Latency of calls to PostgreSQL, Qdrant and Cohere',
    labelNames: ['dependency', 'operation'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly dependencyErrors = new Counter({
    name: 'dependency_errors_total',
    help: 'Failed calls to PostgreSQL, Qdrant and Cohere',
    labelNames: ['dependency', 'operation'],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Times a dependency call and counts its failure; rethrows. */
  async track<T>(dependency: Dependency, operation: string, call: () => Promise<T>): Promise<T> {
    const end = this.dependencyDuration.startTimer({ dependency, operation });
    try {
      return await call();
    } catch (error) {
      this.dependencyErrors.inc({ dependency, operation });
      throw error;
    } finally {
      end();
    }
  }
}

/** Installed on the root instance (not as an encapsulated plugin) so the hook sees every route. */
export function installMetrics(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, not the URL: ids in paths would explode the label set.
    const route = request.routeOptions.url ?? 'unmatched';
    const labels = { method: request.method, route, status: String(reply.statusCode) };
    metrics.requests.inc(labels);
    metrics.requestDuration.observe(labels, reply.elapsedTime / 1000);
  });
}
