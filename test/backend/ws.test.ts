/**
 * GET /ws of the reference backend, driven over real sockets on 127.0.0.1 with in-memory
 * fakes behind AnswerService and ConversationStore.
 */
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
// fastify and ws are dependencies of the backend, not of the harness: load the backend's copies.
import Fastify, { type FastifyInstance } from '../../backend/node_modules/fastify/fastify.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type WebSocketClass from '../../backend/node_modules/@types/ws/index.js';
import {
  ConversationNotFoundError,
  UpstreamError,
  type Answer,
  type AnswerOptions,
  type AnswerRequest,
  type AnswerService,
  type Citation,
  type ConversationStore,
  type StoredConversation,
} from '../../backend/src/contracts.ts';
import { websocketRoutes, type WebSocketOptions } from '../../backend/src/http/ws.ts';

const WebSocket = createRequire(new URL('../../backend/package.json', import.meta.url))('ws') as typeof WebSocketClass;
type Socket = InstanceType<typeof WebSocketClass>;

const citation: Citation = {
  title: 'Chapter 1',
  url: 'https://book.example/ch1',
  file_path: 'docs/ch1.md',
  score: 0.91,
  snippet: 'ROS 2 is a middleware',
};

/** Internals a failing dependency puts in its error; none of it may reach a client. */
const internalDetail = 'connect ECONNREFUSED qdrant.railway.internal:6333 api-key=sk-secret';

type Behaviour = (request: AnswerRequest, options: AnswerOptions) => Promise<Answer>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

class FakeAnswers implements AnswerService {
  /** Chosen by the question's text, so one app can be slow for one question and fast for another. */
  behaviours = new Map<string, Behaviour>();
  signals: AbortSignal[] = [];

  async answer(request: AnswerRequest, options: AnswerOptions = {}): Promise<Answer> {
    if (options.signal) this.signals.push(options.signal);
    const behaviour = this.behaviours.get(request.query);
    if (behaviour) return behaviour(request, options);
    const pieces = ['Answer ', 'to: ', request.query];
    for (const piece of pieces) {
      await sleep(1);
      options.onDelta?.(piece);
    }
    return { answer: pieces.join(''), sources: [`${citation.title} (${citation.url})`], citations: [citation] };
  }
}

class FakeStore implements ConversationStore {
  conversations = new Map<string, StoredConversation>();
  failAnswers = false;

  async addQuestion(input: { conversationId?: string; content: string; selectedText?: string }) {
    const id = input.conversationId ?? randomUUID();
    if (input.conversationId !== undefined && !this.conversations.has(id)) {
      throw new ConversationNotFoundError(`no conversation ${id}`);
    }
    const conversation = this.conversations.get(id) ?? { id, created_at: new Date().toISOString(), messages: [] };
    this.conversations.set(id, conversation);
    const messageId = randomUUID();
    conversation.messages.push({
      id: messageId,
      role: 'user',
      content: input.content,
      selected_text: input.selectedText ?? null,
      citations: [],
      created_at: new Date().toISOString(),
    });
    return { conversationId: id, messageId };
  }

  async addAnswer(input: { conversationId: string; content: string; citations: Citation[] }) {
    if (this.failAnswers) throw new Error(`INSERT INTO messages failed: ${internalDetail}`);
    const messageId = randomUUID();
    this.conversations.get(input.conversationId)!.messages.push({
      id: messageId,
      role: 'assistant',
      content: input.content,
      selected_text: null,
      citations: input.citations,
      created_at: new Date().toISOString(),
    });
    return { messageId };
  }

  async getConversation(id: string) {
    return this.conversations.get(id);
  }

  async deleteConversation(id: string) {
    return this.conversations.delete(id);
  }

  roles(id: string): string[] {
    return this.conversations.get(id)?.messages.map((message) => `${message.role}: ${message.content}`) ?? [];
  }
}

type Frame = Record<string, unknown> & { type: string };

/** A client that queues every frame it receives, so a test reads them in order with a bound. */
class Client {
  readonly socket: Socket;
  readonly frames: Frame[] = [];
  readonly pings: number[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiter: (() => void) | undefined;

  constructor(socket: Socket) {
    this.socket = socket;
    socket.on('message', (data) => {
      this.frames.push(JSON.parse(String(data)) as Frame);
      this.waiter?.();
    });
    socket.on('ping', () => this.pings.push(performance.now()));
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => {
        resolve({ code, reason: String(reason) });
        this.waiter?.();
      });
    });
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  async next(timeoutMs = 2_000): Promise<Frame> {
    const deadline = performance.now() + timeoutMs;
    while (this.frames.length === 0) {
      const left = deadline - performance.now();
      if (left <= 0 || this.socket.readyState === this.socket.CLOSED) {
        throw new Error(`no frame within ${timeoutMs} ms (socket state ${this.socket.readyState})`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return this.frames.shift()!;
  }

  /** Frames up to and including the response or error frame that ends one exchange. */
  async exchange(timeoutMs = 2_000): Promise<Frame[]> {
    const frames: Frame[] = [];
    for (;;) {
      const frame = await this.next(timeoutMs);
      if (frame.type === 'keep-alive') continue;
      frames.push(frame);
      if (frame.type === 'response' || frame.type === 'error') return frames;
    }
  }
}

interface Started {
  app: FastifyInstance;
  url: string;
  answers: FakeAnswers;
  store: FakeStore;
  logs: string[];
  metrics: { opened: number; closed: number };
}

// The project's timeouts suit container tests; these run on timers of milliseconds.
vi.setConfig({ testTimeout: 5_000, hookTimeout: 5_000 });

const apps: FastifyInstance[] = [];
const clients: Socket[] = [];

afterEach(async () => {
  for (const socket of clients.splice(0)) socket.terminate();
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function start(overrides: Partial<WebSocketOptions> = {}): Promise<Started> {
  const logs: string[] = [];
  const app = Fastify({ logger: { level: 'info', stream: { write: (line: string) => logs.push(line) } } });
  apps.push(app);
  const answers = new FakeAnswers();
  const store = new FakeStore();
  const metrics = { opened: 0, closed: 0 };
  await app.register(websocketRoutes, {
    answers,
    store,
    allowedOrigins: ['https://book.example'],
    // Long enough to stay out of the way; the tests about timers shorten them.
    keepAliveMs: 60_000,
    pingIntervalMs: 60_000,
    maxContentLength: 50,
    metrics: { connectionOpened: () => metrics.opened++, connectionClosed: () => metrics.closed++ },
    ...overrides,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `ws://127.0.0.1:${(app.server.address() as AddressInfo).port}/ws`;
  return { app, url, answers, store, logs, metrics };
}

async function connect(url: string, options: { origin?: string; autoPong?: boolean } = {}): Promise<Client> {
  const socket = new WebSocket(url, { ...options, handshakeTimeout: 2_000 });
  clients.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  return new Client(socket);
}

/** The HTTP status that refused the upgrade, or the connection error's code. */
async function refusal(url: string, options: { origin?: string } = {}): Promise<{ status?: number; body?: string }> {
  const socket = new WebSocket(url, { ...options, handshakeTimeout: 2_000 });
  clients.push(socket);
  return new Promise((resolve, reject) => {
    socket.once('open', () => reject(new Error('the upgrade was accepted')));
    socket.once('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += String(chunk)));
      response.on('end', () => resolve({ status: response.statusCode!, body }));
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve({ body: error.code ?? error.message }));
  });
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('GET /ws exchange', () => {
  it("answers the original client's message with one response frame, sources as strings", async () => {
    const { url, store } = await start();
    const client = await connect(url);
    client.send({ type: 'message', content: 'What is ROS 2?' });
    const frames = await client.exchange();
    expect(frames).toHaveLength(1);
    const response = frames[0]!;
    expect(response).toEqual({
      type: 'response',
      message: 'Answer to: What is ROS 2?',
      sources: ['Chapter 1 (https://book.example/ch1)'],
      citations: [citation],
      conversation_id: expect.stringMatching(uuidPattern),
      message_id: expect.stringMatching(uuidPattern),
    });
    const conversation = store.conversations.get(String(response.conversation_id))!;
    expect(conversation.messages.map((m) => [m.role, m.content])).toEqual([
      ['user', 'What is ROS 2?'],
      ['assistant', 'Answer to: What is ROS 2?'],
    ]);
    expect(conversation.messages[1]!.id).toBe(response.message_id);
    expect(conversation.messages[1]!.citations).toEqual([citation]);
  });

  it('streams deltas, then one response whose message is the deltas joined', async () => {
    const { url, store } = await start();
    const client = await connect(url);
    client.send({ type: 'message', content: 'What is a node?', stream: true });
    const frames = await client.exchange();
    expect(frames.map((frame) => frame.type)).toEqual(['delta', 'delta', 'delta', 'response']);
    const deltas = frames.slice(0, -1).map((frame) => frame.content);
    expect(deltas).toEqual(['Answer ', 'to: ', 'What is a node?']);
    const response = frames.at(-1)!;
    expect(response.message).toBe(deltas.join(''));
    expect(store.roles(String(response.conversation_id))).toEqual([
      'user: What is a node?',
      'assistant: Answer to: What is a node?',
    ]);
  });

  it('sends what a non-streaming service returned as one delta, so the deltas still add up', async () => {
    const { url, answers } = await start();
    answers.behaviours.set('plain', async () => ({ answer: 'Whole answer.', sources: [], citations: [] }));
    const client = await connect(url);
    client.send({ type: 'message', content: 'plain', stream: true });
    expect(await client.exchange()).toEqual([
      { type: 'delta', content: 'Whole answer.' },
      expect.objectContaining({ type: 'response', message: 'Whole answer.', sources: [], citations: [] }),
    ]);
  });

  it('continues a conversation and passes selected_text to the answer', async () => {
    const { url, store, answers } = await start();
    const seen: AnswerRequest[] = [];
    answers.behaviours.set('follow-up', async (request) => {
      seen.push(request);
      return { answer: 'Narrowed.', sources: [], citations: [] };
    });
    const client = await connect(url);
    client.send({ type: 'message', content: 'first' });
    const [first] = await client.exchange();
    client.send({
      type: 'message',
      content: 'follow-up',
      selected_text: 'a highlighted line',
      conversation_id: first!.conversation_id,
    });
    const [second] = await client.exchange();
    expect(second).toMatchObject({ type: 'response', message: 'Narrowed.', conversation_id: first!.conversation_id });
    expect(seen).toEqual([{ query: 'follow-up', selectedText: 'a highlighted line' }]);
    const messages = store.conversations.get(String(first!.conversation_id))!.messages;
    expect(messages.map((m) => [m.role, m.selected_text])).toEqual([
      ['user', null],
      ['assistant', null],
      ['user', 'a highlighted line'],
      ['assistant', null],
    ]);
  });
});

describe('GET /ws bad frames', () => {
  it.each([
    ['not JSON', 'hello', /invalid frame: frame is not valid JSON/],
    ['an array', '[1,2]', /frame must be a JSON object/],
    ['a string', '"message"', /frame must be a JSON object/],
    ['null', 'null', /frame must be a JSON object/],
    ['no type', { content: 'x' }, /type is required/],
    ['an unknown type', { type: 'question', content: 'x' }, /unknown type "question"; expected "message"/],
    ['no content', { type: 'message' }, /content is required/],
    ['empty content', { type: 'message', content: '' }, /content must not be empty/],
    ['blank content', { type: 'message', content: ' \n ' }, /content must not be empty/],
    ['numeric content', { type: 'message', content: 42 }, /content must be a string/],
    ['content over the limit', { type: 'message', content: 'x'.repeat(51) }, /content must be at most 50 characters/],
    ['numeric selected_text', { type: 'message', content: 'q', selected_text: 5 }, /selected_text must be a string/],
    ['a malformed conversation_id', { type: 'message', content: 'q', conversation_id: 'abc' }, /conversation_id must/],
    ['a non-boolean stream', { type: 'message', content: 'q', stream: 'yes' }, /stream must be true or false/],
  ])('answers %s with a bad_request error frame and keeps working', async (_name, frame, message) => {
    const { url, store } = await start();
    const client = await connect(url);
    client.send(frame);
    const [error] = await client.exchange();
    expect(error).toEqual({
      type: 'error',
      code: 'bad_request',
      message: expect.stringMatching(message),
      request_id: expect.any(String),
    });
    expect(store.conversations.size).toBe(0);
    client.send({ type: 'message', content: 'still there?' });
    expect(await client.exchange()).toEqual([
      expect.objectContaining({ type: 'response', message: 'Answer to: still there?' }),
    ]);
  });

  it('refuses binary frames and keeps working', async () => {
    const { url } = await start();
    const client = await connect(url);
    client.socket.send(Buffer.from('{"type":"message","content":"q"}'), { binary: true });
    expect(await client.exchange()).toEqual([
      expect.objectContaining({ type: 'error', code: 'bad_request', message: expect.stringMatching(/not binary/) }),
    ]);
    client.send({ type: 'message', content: 'q' });
    expect((await client.exchange())[0]).toMatchObject({ type: 'response', message: 'Answer to: q' });
  });

  it('ignores a keep-alive frame from the client', async () => {
    const { url } = await start();
    const client = await connect(url);
    client.send({ type: 'keep-alive' });
    client.send({ type: 'message', content: 'q' });
    expect(await client.exchange()).toEqual([expect.objectContaining({ type: 'response', message: 'Answer to: q' })]);
  });
});

describe('GET /ws failures', () => {
  it('answers an unknown conversation with conversation_not_found and keeps working', async () => {
    const { url, store } = await start();
    const client = await connect(url);
    client.send({ type: 'message', content: 'q', conversation_id: '7d0c2a52-1f3e-4b7a-9c1d-2e4f6a8b0c1d' });
    expect(await client.exchange()).toEqual([
      {
        type: 'error',
        code: 'conversation_not_found',
        message: 'no such conversation',
        request_id: expect.any(String),
      },
    ]);
    expect(store.conversations.size).toBe(0);
    client.send({ type: 'message', content: 'q' });
    expect((await client.exchange())[0]).toMatchObject({ type: 'response' });
  });

  it.each([
    [
      'a Cohere rate limit',
      new UpstreamError('cohere', 'upstream_rate_limited', internalDetail, 7),
      { code: 'upstream_rate_limited', message: 'the answering service is busy; retry later', retry_after_seconds: 7 },
    ],
    [
      'Qdrant unavailable',
      new UpstreamError('qdrant', 'upstream_unavailable', internalDetail),
      { code: 'upstream_unavailable', message: 'a service the answer needs is unavailable; retry later' },
    ],
    [
      'a Cohere failure',
      new UpstreamError('cohere', 'upstream_error', internalDetail),
      { code: 'upstream_error', message: 'a service the answer needs failed; retry later' },
    ],
    [
      'any other error',
      new Error(internalDetail),
      { code: 'internal_error', message: 'the server failed to answer; the request id is in the log' },
    ],
  ])('maps %s to an error frame without internals; the question stays stored', async (_name, thrown, expected) => {
    const { url, store, answers, logs } = await start();
    answers.behaviours.set('fails', async () => {
      throw thrown;
    });
    const client = await connect(url);
    client.send({ type: 'message', content: 'fails', stream: true });
    const [error] = await client.exchange();
    expect(error).toEqual({
      type: 'error',
      ...expected,
      request_id: expect.any(String),
      conversation_id: expect.stringMatching(uuidPattern),
    });
    expect(JSON.stringify(error)).not.toMatch(/ECONNREFUSED|railway\.internal|sk-secret|6333/);
    expect(store.roles(String(error!.conversation_id))).toEqual(['user: fails']);
    // The detail is in the log, next to the request id the client was given.
    const logged = logs.map((line) => JSON.parse(line) as { reqId?: string; err?: { message: string } });
    expect(logged).toContainEqual(
      expect.objectContaining({
        reqId: error!.request_id,
        err: expect.objectContaining({ message: expect.stringContaining('sk-secret') }),
      }),
    );
    client.send({ type: 'message', content: 'q' });
    expect((await client.exchange())[0]).toMatchObject({ type: 'response', message: 'Answer to: q' });
  });

  it('keeps the question when storing the answer fails', async () => {
    const { url, store } = await start();
    store.failAnswers = true;
    const client = await connect(url);
    client.send({ type: 'message', content: 'q' });
    const [error] = await client.exchange();
    expect(error).toMatchObject({ type: 'error', code: 'internal_error' });
    expect(JSON.stringify(error)).not.toMatch(/INSERT|sk-secret/);
    expect(store.roles(String(error!.conversation_id))).toEqual(['user: q']);
  });

  it('refuses messages beyond maxPendingMessages in order, with too_many_messages', async () => {
    const { url, answers } = await start({ maxPendingMessages: 2 });
    answers.behaviours.set('slow', async () => {
      await sleep(100);
      return { answer: 'slow done', sources: [], citations: [] };
    });
    const client = await connect(url);
    client.send({ type: 'message', content: 'slow' });
    client.send({ type: 'message', content: 'slow' });
    client.send({ type: 'message', content: 'slow' });
    const frames = [...(await client.exchange()), ...(await client.exchange()), ...(await client.exchange())];
    expect(frames.map((frame) => frame.code ?? frame.message)).toEqual(['slow done', 'slow done', 'too_many_messages']);
  });
});

describe('GET /ws rate limit', () => {
  it('answers questions over the per-address limit with rate_limited, across sockets, and keeps them open', async () => {
    const { url } = await start({ rateLimitPerMinute: 2 });
    const first = await connect(url);
    const second = await connect(url);
    first.send({ type: 'message', content: 'one' });
    expect((await first.exchange())[0]).toMatchObject({ type: 'response', message: 'Answer to: one' });
    second.send({ type: 'message', content: 'two' });
    expect((await second.exchange())[0]).toMatchObject({ type: 'response', message: 'Answer to: two' });
    second.send({ type: 'message', content: 'three' });
    const [limited] = await second.exchange();
    expect(limited).toMatchObject({ type: 'error', code: 'rate_limited' });
    expect(limited!.retry_after_seconds).toBeGreaterThanOrEqual(1);
    expect(limited!.retry_after_seconds).toBeLessThanOrEqual(60);
    first.send({ type: 'message', content: 'four' });
    expect((await first.exchange())[0]).toMatchObject({ code: 'rate_limited' });
    expect(second.socket.readyState).toBe(second.socket.OPEN);
  });
});

describe('GET /ws keep-alive and pings', () => {
  it('sends a keep-alive frame after keepAliveMs without traffic, and again after each idle period', async () => {
    const { url } = await start({ keepAliveMs: 80 });
    const client = await connect(url);
    const opened = performance.now();
    expect(await client.next(1_000)).toEqual({ type: 'keep-alive' });
    const first = performance.now() - opened;
    expect(await client.next(1_000)).toEqual({ type: 'keep-alive' });
    const second = performance.now() - opened;
    expect(first).toBeGreaterThanOrEqual(70);
    expect(second - first).toBeGreaterThanOrEqual(70);
  });

  it('pings, keeps a peer that pongs, and terminates one that does not', async () => {
    const { url, metrics } = await start({ pingIntervalMs: 50 });
    const answering = await connect(url);
    const silent = await connect(url, { autoPong: false });
    const closed = await Promise.race([silent.closed, sleep(1_000).then(() => undefined)]);
    // Terminated, not closed: a peer that does not pong would not answer a close frame either.
    expect(closed).toEqual({ code: 1006, reason: '' });
    expect(silent.pings.length).toBeGreaterThanOrEqual(1);
    await sleep(150);
    expect(answering.socket.readyState).toBe(answering.socket.OPEN);
    expect(answering.pings.length).toBeGreaterThanOrEqual(3);
    expect(metrics).toEqual({ opened: 2, closed: 1 });
  });
});

describe('GET /ws origin', () => {
  it('accepts an allowed Origin and a request without one', async () => {
    const { url } = await start();
    for (const options of [{ origin: 'https://book.example' }, { origin: 'HTTPS://BOOK.EXAMPLE:443' }, {}]) {
      const client = await connect(url, options);
      client.send({ type: 'message', content: 'q' });
      expect((await client.exchange())[0]).toMatchObject({ type: 'response' });
    }
  });

  it('refuses an Origin not in the allowlist with 403 before the upgrade', async () => {
    const { url, metrics } = await start();
    for (const origin of ['https://evil.example', 'null', 'https://book.example.evil.example']) {
      const { status, body } = await refusal(url, { origin });
      expect(status).toBe(403);
      expect(JSON.parse(body!)).toEqual({
        error: {
          code: 'origin_not_allowed',
          message: 'this origin may not open a WebSocket',
          request_id: expect.any(String),
        },
      });
    }
    expect(metrics.opened).toBe(0);
  });

  it('accepts any Origin when the allowlist holds "*"', async () => {
    const { url } = await start({ allowedOrigins: ['*'] });
    const client = await connect(url, { origin: 'https://anywhere.example' });
    expect(client.socket.readyState).toBe(client.socket.OPEN);
  });
});

describe('GET /ws concurrency', () => {
  it("does not make one connection wait for another's slow answer", async () => {
    const { url, answers } = await start();
    answers.behaviours.set('slow', async () => {
      await sleep(800);
      return { answer: 'slow done', sources: [], citations: [] };
    });
    const slow = await connect(url);
    const fast = await connect(url);
    const started = performance.now();
    slow.send({ type: 'message', content: 'slow' });
    await sleep(20);
    fast.send({ type: 'message', content: 'fast' });
    expect((await fast.exchange())[0]).toMatchObject({ message: 'Answer to: fast' });
    const fastMs = performance.now() - started;
    expect((await slow.exchange())[0]).toMatchObject({ message: 'slow done' });
    const slowMs = performance.now() - started;
    expect(slowMs).toBeGreaterThanOrEqual(790);
    // Relative, not absolute: on a loaded machine both take longer, but the fast answer never waits for the slow one.
    expect(fastMs).toBeLessThan(slowMs - 400);
  });

  it('accepts a second message while the first is answered and replies in order', async () => {
    const { url, answers } = await start();
    answers.behaviours.set('slow', async () => {
      await sleep(150);
      return { answer: 'slow done', sources: [], citations: [] };
    });
    const client = await connect(url);
    client.send({ type: 'message', content: 'slow' });
    client.send({ type: 'message', content: 'fast', stream: true });
    const first = await client.exchange();
    const second = await client.exchange();
    expect(first).toEqual([expect.objectContaining({ type: 'response', message: 'slow done' })]);
    expect(second.map((frame) => frame.type)).toEqual(['delta', 'delta', 'delta', 'response']);
    expect(second.at(-1)).toMatchObject({ message: 'Answer to: fast' });
    expect(second.at(-1)!.conversation_id).not.toBe(first[0]!.conversation_id);
  });

  it('aborts the answer of a client that went away', async () => {
    const { url, answers } = await start();
    let aborted: Promise<void> | undefined;
    answers.behaviours.set('slow', async (_request, options) => {
      aborted = new Promise((resolve) => options.signal!.addEventListener('abort', () => resolve()));
      await aborted;
      throw options.signal!.reason;
    });
    const client = await connect(url);
    client.send({ type: 'message', content: 'slow' });
    await sleep(50);
    client.socket.close();
    await client.closed;
    await expect(Promise.race([aborted, sleep(1_000).then(() => 'not aborted')])).resolves.toBeUndefined();
  });
});

describe('GET /ws graceful shutdown', () => {
  it('lets an in-flight answer finish, refuses new connections meanwhile, then closes with 1001', async () => {
    const { app, url, answers, store, metrics } = await start();
    answers.behaviours.set('slow', async () => {
      await sleep(300);
      return { answer: 'slow done', sources: [], citations: [] };
    });
    const client = await connect(url);
    client.send({ type: 'message', content: 'slow' });
    await sleep(30);
    const closing = app.close();
    await sleep(30);
    // This client keeps its refused connection open; the close must not wait for it.
    expect(await refusal(url)).toMatchObject({ status: 503 });
    client.send({ type: 'message', content: 'too late' });
    const [response] = await client.exchange();
    expect(response).toMatchObject({ type: 'response', message: 'slow done' });
    expect(await client.exchange()).toEqual([expect.objectContaining({ type: 'error', code: 'shutting_down' })]);
    expect(await client.closed).toEqual({ code: 1001, reason: 'server shutting down' });
    await closing;
    expect(store.roles(String(response!.conversation_id))).toEqual(['user: slow', 'assistant: slow done']);
    expect(metrics).toEqual({ opened: 1, closed: 1 });
  });

  it('aborts answers still running after drainTimeoutMs and closes with 1001', async () => {
    const { app, url, answers, store } = await start({ drainTimeoutMs: 100 });
    answers.behaviours.set('endless', async (_request, options) => {
      await new Promise((resolve) => options.signal!.addEventListener('abort', resolve));
      throw options.signal!.reason;
    });
    const client = await connect(url);
    client.send({ type: 'message', content: 'endless' });
    await sleep(30);
    const started = performance.now();
    await app.close();
    const elapsed = performance.now() - started;
    expect(await client.closed).toEqual({ code: 1001, reason: 'server shutting down' });
    expect(client.frames).toEqual([]);
    expect(answers.signals.map((signal) => signal.aborted)).toEqual([true]);
    expect(elapsed).toBeGreaterThanOrEqual(90);
    expect(elapsed).toBeLessThan(1_000);
    expect([...store.conversations.values()].map((c) => c.messages.length)).toEqual([1]);
  });

  it("shortens the drain to fit Fastify's pluginTimeout, which bounds preClose hooks", async () => {
    const logs: string[] = [];
    const app = Fastify({ pluginTimeout: 2_000, logger: { stream: { write: (line: string) => logs.push(line) } } });
    apps.push(app);
    const answers = new FakeAnswers();
    answers.behaviours.set('endless', async (_request, options) => {
      await new Promise((resolve) => options.signal!.addEventListener('abort', resolve));
      throw options.signal!.reason;
    });
    await app.register(websocketRoutes, {
      answers,
      store: new FakeStore(),
      allowedOrigins: [],
      drainTimeoutMs: 60_000,
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const client = await connect(`ws://127.0.0.1:${(app.server.address() as AddressInfo).port}/ws`);
    client.send({ type: 'message', content: 'endless' });
    await sleep(30);
    const started = performance.now();
    await app.close();
    const elapsed = performance.now() - started;
    expect(await client.closed).toEqual({ code: 1001, reason: 'server shutting down' });
    expect(elapsed).toBeGreaterThanOrEqual(490);
    expect(elapsed).toBeLessThan(1_500);
    expect(logs.map((line) => JSON.parse(line) as Record<string, unknown>)).toContainEqual(
      expect.objectContaining({
        msg: 'websocket drain shortened to fit within Fastify pluginTimeout',
        drainTimeoutMs: 500,
        pluginTimeout: 2_000,
      }),
    );
  });

  it('refuses a period that is not a positive number', async () => {
    const app = Fastify();
    apps.push(app);
    await expect(
      app.register(websocketRoutes, {
        answers: new FakeAnswers(),
        store: new FakeStore(),
        allowedOrigins: [],
        keepAliveMs: 0,
      }),
    ).rejects.toThrow('websocketRoutes: keepAliveMs must be a positive number');
  });
});
