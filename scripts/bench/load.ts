import autocannon from 'autocannon';
import * as hdr from 'hdr-histogram-js';

export interface LoadTarget {
  /** The route as reported, e.g. `/health`. */
  route: string;
  url: string;
  requests: autocannon.Request[];
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

/** A rotating POST body: each request takes the next question, across all connections. */
export function rotatingJsonPost(
  path: string,
  bodies: readonly unknown[],
  headers: Record<string, string> = {},
): autocannon.Request[] {
  let next = 0;
  const encoded = bodies.map((body) => JSON.stringify(body));
  return [
    {
      method: 'POST',
      path,
      headers: { 'content-type': 'application/json', ...headers },
      setupRequest: (request) => ({ ...request, body: encoded[next++ % encoded.length]! }),
    },
  ];
}

function run(
  target: LoadTarget,
  settings: LoadSettings,
  seconds: number,
  histogram?: hdr.Histogram,
): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: target.url,
        connections: settings.connections,
        duration: seconds,
        timeout: settings.timeoutSeconds,
        requests: target.requests,
      },
      (error: unknown, result) => (error ? reject(error as Error) : resolve(result)),
    );
    // autocannon reports p90 and p97.5, not p95: every response time goes into our own histogram too.
    if (histogram) {
      instance.on('response', (_client, _status, _bytes, responseTime) => {
        histogram.recordValue(Math.max(1, Math.round(responseTime * 1000)));
      });
    }
  });
}

/** Load that is not recorded: JIT, connection pools and keep-alive sockets settle before the measured run. */
export async function warmUp(target: LoadTarget, settings: LoadSettings): Promise<void> {
  if (settings.warmupSeconds > 0) await run(target, settings, settings.warmupSeconds);
}

export async function measure(target: LoadTarget, settings: LoadSettings): Promise<RouteResult> {
  // Microseconds, 3 significant digits.
  const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000 });
  const result = await run(target, settings, settings.durationSeconds, histogram);
  const ms = (micros: number): number => Math.round(micros) / 1000;
  const requests = histogram.totalCount;
  return {
    route: target.route,
    requests,
    requestsPerSecond: Math.round((requests / result.duration) * 10) / 10,
    latencyMs: {
      p50: ms(histogram.getValueAtPercentile(50)),
      p95: ms(histogram.getValueAtPercentile(95)),
      p99: ms(histogram.getValueAtPercentile(99)),
      max: ms(histogram.maxValue),
      mean: ms(histogram.mean),
    },
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    durationSeconds: result.duration,
  };
}
