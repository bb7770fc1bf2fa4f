/**
 * GET /ws: the chat over a WebSocket, in the original client's protocol (DESIGN section 3).
 *
 * Messages of one connection are answered one after another, in the order they arrived, so the
 * n-th response or error frame answers the n-th message; connections never wait for each other.
 */
import websocket, { type WebSocket } from '@fastify/websocket';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  ConversationNotFoundError,
  UpstreamError,
  type AnswerService,
  type ConversationStore,
  type UpstreamErrorCode,
} from '../contracts.ts';
import { MessageRateLimiter } from './message-rate.ts';
import { maxQueryLength, maxSelectedTextLength } from './schemas.ts';
import { frameParser, type ErrorCode, type ErrorFrame, type MessageFrame, type ServerFrame } from './ws-frames.ts';

export interface WebSocketMetrics {
  connectionOpened(): void;
  connectionClosed(): void;
}

export interface WebSocketOptions {
  answers: AnswerService;
  store: ConversationStore;
  /** Browser origins allowed to connect (CORS_ORIGINS); "*" allows any. A request without Origin is not a browser's and is allowed. */
  allowedOrigins: string[];
  /** A `{"type":"keep-alive"}` frame goes out after this long without any frame either way. Default 10 s. */
  keepAliveMs?: number | undefined;
  /** Protocol ping period; a peer that has not answered the previous ping by the next one is terminated. Default 30 s. */
  pingIntervalMs?: number | undefined;
  /** Longest question, in characters. Default: the limit of POST /api/v1/query. */
  maxContentLength?: number | undefined;
  /** Messages a connection may have waiting for an answer (the one being answered included). Default 8. */
  maxPendingMessages?: number | undefined;
  /** Questions per client address per minute, across its sockets (the HTTP query route's limit). Default: none. */
  rateLimitPerMinute?: number | undefined;
  /** On close, how long in-flight answers may take before they are aborted. Default 10 s. */
  drainTimeoutMs?: number | undefined;
  metrics?: WebSocketMetrics | undefined;
}

/** How long a client gets to answer our close frame before its socket is destroyed. */
const closeHandshakeMs = 1_000;

const upstreamMessages: Record<UpstreamErrorCode, string> = {
  upstream_rate_limited: 'the answering service is busy; retry later',
  upstream_unavailable: 'a service the answer needs is unavailable; retry later',
  upstream_error: 'a service the answer needs failed; retry later',
};

interface Connection {
  socket: WebSocket;
  /** Aborted when the client goes away or the drain runs out of time: nobody would read the answer. */
  abort: AbortController;
  /** Settles when every message received so far has been handled. */
  idle(): Promise<void>;
}

export async function websocketRoutes(app: FastifyInstance, options: WebSocketOptions): Promise<void> {
  const keepAliveMs = positive('keepAliveMs', options.keepAliveMs ?? 10_000);
  const pingIntervalMs = positive('pingIntervalMs', options.pingIntervalMs ?? 30_000);
  const maxContentLength = positive('maxContentLength', options.maxContentLength ?? maxQueryLength);
  const maxPendingMessages = positive('maxPendingMessages', options.maxPendingMessages ?? 8);
  const limiter =
    options.rateLimitPerMinute === undefined
      ? undefined
      : new MessageRateLimiter(positive('rateLimitPerMinute', options.rateLimitPerMinute));
  // Fastify abandons a preClose hook after pluginTimeout: close() rejects and the onClose hooks (the
  // database pool's end) run under answers still being stored. The drain and close handshake fit inside.
  const pluginTimeout = app.initialConfig.pluginTimeout ?? 10_000;
  const hookBudget = pluginTimeout > 0 ? pluginTimeout - closeHandshakeMs - 500 : Infinity;
  const drainTimeoutMs = Math.max(0, Math.min(options.drainTimeoutMs ?? 10_000, hookBudget));
  if (options.drainTimeoutMs !== undefined && drainTimeoutMs < options.drainTimeoutMs) {
    app.log.warn({ drainTimeoutMs, pluginTimeout }, 'websocket drain shortened to fit within Fastify pluginTimeout');
  }
  const allowAnyOrigin = options.allowedOrigins.includes('*');
  const allowedOrigins = new Set(options.allowedOrigins.map(normalizeOrigin));
  const parse = frameParser({ maxContentLength, maxSelectedTextLength });

  const connections = new Set<Connection>();
  let draining = false;

  /**
   * While closing, Fastify answers upgrade requests 503 itself but leaves their sockets open, and
   * server.close() would wait for a client that never hangs up; end them once the 503 is out.
   */
  function endRefusedUpgrade(_request: IncomingMessage, socket: Duplex): void {
    if (socket.destroyed) return;
    socket.end();
    setTimeout(() => socket.destroy(), closeHandshakeMs).unref();
  }

  async function drain(): Promise<void> {
    draining = true;
    // Registered after @fastify/websocket's listener, so it runs once the refusal is written.
    app.server.on('upgrade', endRefusedUpgrade);
    const started = performance.now();
    const finished = await settleWithin(
      Promise.all([...connections].map((connection) => connection.idle())),
      drainTimeoutMs,
    );
    if (!finished) {
      app.log.warn({ drainTimeoutMs }, 'websocket answers still running after the drain timeout; aborting them');
      for (const connection of connections) connection.abort.abort(new Error('server shutting down'));
    }
    const sockets = [...connections].map((connection) => connection.socket);
    app.log.info(
      { connections: sockets.length, drainMs: Math.round(performance.now() - started) },
      'closing websocket connections',
    );
    for (const socket of sockets) socket.close(1001, 'server shutting down');
    const closed = sockets.map((socket) =>
      socket.readyState === socket.CLOSED ? Promise.resolve() : new Promise((resolve) => socket.once('close', resolve)),
    );
    if (!(await settleWithin(Promise.all(closed), closeHandshakeMs))) {
      for (const socket of sockets) socket.terminate();
    }
    await new Promise((resolve) => app.websocketServer.close(resolve));
    app.server.off('upgrade', endRefusedUpgrade);
  }

  await app.register(websocket, {
    options: {
      // Six bytes per character covers JSON's \uXXXX escapes; anything larger is not a question.
      maxPayload: (maxContentLength + maxSelectedTextLength) * 6 + 1024,
    },
    preClose: drain,
    errorHandler(error, socket, request) {
      // Socket errors are clients vanishing mid-frame; not the server's failure.
      request.log.info({ err: error }, 'websocket error');
      socket.terminate();
    },
  });

  async function refuseUpgrade(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    const origin = request.headers.origin;
    if (origin !== undefined && !allowAnyOrigin && !allowedOrigins.has(normalizeOrigin(origin))) {
      request.log.info({ origin }, 'websocket origin refused');
      return reply.code(403).send(errorBody(request, 'origin_not_allowed', 'this origin may not open a WebSocket'));
    }
    if (draining) {
      return reply.code(503).send(errorBody(request, 'shutting_down', 'the server is shutting down; reconnect'));
    }
    return undefined;
  }

  app.get('/ws', { websocket: true, onRequest: refuseUpgrade }, (socket, request) => {
    const log = request.log;
    const abort = new AbortController();
    let tail: Promise<void> = Promise.resolve();
    let pending = 0;
    let alive = true;

    const connection: Connection = {
      socket,
      abort,
      async idle() {
        // Tasks queued while waiting extend the tail; wait until it stops moving.
        let seen: Promise<void> | undefined;
        while (seen !== tail) {
          seen = tail;
          await seen;
        }
      },
    };
    connections.add(connection);
    options.metrics?.connectionOpened();
    log.debug('websocket connected');

    const keepAlive = setTimeout(function sendKeepAlive() {
      send({ type: 'keep-alive' });
    }, keepAliveMs);
    keepAlive.unref();

    const ping = setInterval(() => {
      if (!alive) {
        log.info({ pingIntervalMs }, 'websocket peer did not answer a ping; terminating');
        socket.terminate();
        return;
      }
      alive = false;
      socket.ping();
    }, pingIntervalMs);
    ping.unref();
    socket.on('pong', () => {
      alive = true;
    });

    function send(frame: ServerFrame): void {
      if (socket.readyState !== socket.OPEN) return;
      socket.send(JSON.stringify(frame));
      keepAlive.refresh();
    }

    function sendError(code: ErrorCode, message: string, extra: Partial<ErrorFrame> = {}): void {
      send({ type: 'error', code, message, request_id: String(request.id), ...extra });
    }

    /** Runs after everything received before it, so replies keep the order of the messages. */
    function enqueue(task: () => Promise<void> | void): void {
      pending += 1;
      tail = tail
        .then(task)
        .catch((error: unknown) => log.error({ err: error }, 'websocket task failed'))
        .finally(() => {
          pending -= 1;
        });
    }

    socket.on('message', (data, isBinary) => {
      keepAlive.refresh();
      const parsed = parse(data, isBinary);
      switch (parsed.kind) {
        case 'keep-alive':
          // Clients that echo our keep-alive are harmless; it needs no answer.
          return;
        case 'invalid':
          enqueue(() => sendError('bad_request', `invalid frame: ${parsed.message}`));
          return;
        case 'message':
          if (draining) {
            enqueue(() => sendError('shutting_down', 'the server is shutting down; reconnect and send it again'));
          } else if (limited(request.ip)) {
            return;
          } else if (pending >= maxPendingMessages) {
            enqueue(() =>
              sendError(
                'too_many_messages',
                `${maxPendingMessages} messages are already waiting on this connection; wait for their answers`,
              ),
            );
          } else {
            enqueue(() => answerMessage(parsed.frame));
          }
      }
    });

    /** Answers a question over the limit with rate_limited, keeping the socket open. */
    function limited(address: string): boolean {
      const verdict = limiter?.take(address);
      if (!verdict || verdict.allowed) return false;
      enqueue(() =>
        sendError('rate_limited', `too many questions; retry in ${verdict.retryAfterSeconds} s`, {
          retry_after_seconds: verdict.retryAfterSeconds,
        }),
      );
      return true;
    }

    socket.on('close', (code) => {
      clearTimeout(keepAlive);
      clearInterval(ping);
      abort.abort(new Error('websocket closed'));
      connections.delete(connection);
      options.metrics?.connectionClosed();
      log.debug({ code }, 'websocket closed');
    });

    async function answerMessage(frame: MessageFrame): Promise<void> {
      // The client left before its turn: nobody would read the answer.
      if (socket.readyState !== socket.OPEN) return;
      let conversationId: string | undefined;
      try {
        // Stored before any upstream call: a failed answer never loses the question.
        const question = await options.store.addQuestion({
          conversationId: frame.conversation_id,
          content: frame.content,
          selectedText: frame.selected_text,
        });
        conversationId = question.conversationId;
        let streamed = '';
        let done = false;
        const onDelta = frame.stream
          ? (text: string) => {
              if (done || text === '') return;
              streamed += text;
              send({ type: 'delta', content: text });
            }
          : undefined;
        const answer = await options.answers.answer(
          { query: frame.content, selectedText: frame.selected_text },
          { onDelta, signal: abort.signal },
        );
        done = true;
        if (frame.stream) {
          // The deltas must add up to the message; send what the service did not stream.
          if (answer.answer.startsWith(streamed)) {
            const rest = answer.answer.slice(streamed.length);
            if (rest !== '') send({ type: 'delta', content: rest });
          } else {
            log.warn({ conversationId }, 'streamed deltas differ from the final answer');
          }
        }
        const stored = await options.store.addAnswer({
          conversationId,
          content: answer.answer,
          citations: answer.citations,
        });
        send({
          type: 'response',
          message: answer.answer,
          sources: answer.sources,
          citations: answer.citations,
          conversation_id: conversationId,
          message_id: stored.messageId,
        });
      } catch (error) {
        const context = conversationId === undefined ? {} : { conversation_id: conversationId };
        if (abort.signal.aborted) {
          log.info({ err: error, conversationId }, 'websocket answer abandoned');
        } else if (error instanceof ConversationNotFoundError) {
          sendError('conversation_not_found', 'no such conversation');
        } else if (error instanceof UpstreamError) {
          log.warn({ err: error, dependency: error.dependency, conversationId }, 'upstream failure');
          sendError(error.code, upstreamMessages[error.code], {
            ...context,
            ...(error.retryAfterSeconds === undefined ? {} : { retry_after_seconds: error.retryAfterSeconds }),
          });
        } else {
          log.error({ err: error, conversationId }, 'websocket answer failed');
          sendError('internal_error', 'the server failed to answer; the request id is in the log', context);
        }
      }
    }
  });
}

/** A zero or NaN period would make a timer spin, so a bad setting stops the start-up instead. */
function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`websocketRoutes: ${name} must be a positive number`);
  return value;
}

function errorBody(request: FastifyRequest, code: string, message: string) {
  return { error: { code, message, request_id: String(request.id) } };
}

/** Origins compare as browsers serialise them: lower-case scheme and host, default port dropped, no path. */
function normalizeOrigin(origin: string): string {
  try {
    return new URL(origin).origin;
  } catch {
    return origin;
  }
}

/** True when the promise settled within the time, false when the time ran out first. */
async function settleWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(resolve, ms, false);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
