/**
 * The benchmarks' view of the harness's one load engine (src/load/http.ts, which suite 5.2 uses too):
 * the same closed-loop run and exact HDR percentiles, reported in the benchmark's table shape.
 */
import { closedLoop, type HttpRequestSpec, type RequestSource } from '../../src/load/http.ts';

export interface LoadTarget {
  /** The route as reported, e.g. `/health`. */
  route: string;
  /** Where the requests go: an origin, or an origin and the path of GET requests. */
  url: string;
  /** The next request; without it, GET on url's path. */
  next?: RequestSource;
}

export interface LoadSettings {
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
  timeoutSeconds: number;
}

export interface RouteResult {
  route: string;
  requests: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number; mean: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  durationSeconds: number;
}

/** A rotating POST body: each request takes the next body, across all connections. */
export function rotatingJsonPost(
  path: string,
  bodies: readonly unknown[],
  headers: Record<string, string> = {},
): RequestSource {
  let next = 0;
  const encoded = bodies.map((body) => JSON.stringify(body));
  return (): HttpRequestSpec => ({
    method: 'POST',
    path,
    body: encoded[next++ % encoded.length]!,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

function options(target: LoadTarget, settings: LoadSettings, seconds: number, live: boolean) {
  const url = new URL(target.url);
  const getPath = `${url.pathname}${url.search}`;
  return {
    baseUrl: url.origin,
    label: target.route,
    connections: settings.connections,
    durationSeconds: seconds,
    warmupSeconds: 0,
    timeoutSeconds: settings.timeoutSeconds,
    next: target.next ?? ((): HttpRequestSpec => ({ method: 'GET', path: getPath })),
    live,
  };
}

/** Load that is not recorded: JIT, connection pools and keep-alive sockets settle before the measured run. */
export async function warmUp(target: LoadTarget, settings: LoadSettings): Promise<void> {
  if (settings.warmupSeconds > 0) await closedLoop(options(target, settings, settings.warmupSeconds, false));
}

export async function measure(target: LoadTarget, settings: LoadSettings): Promise<RouteResult> {
  const run = await closedLoop(options(target, settings, settings.durationSeconds, true));
  const timeouts = Object.entries(run.errorKinds)
    .filter(([kind]) => /timeout|timed out/i.test(kind))
    .reduce((sum, [, count]) => sum + count, 0);
  return {
    route: target.route,
    requests: run.requests,
    requestsPerSecond: run.requestsPerSecond,
    latencyMs: {
      p50: run.latencyMs.p50,
      p95: run.latencyMs.p95,
      p99: run.latencyMs.p99,
      max: run.latencyMs.max,
      mean: run.latencyMs.mean,
    },
    non2xx: run.non2xx,
    errors: run.errors,
    timeouts,
    durationSeconds: run.durationSeconds,
  };
}
