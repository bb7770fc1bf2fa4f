/**
 * The WebSocket protocol beyond one answer (1.2 asks one question): streamed
 * deltas that add up to the answer, keep-alive frames when idle, protocol
 * pings answered, a bad frame answered with an error frame on a socket that
 * stays usable, and a close handshake that completes with 1000. The `ws`
 * client is used because Node's own WebSocket can neither ping nor report
 * whether the server answered a close frame.
 */
import WebSocket from 'ws';
import { failed, passed, type Verdict } from '../../checks/check.ts';
import type { TargetSpec } from '../../config/target-spec.ts';
import { excerpt } from '../../support/http.ts';
import { deleteConversation } from '../../target/client.ts';
import { recordWebSocketFrame } from '../../target/recorder.ts';

type Api = Pick<TargetSpec, 'paths' | 'query' | 'ws' | 'api'>;
type Frame = Record<string, unknown>;

export interface ProbeOptions {
  baseUrl: string;
  target: Api;
  /** Bound of one answer. */
  answerTimeoutMs: number;
  runId: string;
}

/** A connected socket whose frames queue up until a probe takes them. */
export class FrameQueue {
  readonly socket: WebSocket;
  readonly url: string;
  private readonly frames: { frame: Frame | undefined; raw: string; at: number }[] = [];
  private waiter: (() => void) | undefined;
  closed: { code: number; reason: string; at: number } | undefined;

  private constructor(socket: WebSocket, url: string) {
    this.socket = socket;
    this.url = url;
    socket.on('message', (data) => {
      const raw = String(data);
      recordWebSocketFrame(url, raw);
      let frame: Frame | undefined;
      try {
        const parsed: unknown = JSON.parse(raw);
        frame = typeof parsed === 'object' && parsed !== null ? (parsed as Frame) : undefined;
      } catch {
        frame = undefined;
      }
      this.frames.push({ frame, raw, at: performance.now() });
      this.waiter?.();
    });
    socket.on('close', (code, reason) => {
      this.closed = { code, reason: String(reason), at: performance.now() };
      this.waiter?.();
    });
  }

  static open(baseUrl: string, path: string, timeoutMs: number): Promise<FrameQueue> {
    const url = `${baseUrl.replace(/^http/, 'ws')}${path}`;
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { handshakeTimeout: timeoutMs });
      const queue = new FrameQueue(socket, url);
      socket.once('open', () => resolve(queue));
      socket.once('error', (error) => reject(new Error(`could not open ${path}: ${error.message}`)));
      socket.once('unexpected-response', (_request, response) =>
        reject(new Error(`${path} refused the upgrade with HTTP ${response.statusCode}`)),
      );
    });
  }

  /** The next frame, or undefined when none came within the time or the socket closed. */
  async next(timeoutMs: number): Promise<{ frame: Frame | undefined; raw: string; at: number } | undefined> {
    const deadline = performance.now() + timeoutMs;
    while (this.frames.length === 0 && !this.closed && performance.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - performance.now()));
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = undefined;
    }
    return this.frames.shift();
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  terminate(): void {
    if (this.socket.readyState !== WebSocket.CLOSED) this.socket.terminate();
  }
}

/** Frames up to and including the first of the response or error type (keep-alives left out). */
async function framesUntilAnswer(
  queue: FrameQueue,
  target: Api,
  timeoutMs: number,
): Promise<{ frames: Frame[]; last?: Frame; raw: string[] }> {
  const deadline = performance.now() + timeoutMs;
  const frames: Frame[] = [];
  const raw: string[] = [];
  while (performance.now() < deadline) {
    const next = await queue.next(deadline - performance.now());
    if (!next) break;
    raw.push(next.raw);
    if (next.frame?.type === target.ws.keepAliveType) continue;
    frames.push(next.frame ?? {});
    if (next.frame?.type === target.ws.responseType || next.frame?.type === target.api.websocket.errorType) {
      return { frames, last: next.frame, raw };
    }
  }
  return { frames, raw };
}

function message(target: Api, question: string, extra: Record<string, unknown> = {}): Frame {
  return { type: target.ws.messageType, [target.ws.contentField]: question, ...extra };
}

function closedNote(queue: FrameQueue): string {
  return queue.closed
    ? `the server closed the socket (${queue.closed.code}${queue.closed.reason ? ` ${queue.closed.reason}` : ''})`
    : '';
}

async function cleanup(options: ProbeOptions, frames: (Frame | undefined)[]): Promise<string> {
  const ids = new Set(
    frames
      .map((frame) => frame?.[options.target.query.conversationIdField])
      .filter((id): id is string => typeof id === 'string'),
  );
  const notes = await Promise.all(
    [...ids].map((id) => deleteConversation(options.baseUrl, options.target, id, options.answerTimeoutMs)),
  );
  return notes.join('; ') || 'no conversation to delete';
}

/** An answer at least this long arrives in more than one delta when it is streamed as generated. */
export const minStreamedWords = 5;

/** Pure: what is wrong with a streamed exchange (deltas, then one response whose message they add up to). */
export function judgeStream(frames: readonly Frame[], target: Api): string[] {
  const streaming = target.api.websocket.streaming;
  if (!streaming) return [];
  const problems: string[] = [];
  const responseIndex = frames.findIndex((frame) => frame.type === target.ws.responseType);
  if (responseIndex === -1) return [`no "${target.ws.responseType}" frame came`];
  if (responseIndex !== frames.length - 1) problems.push(`frames followed the "${target.ws.responseType}" frame`);
  const before = frames.slice(0, responseIndex);
  const deltas = before.filter((frame) => frame.type === streaming.deltaType);
  const others = before.filter((frame) => frame.type !== streaming.deltaType);
  if (deltas.length === 0)
    problems.push(`no "${streaming.deltaType}" frame came before the "${target.ws.responseType}"`);
  if (others.length > 0)
    problems.push(`unexpected frames before the answer: ${others.map((f) => String(f.type)).join(', ')}`);
  const pieces = deltas.map((frame) => frame[streaming.deltaField]);
  if (pieces.some((piece) => typeof piece !== 'string'))
    problems.push(`a "${streaming.deltaType}" frame has no "${streaming.deltaField}" text`);
  const answer = frames[responseIndex]![target.ws.answerField];
  if (typeof answer !== 'string' || !answer.trim())
    problems.push(`the "${target.ws.responseType}" frame has no "${target.ws.answerField}" text`);
  else if (deltas.length > 0 && pieces.join('') !== answer) {
    problems.push(`the deltas (${pieces.join('').length} characters) do not add up to the answer (${answer.length})`);
  }
  // Generation streams piece by piece: a whole answer of several words in one delta was buffered, not streamed.
  if (typeof answer === 'string' && deltas.length === 1 && answer.trim().split(/\s+/).length >= minStreamedWords) {
    problems.push(
      `the whole ${answer.trim().split(/\s+/).length}-word answer came in one "${streaming.deltaType}" frame: it was not streamed as it was generated`,
    );
  }
  return problems;
}

export async function probeStreamedAnswer(options: ProbeOptions): Promise<Verdict> {
  const { target } = options;
  const streaming = target.api.websocket.streaming!;
  const queue = await FrameQueue.open(options.baseUrl, target.paths.ws!, options.answerTimeoutMs);
  const seen: Frame[] = [];
  try {
    queue.send(
      message(target, `How should a container handle SIGTERM? (shipshape 4.2 ${options.runId})`, {
        [streaming.requestField]: true,
      }),
    );
    const streamed = await framesUntilAnswer(queue, target, options.answerTimeoutMs);
    seen.push(...streamed.frames);
    const evidence = () => streamed.raw.map((raw) => excerpt(raw, 160)).join('\n') || closedNote(queue) || 'no frame';
    const problems = judgeStream(streamed.frames, target);
    if (problems.length > 0)
      return failed(`asked with "${streaming.requestField}": true, ${problems.join('; ')}`, evidence());
    const deltas = streamed.frames.length - 1;

    queue.send(message(target, `What is a readiness check? (shipshape 4.2 ${options.runId})`));
    const whole = await framesUntilAnswer(queue, target, options.answerTimeoutMs);
    seen.push(...whole.frames);
    const unstreamed = whole.frames.map((frame) => String(frame.type));
    if (whole.last?.type !== target.ws.responseType) {
      return failed(
        `asked without "${streaming.requestField}", no "${target.ws.responseType}" frame came`,
        whole.raw.join('\n') || closedNote(queue),
      );
    }
    if (whole.frames.length !== 1) {
      return failed(
        `asked without "${streaming.requestField}", the answer came as ${unstreamed.join(', ')} instead of one "${target.ws.responseType}" frame`,
      );
    }
    return passed(
      `streamed: ${deltas} "${streaming.deltaType}" frame(s) adding up to the "${target.ws.responseType}"; unstreamed: one "${target.ws.responseType}" frame; ${await cleanup(options, seen)}`,
    );
  } finally {
    queue.terminate();
  }
}

/** Idle: a keep-alive frame within the interval (with slack for a loaded machine); then a protocol ping answered. */
export async function probeKeepAlive(options: ProbeOptions, slackMs: number): Promise<Verdict> {
  const { target } = options;
  const interval = target.api.websocket.keepAliveIntervalMs!;
  const queue = await FrameQueue.open(options.baseUrl, target.paths.ws!, options.answerTimeoutMs);
  try {
    const opened = performance.now();
    const bound = interval + slackMs;
    let keepAliveAfter: number | undefined;
    const other: string[] = [];
    while (performance.now() - opened < bound) {
      const next = await queue.next(bound - (performance.now() - opened));
      if (!next) break;
      if (next.frame?.type === target.ws.keepAliveType) {
        keepAliveAfter = Math.round(next.at - opened);
        break;
      }
      other.push(excerpt(next.raw, 120));
    }
    if (keepAliveAfter === undefined) {
      const note = closedNote(queue) || (other.length > 0 ? `frames instead: ${other.join(' | ')}` : 'no frame at all');
      return failed(
        `an idle socket got no {"type":"${target.ws.keepAliveType}"} frame within ${bound} ms (interval ${interval} ms + ${slackMs} ms slack): ${note}`,
      );
    }
    const payload = Buffer.from(`shipshape-${options.runId}`);
    const pong = await new Promise<number | undefined>((resolve) => {
      const sent = performance.now();
      const timer = setTimeout(() => resolve(undefined), options.answerTimeoutMs);
      queue.socket.once('pong', (data: Buffer) => {
        clearTimeout(timer);
        resolve(data.equals(payload) ? Math.round(performance.now() - sent) : -1);
      });
      queue.socket.ping(payload);
    });
    if (pong === undefined)
      return failed(
        `keep-alive after ${keepAliveAfter} ms, but a protocol ping got no pong within ${options.answerTimeoutMs} ms${queue.closed ? `; ${closedNote(queue)}` : ''}`,
      );
    if (pong === -1)
      return failed(`keep-alive after ${keepAliveAfter} ms, but the pong did not carry the ping's payload`);
    return passed(
      `idle socket: {"type":"${target.ws.keepAliveType}"} after ${keepAliveAfter} ms (interval ${interval} ms); protocol ping answered in ${pong} ms`,
    );
  } finally {
    queue.terminate();
  }
}

/** Bad frames each get an error frame, the socket stays open, and a question after them is answered. */
export async function probeBadFrame(options: ProbeOptions): Promise<Verdict> {
  const { target } = options;
  const errorType = target.api.websocket.errorType;
  const queue = await FrameQueue.open(options.baseUrl, target.paths.ws!, options.answerTimeoutMs);
  const seen: Frame[] = [];
  try {
    const badFrames: [string, string][] = [
      ['a frame that is not JSON', '{"type": "message", "content": '],
      ['a message without its content', JSON.stringify({ type: target.ws.messageType })],
    ];
    const answers: string[] = [];
    for (const [what, raw] of badFrames) {
      queue.send(raw);
      const reply = await framesUntilAnswer(queue, target, options.answerTimeoutMs);
      const last = reply.last;
      if (queue.closed && !last)
        return failed(`after ${what}, ${closedNote(queue)} instead of answering with an error frame`);
      if (!last)
        return failed(
          `${what} got no {"type":"${errorType}"} frame within ${options.answerTimeoutMs} ms`,
          reply.raw.join('\n') || 'no frame',
        );
      if (last.type !== errorType)
        return failed(
          `${what} was answered with a "${String(last.type)}" frame, not "${errorType}"`,
          excerpt(JSON.stringify(last)),
        );
      if (typeof last.code !== 'string' || typeof last.message !== 'string') {
        return failed(
          `the "${errorType}" frame for ${what} lacks a "code" or "message" text`,
          excerpt(JSON.stringify(last)),
        );
      }
      answers.push(`${what}: ${last.code}`);
    }
    if (queue.closed) return failed(`after the error frames ${closedNote(queue)}: the socket did not stay usable`);
    queue.send(message(target, `Where do secrets belong? (shipshape 4.2 ${options.runId})`));
    const after = await framesUntilAnswer(queue, target, options.answerTimeoutMs);
    seen.push(...after.frames);
    if (after.last?.type !== target.ws.responseType) {
      return failed(
        `after the bad frames, a question got no "${target.ws.responseType}" frame${queue.closed ? `: ${closedNote(queue)}` : ''}`,
        after.raw.join('\n') || 'no frame',
      );
    }
    return passed(
      `error frames for ${answers.join(', ')}; the same socket then answered a question; ${await cleanup(options, seen)}`,
    );
  } finally {
    queue.terminate();
  }
}

/** The client closes with 1000 after an exchange; the server completes the handshake with 1000 within the bound. */
export async function probeCleanClose(options: ProbeOptions, withinMs: number): Promise<Verdict> {
  const { target } = options;
  const queue = await FrameQueue.open(options.baseUrl, target.paths.ws!, options.answerTimeoutMs);
  try {
    queue.send(message(target, `What does a health check return? (shipshape 4.2 ${options.runId})`));
    const reply = await framesUntilAnswer(queue, target, options.answerTimeoutMs);
    const cleaned = await cleanup(options, reply.frames);
    if (queue.closed) return failed(`${closedNote(queue)} before the client closed it`);
    const started = performance.now();
    queue.socket.close(1000, 'done');
    while (!queue.closed && performance.now() - started < withinMs)
      await queue.next(withinMs - (performance.now() - started));
    const closed = queue.closed as FrameQueue['closed'];
    if (!closed) return failed(`the server did not answer the client's close frame (1000) within ${withinMs} ms`);
    const { code, reason } = closed;
    const after = Math.round(closed.at - started);
    if (code !== 1000) {
      return failed(
        `closing with 1000 ended with ${code}${code === 1006 ? ' (the connection dropped without a close frame)' : ''}${reason ? ` "${reason}"` : ''}, not 1000`,
      );
    }
    return passed(`client close 1000 answered with 1000 in ${after} ms; ${cleaned}`);
  } finally {
    queue.terminate();
  }
}
