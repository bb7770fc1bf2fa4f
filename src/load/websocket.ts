/**
 * WebSocket stability: N clients connect (a few dozen handshakes at a time), are held open for D seconds,
 * and each asks one question at a random moment early in the hold, then stays idle long enough that the
 * server's keep-alive frame must come. Measured: connect time and answer latency (exact percentiles),
 * connections the server dropped before the harness closed them, and how many clients got a keep-alive.
 */
import WebSocket from 'ws';
import type { TargetSpec } from '../config/target-spec.ts';
import { progress } from '../support/progress.ts';
import { sampleLoadFrame } from '../target/recorder.ts';
import { liveIntervalMs } from './live.ts';
import { Recorder, type RecordedRun } from './recorder.ts';

export interface WebSocketLoadOptions {
  baseUrl: string;
  target: Pick<TargetSpec, 'paths' | 'ws'>;
  clients: number;
  holdSeconds: number;
  questionsWithinSeconds: number;
  questions: readonly string[];
  /** Per handshake and per answer. */
  timeoutSeconds: number;
  signal?: AbortSignal;
  /** Handshakes in flight at once. */
  connectConcurrency?: number;
  /**
   * The hold lasts at least this long after the last answer (up to 40 s past holdSeconds on a slow
   * machine), so memory is judged while every client idles and the keep-alive has time to come.
   */
  idleAfterAnswersSeconds?: number;
  /**
   * A client idle this long before the end must have had a keep-alive frame (the server's interval plus
   * slack); undefined: the target sends none, and none is expected.
   */
  keepAliveWithinSeconds?: number;
  /** The type of the target's error frames (an answer that failed). Default `error`. */
  errorType?: string;
}

export interface WebSocketRun {
  clients: number;
  connected: number;
  /** Closed or errored by the other side before the harness closed it. */
  dropped: number;
  dropReasons: Record<string, number>;
  keepAliveClients: number;
  /** Clients idle for keepAliveWithinSeconds or more at the end, and how many of them got no keep-alive. */
  keepAliveExpected: number;
  keepAliveMissing: number;
  /** Seconds from the start of the hold to the last answer (or timeout): the idle part starts after it. */
  lastAnswerSecond: number;
  questions: number;
  answers: number;
  /** Questions that got no frame at all within the timeout (or before the end). */
  unanswered: number;
  /** Questions answered with an error frame, by its code (upstream_unavailable when the service sheds load). */
  errorFrames: Record<string, number>;
  connectMs: RecordedRun['latencyMs'];
  answerRun: RecordedRun;
  heldSeconds: number;
}

interface Client {
  socket?: WebSocket;
  connected: boolean;
  closing: boolean;
  keepAlive: boolean;
  openedAt?: number;
  asked?: number;
  answered: boolean;
  answeredAt?: number;
}

export async function holdWebSockets(options: WebSocketLoadOptions): Promise<WebSocketRun> {
  const { target } = options;
  if (!target.paths.ws) throw new Error('the target declares no WebSocket route');
  const url = `${options.baseUrl.replace(/^http/, 'ws')}${target.paths.ws}`;
  const connectRecorder = new Recorder();
  const answerRecorder = new Recorder();
  const clients: Client[] = Array.from({ length: options.clients }, () => ({
    connected: false,
    closing: false,
    keepAlive: false,
    answered: false,
  }));
  const dropReasons: Record<string, number> = {};
  const errorFrames: Record<string, number> = {};
  const errorType = options.errorType ?? 'error';
  let dropped = 0;
  const drop = (client: Client, reason: string) => {
    if (client.closing || !client.connected) return;
    client.connected = false;
    dropped++;
    dropReasons[reason] = (dropReasons[reason] ?? 0) + 1;
  };
  const timeoutMs = options.timeoutSeconds * 1000;
  const timers = new Set<NodeJS.Timeout>();

  const connect = (client: Client) =>
    new Promise<void>((resolve) => {
      const started = performance.now();
      const socket = new WebSocket(url, { handshakeTimeout: timeoutMs });
      client.socket = socket;
      socket.on('open', () => {
        client.connected = true;
        client.openedAt = performance.now();
        connectRecorder.record(performance.now() - started, { status: 200 });
        resolve();
      });
      socket.on('unexpected-response', (_request, response) => {
        connectRecorder.record(performance.now() - started, { status: response.statusCode ?? 0 });
        socket.terminate();
        resolve();
      });
      socket.on('error', (error) => {
        if (!client.connected && !client.closing) connectRecorder.record(0, { error: error.message });
        drop(client, `error: ${error.message}`);
        resolve();
      });
      socket.on('close', (code) => {
        drop(client, `closed by the server (code ${code})`);
        resolve();
      });
      socket.on('message', (data) => {
        let frame: { type?: unknown; code?: unknown } | null;
        try {
          frame = JSON.parse(String(data)) as { type?: unknown; code?: unknown } | null;
        } catch {
          sampleLoadFrame(url, String(data), undefined);
          return;
        }
        sampleLoadFrame(url, String(data), frame?.type);
        const type = frame?.type;
        if (type === target.ws.keepAliveType) client.keepAlive = true;
        else if (
          client.asked !== undefined &&
          !client.answered &&
          (type === target.ws.responseType || type === errorType)
        ) {
          client.answered = true;
          const now = performance.now();
          client.answeredAt = now;
          // An error frame is an answer, a failed one: counted apart by its code (a non-2xx of the socket).
          if (type === errorType) {
            const code = typeof frame?.code === 'string' ? frame.code : 'error';
            errorFrames[code] = (errorFrames[code] ?? 0) + 1;
          }
          answerRecorder.record(now - client.asked, type === errorType ? { status: 500 } : { status: 200 }, now);
        }
      });
    });

  // Handshakes a few dozen at a time: a burst of 500 SYNs measures the accept queue, not the service.
  const concurrency = options.connectConcurrency ?? 50;
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, clients.length) }, async () => {
      while (next < clients.length && !options.signal?.aborted) await connect(clients[next++]!);
    }),
  );
  const connected = clients.filter((client) => client.connected).length;
  progress(`websocket: ${connected} of ${clients.length} clients connected; holding them ${options.holdSeconds} s`);

  const holdStarted = performance.now();
  for (const client of clients) {
    if (!client.connected) continue;
    const delay = Math.random() * options.questionsWithinSeconds * 1000;
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!client.connected || !client.socket) return;
      const question = options.questions[Math.floor(Math.random() * options.questions.length)]!;
      client.asked = performance.now();
      client.socket.send(JSON.stringify({ type: target.ws.messageType, [target.ws.contentField]: question }));
      const answerTimer = setTimeout(() => {
        timers.delete(answerTimer);
        if (!client.answered) {
          client.answered = true;
          client.answeredAt = performance.now();
          answerRecorder.record(0, { error: `no answer within ${options.timeoutSeconds} s` });
        }
      }, timeoutMs);
      timers.add(answerTimer);
    }, delay);
    timers.add(timer);
  }

  const live = setInterval(() => {
    const open = clients.filter((client) => client.connected).length;
    const elapsed = (performance.now() - holdStarted) / 1000;
    progress(
      `load websocket: ${elapsed.toFixed(1)} s / ${options.holdSeconds} s, ${open} open, ${dropped} dropped, ` +
        `${answerRecorder.requests} answers, p95 ${Number.isNaN(answerRecorder.p95SoFar) ? 'n/a' : `${answerRecorder.p95SoFar.toFixed(1)} ms`} so far`,
    );
  }, liveIntervalMs());
  live.unref();
  const idleMs = (options.idleAfterAnswersSeconds ?? 13) * 1000;
  const lastAnswer = () =>
    Math.max(holdStarted, ...clients.map((client) => client.answeredAt ?? (client.asked === undefined ? 0 : Infinity)));
  await new Promise<void>((resolve) => {
    const latest = holdStarted + (options.holdSeconds + 40) * 1000;
    const poll = setInterval(() => {
      const now = performance.now();
      const held = now >= holdStarted + options.holdSeconds * 1000;
      const idle = now >= lastAnswer() + idleMs;
      if ((held && idle) || now >= latest || options.signal?.aborted) {
        clearInterval(poll);
        resolve();
      }
    }, 250);
  });
  clearInterval(live);
  const ended = performance.now();
  const heldSeconds = (ended - holdStarted) / 1000;
  for (const timer of timers) clearTimeout(timer);

  // Counted before closing: a client the harness closes is not a drop.
  const keepAliveClients = clients.filter((client) => client.keepAlive).length;
  const keepAliveBy = ended - (options.keepAliveWithinSeconds ?? Infinity) * 1000;
  const expected = clients.filter(
    (client) => client.connected && (client.answeredAt ?? client.asked ?? client.openedAt ?? Infinity) <= keepAliveBy,
  );
  const lastAnswerAt = lastAnswer();
  const questions = clients.filter((client) => client.asked !== undefined).length;
  await Promise.all(
    clients.map(
      (client) =>
        new Promise<void>((resolve) => {
          client.closing = true;
          const socket = client.socket;
          if (!socket || socket.readyState === WebSocket.CLOSED) return resolve();
          socket.once('close', () => resolve());
          socket.close(1000, 'load test over');
          setTimeout(() => {
            socket.terminate();
            resolve();
          }, 2_000).unref();
        }),
    ),
  );
  const answers = answerRecorder.finish(heldSeconds);
  return {
    clients: clients.length,
    connected,
    dropped,
    dropReasons,
    keepAliveClients,
    keepAliveExpected: expected.length,
    keepAliveMissing: expected.filter((client) => !client.keepAlive).length,
    lastAnswerSecond: Number.isFinite(lastAnswerAt)
      ? Math.round(((lastAnswerAt - holdStarted) / 1000) * 10) / 10
      : heldSeconds,
    questions,
    answers: answers.ok,
    unanswered: answers.errors + Math.max(0, questions - answers.requests),
    errorFrames,
    connectMs: connectRecorder.finish(1).latencyMs,
    answerRun: answers,
    heldSeconds: Math.round(heldSeconds * 10) / 10,
  };
}
