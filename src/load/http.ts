/**
 * HTTP load, in the two models that answer different questions:
 * - closed loop (`closedLoop`): N connections, each sending its next request when the last is answered
 *   (autocannon, as wrk and ab do). Says how much the target can serve; hides a stall, because a stalled
 *   connection sends nothing while it waits.
 * - open model (`openModel`): requests arrive at a fixed rate whatever the answers do, and each latency
 *   counts from the moment the request was meant to go out, so time spent queued behind a slow answer is
 *   latency too (no coordinated omission), as k6's constant-arrival-rate and wrk2 do.
 * Both record into the same Recorder (exact percentiles, failures apart), run an unrecorded warm-up
 * first, print the live line, and are bounded in time and in requests outstanding.
 */
import http from 'node:http';
import autocannon from 'autocannon';
import { recordingActive, sampleLoadResponse, type RawHeaders } from '../target/recorder.ts';
import { watch } from './live.ts';
import { Recorder, type RecordedRun } from './recorder.ts';

export interface HttpRequestSpec {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  headers?: Record<string, string>;
}

/** The next request to send; rotates bodies or ids across all connections. */
export type RequestSource = () => HttpRequestSpec;

export interface ClosedLoopOptions {
  baseUrl: string;
  label: string;
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
  timeoutSeconds: number;
  next: RequestSource;
  signal?: AbortSignal;
  /** Print the live line (default true). */
  live?: boolean;
}

export interface OpenModelOptions extends Omit<ClosedLoopOptions, 'connections'> {
  /** Arrivals per second. */
  rate: number;
  /** Sockets the generator may open; arrivals beyond them wait in its queue, and that wait counts. */
  connections: number;
}

export interface HttpRun extends RecordedRun {
  mode: 'closed' | 'open';
  connections: number;
  /** Open model: the arrival rate asked for. */
  targetRate?: number;
}

/** Bytes of each open-model answer kept for the canary search: enough for any error envelope. */
const sampledBodyBytes = 64 * 1024;

/** Only the local environment's 127.0.0.1 or a remote environment's URL: never a guess. */
function checkedUrl(baseUrl: string): URL {
  const url = new URL(baseUrl);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`cannot load ${baseUrl}: not http(s)`);
  return url;
}

function autocannonRun(options: ClosedLoopOptions, seconds: number, recorder?: Recorder): Promise<autocannon.Result> {
  checkedUrl(options.baseUrl);
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.baseUrl,
        connections: options.connections,
        duration: seconds,
        timeout: options.timeoutSeconds,
        requests: [
          {
            setupRequest: (request, context) => {
              const next = options.next();
              // One request in flight per connection (no pipelining): the context names the one answered next.
              (context as { sent?: string }).sent = `${next.method} ${next.path}`;
              return {
                ...request,
                method: next.method,
                path: next.path,
                body: next.body,
                headers: { ...(next.body ? { 'content-type': 'application/json' } : {}), ...next.headers },
              };
            },
            // In a check, every answer is searched for the run's canaries (5.3); a benchmark pays nothing for it.
            ...(recordingActive()
              ? {
                  onResponse: (status: number, body: string, context: object, headers?: RawHeaders) => {
                    const [method = 'GET', path = '/'] = ((context as { sent?: string }).sent ?? '').split(' ');
                    sampleLoadResponse(method, `${options.baseUrl}${path}`, status, headers ?? {}, body);
                  },
                }
              : {}),
          },
        ],
      },
      (error: unknown, result) => (error ? reject(error as Error) : resolve(result)),
    );
    const stop = () => instance.stop();
    options.signal?.addEventListener('abort', stop, { once: true });
    if (recorder) {
      instance.on('response', (_client, status, _bytes, responseTime) => recorder.record(responseTime, { status }));
      instance.on('reqError', (error: Error) => recorder.record(0, { error: error.message || 'request error' }));
    }
    instance.on('done', () => options.signal?.removeEventListener('abort', stop));
  });
}

export async function closedLoop(options: ClosedLoopOptions): Promise<HttpRun> {
  if (options.warmupSeconds > 0) await autocannonRun(options, options.warmupSeconds);
  options.signal?.throwIfAborted();
  const recorder = new Recorder();
  const stopLive = options.live === false ? () => {} : watch(options.label, options.durationSeconds * 1000, recorder);
  try {
    const result = await autocannonRun(options, options.durationSeconds, recorder);
    return { ...recorder.finish(result.duration), mode: 'closed', connections: options.connections };
  } finally {
    stopLive();
  }
}

/**
 * Sends request i at start + i/rate, measured from that intended moment. A generator that falls behind
 * sends the late ones at once (their wait counts); more than `backlog` outstanding count as errors
 * rather than growing without bound.
 */
async function openRun(options: OpenModelOptions, seconds: number, recorder?: Recorder): Promise<number> {
  const url = checkedUrl(options.baseUrl);
  const client = url.protocol === 'https:' ? await import('node:https') : http;
  const agent = new client.Agent({ keepAlive: true, maxSockets: options.connections });
  const total = Math.max(1, Math.round(options.rate * seconds));
  const intervalMs = 1000 / options.rate;
  const backlog = Math.max(options.connections * 20, Math.ceil(options.rate * options.timeoutSeconds));
  const timeoutMs = options.timeoutSeconds * 1000;
  let sent = 0;
  let outstanding = 0;
  const start = performance.now();
  let finishedAll: () => void = () => {};
  const allDone = new Promise<void>((resolve) => (finishedAll = resolve));
  const settle = () => {
    outstanding--;
    if (sent >= total && outstanding === 0) finishedAll();
  };

  const send = (intended: number) => {
    const spec = options.next();
    if (outstanding >= backlog) {
      recorder?.record(0, { error: `more than ${backlog} requests outstanding` }, intended);
      return;
    }
    outstanding++;
    let done = false;
    // From the send, queued or not: a request the generator could not even start in time has failed too.
    const deadline = setTimeout(
      () => request.destroy(new Error(`no answer within ${options.timeoutSeconds} s`)),
      timeoutMs,
    );
    const finish = (outcome: { status: number } | { error: string }) => {
      if (done) return;
      done = true;
      clearTimeout(deadline);
      const now = performance.now();
      recorder?.record(now - intended, outcome, now);
      settle();
    };
    const request = client.request(
      {
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port,
        path: spec.path,
        method: spec.method,
        agent,
        headers: {
          ...(spec.body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(spec.body) } : {}),
          ...spec.headers,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        response.on('data', (chunk: Buffer) => {
          if (kept >= sampledBodyBytes) return;
          chunks.push(chunk);
          kept += chunk.length;
        });
        response.on('end', () => {
          finish({ status: response.statusCode ?? 0 });
          // After the latency is taken: the canary search (5.3) is not part of what is measured.
          sampleLoadResponse(
            spec.method,
            `${url.origin}${spec.path}`,
            response.statusCode ?? 0,
            response.headers,
            Buffer.concat(chunks).toString('utf8'),
          );
        });
        response.on('error', (error) => finish({ error: error.message }));
      },
    );
    request.on('error', (error) => finish({ error: error.message }));
    request.end(spec.body);
  };

  await new Promise<void>((resolve) => {
    const tick = () => {
      if (options.signal?.aborted) {
        sent = total;
        clearInterval(timer);
        resolve();
        return;
      }
      const due = Math.min(total, Math.floor((performance.now() - start) / intervalMs) + 1);
      while (sent < due) {
        sent++;
        send(start + (sent - 1) * intervalMs);
      }
      if (sent >= total) {
        clearInterval(timer);
        resolve();
      }
    };
    const timer = setInterval(tick, Math.max(1, Math.min(10, intervalMs / 2)));
    tick();
  });
  // Every request has its own timeout; this bound is only a backstop.
  if (outstanding > 0) {
    await Promise.race([allDone, new Promise((resolve) => setTimeout(resolve, timeoutMs + 2_000).unref())]);
  }
  agent.destroy();
  return (performance.now() - start) / 1000;
}

export async function openModel(options: OpenModelOptions): Promise<HttpRun> {
  if (options.warmupSeconds > 0) await openRun(options, options.warmupSeconds);
  options.signal?.throwIfAborted();
  const recorder = new Recorder();
  const stopLive = options.live === false ? () => {} : watch(options.label, options.durationSeconds * 1000, recorder);
  try {
    // Throughput over the arrival window: the tail waiting for the last answers is latency, not idle time.
    await openRun(options, options.durationSeconds, recorder);
    return {
      ...recorder.finish(options.durationSeconds),
      mode: 'open',
      connections: options.connections,
      targetRate: options.rate,
    };
  } finally {
    stopLive();
  }
}
