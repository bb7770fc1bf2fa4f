/**
 * The production entry point (backend/src/server.ts) as a child process, as the
 * image runs it: environment only, a real PostgreSQL with TLS (sslmode=require),
 * the Qdrant and Cohere stand-ins in this process, everything on 127.0.0.1.
 */
import { createServer } from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type WebSocketClass from '../../../backend/node_modules/@types/ws/index.js';
import { removeRunResources } from '../../../src/support/run-resources.ts';
import { newRunId } from '../../../src/environments/run-context.ts';
import {
  cohereKey,
  qdrantKey,
  startCohere,
  startQdrant,
  type RunningCohere,
  type RunningQdrant,
} from '../rag/support.ts';
import {
  adminToken,
  corpusDocuments,
  freePort,
  goldenQuestions,
  request,
  TestPostgres,
  type GoldenQuestion,
  type QueryResponse,
  type ReadyBody,
} from './support.ts';

// The backend's own copy of ws, as its tests use.
const WebSocket = createRequire(new URL('../../../backend/package.json', import.meta.url))(
  'ws',
) as typeof WebSocketClass;

const serverEntry = fileURLToPath(new URL('../../../backend/src/server.ts', import.meta.url));
const drainTimeoutMs = 5_000;

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  at: number;
}

/** A started server process with its output collected. */
class ServerProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<Exit>;
  exit: Exit | undefined;

  constructor(env: Record<string, string>) {
    // Only the variables given: the test runner's own environment must not fill a missing one.
    this.child = spawn(process.execPath, [serverEntry], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (chunk: Buffer) => (this.stdout += chunk.toString()));
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exit = { code, signal, at: performance.now() };
        resolve(this.exit);
      });
    });
  }

  /** Resolves with the exit, or undefined when the process is still running after `ms`. */
  async exitWithin(ms: number): Promise<Exit | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), ms);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  stdoutLines(): string[] {
    return this.stdout.split('\n').filter((line) => line.trim() !== '');
  }

  kill(): void {
    if (this.exit === undefined) this.child.kill('SIGKILL');
  }
}

const started: ServerProcess[] = [];

function startServer(env: Record<string, string>): ServerProcess {
  const server = new ServerProcess(env);
  started.push(server);
  return server;
}

const runId = newRunId();
let postgres: TestPostgres;
let admin: pg.Pool | undefined;
let qdrant: RunningQdrant;
let cohere: RunningCohere;
let golden: GoldenQuestion[];

function serverEnvironment(port: number): Record<string, string> {
  return {
    PORT: String(port),
    DATABASE_URL: postgres.url('require'),
    QDRANT_URL: qdrant.url,
    QDRANT_API_KEY: qdrantKey,
    QDRANT_COLLECTION: 'server_book',
    COHERE_API_KEY: cohereKey,
    COHERE_BASE_URL: cohere.url,
    ADMIN_TOKEN: adminToken,
    DRAIN_TIMEOUT_MS: String(drainTimeoutMs),
    LOG_LEVEL: 'info',
  };
}

beforeAll(async () => {
  [postgres, qdrant, cohere, golden] = await Promise.all([
    TestPostgres.prepare(runId),
    startQdrant(),
    startCohere(),
    goldenQuestions(),
  ]);
});

afterAll(async () => {
  for (const server of started) server.kill();
  await Promise.all(started.map((server) => server.exitWithin(5_000)));
  await Promise.all([admin?.end(), qdrant?.close(), cohere?.close()]);
  await removeRunResources(runId);
});

describe('fatal configuration', () => {
  async function fatalRun(env: Record<string, string>) {
    const server = startServer(env);
    const exit = await server.exitWithin(10_000);
    const output = `${server.stdout}${server.stderr}`;
    const lines = output.split('\n').filter((line) => line.trim() !== '');
    return { exit, output, lines };
  }

  it('exits non-zero without QDRANT_URL, with one JSON line naming it and no secret or stack trace', async () => {
    const env = serverEnvironment(await freePort());
    delete env.QDRANT_URL;
    const spawnedAt = performance.now();
    const { exit, output, lines } = await fatalRun(env);
    expect(exit?.code).toBe(1);
    expect(exit!.at - spawnedAt).toBeLessThan(5_000);
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!) as { level: number; msg: string; variables: string[] };
    expect(line.level).toBe(60);
    expect(line.variables).toEqual(['QDRANT_URL']);
    expect(line.msg).toBe('invalid environment: QDRANT_URL is required but not set');
    for (const secret of [qdrantKey, cohereKey, adminToken, postgres.password]) expect(output).not.toContain(secret);
    expect(output).not.toMatch(/^\s+at /m);
  });

  it('exits non-zero with a malformed DATABASE_URL, naming the variable but never the password in it', async () => {
    const secret = 'malformed-url-password-canary';
    const env = { ...serverEnvironment(await freePort()), DATABASE_URL: `postgres://shipshape:${secret}@db host/x` };
    const spawnedAt = performance.now();
    const { exit, output, lines } = await fatalRun(env);
    expect(exit?.code).toBe(1);
    expect(exit!.at - spawnedAt).toBeLessThan(5_000);
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!) as { level: number; msg: string; variables: string[] };
    expect(line.level).toBe(60);
    expect(line.variables).toEqual(['DATABASE_URL']);
    expect(line.msg).toBe(
      'invalid environment: DATABASE_URL is malformed (expected postgres://user:password@host:port/database)',
    );
    for (const leaked of [secret, 'db host', qdrantKey, cohereKey, adminToken]) expect(output).not.toContain(leaked);
    expect(output).not.toMatch(/^\s+at /m);
  });
});

describe('a port already in use', () => {
  it('exits non-zero with one JSON line saying so, not a stack trace', async () => {
    const port = await freePort();
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(port, '::', resolve));
    try {
      const server = startServer(serverEnvironment(port));
      const exit = await server.exitWithin(10_000);
      const lines = `${server.stdout}${server.stderr}`
        .split('\n')
        .filter((line) => line.trim().startsWith('{"level":60'));
      expect(exit?.code).toBe(1);
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0]!)).toMatchObject({
        msg: `port ${port} is already in use; set PORT to a free port`,
        code: 'EADDRINUSE',
        variables: ['PORT'],
      });
      expect(`${server.stdout}${server.stderr}`).not.toMatch(/^\s+at /m);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});

describe('the server process', () => {
  let server: ServerProcess;
  let base: string;

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    // The database does not exist yet: its container starts in the first test.
    server = startServer(serverEnvironment(port));
  });

  it('answers /health 200 while the database is down at start, and /health/ready 503 naming postgres', async () => {
    await expect
      .poll(async () => (await request(base, 'GET', '/health', { timeoutMs: 1_000 }).catch(() => undefined))?.status, {
        timeout: 15_000,
        interval: 100,
      })
      .toBe(200);
    const health = await request(base, 'GET', '/health');
    expect(health.json).toMatchObject({ status: 'ok', version: '0.1.0', commit: 'unknown' });

    // "migrating" until the first attempt fails, then the failure's category.
    await expect
      .poll(async () => (await request<ReadyBody>(base, 'GET', '/health/ready')).json.checks.postgres, {
        timeout: 5_000,
        interval: 100,
      })
      .toEqual({ ok: false, latencyMs: 0, error: 'database migration failed: unreachable' });
    const ready = await request<ReadyBody>(base, 'GET', '/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.json.status).toBe('unavailable');
    expect(ready.json.checks.qdrant.ok).toBe(true);
    expect(ready.json.checks.cohere.ok).toBe(true);
    expect(ready.text).not.toContain(postgres.password);
    expect(ready.text).not.toContain(String(postgres.hostPort));

    // Questions are refused with a 503 while migrations are pending, never a 500.
    const query = await request<{ error: { code: string } }>(base, 'POST', '/api/v1/query', {
      body: { query: golden[0]!.question },
    });
    expect(query.status).toBe(503);
    expect(query.json.error.code).toBe('upstream_unavailable');
  });

  it('becomes ready once the database is up, having applied the migrations', async () => {
    await postgres.start();
    await expect
      .poll(async () => (await request(base, 'GET', '/health/ready')).status, { timeout: 30_000, interval: 200 })
      .toBe(200);
    const ready = await request<ReadyBody>(base, 'GET', '/health/ready');
    expect(Object.entries(ready.json.checks).map(([name, check]) => [name, check.ok])).toEqual([
      ['postgres', true],
      ['qdrant', true],
      ['cohere', true],
    ]);
    admin = postgres.adminPool();
    const { rows } = await admin.query<{ name: string }>('SELECT name FROM pgmigrations');
    expect(rows.map((row) => row.name)).toEqual(['0001_conversations']);
    const readyLine = server
      .stdoutLines()
      .map((line) => JSON.parse(line) as { msg?: string; applied?: string[] })
      .find((line) => line.msg === 'database ready');
    expect(readyLine?.applied).toEqual(['0001_conversations']);
    // The app's connections use TLS (sslmode=require against a self-signed certificate).
    const tls = await admin.query<{ ssl: boolean }>(
      `SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a ON a.pid = s.pid
        WHERE a.application_name = 'shipshape-backend'`,
    );
    expect(tls.rows.length).toBeGreaterThan(0);
    expect(tls.rows.every((row) => row.ssl)).toBe(true);
  });

  it('ingests the book and answers a query, storing it', async () => {
    const ingested = await request<{ documents: number; chunks: number }>(base, 'POST', '/api/v1/documents', {
      body: { documents: await corpusDocuments() },
      headers: { authorization: `Bearer ${adminToken}` },
      timeoutMs: 30_000,
    });
    expect(ingested.status).toBe(200);
    expect(ingested.json.documents).toBe(24);
    const item = golden[9]!;
    const result = await request<QueryResponse>(base, 'POST', '/api/v1/query', { body: { query: item.question } });
    expect(result.status).toBe(200);
    expect(result.json.citations.slice(0, 3).map((citation) => citation.file_path)).toContain(item.expectedPage);
    for (const text of item.answerContains) expect(result.json.answer).toContain(text);
    const { rows } = await admin!.query<{ role: string; content: string }>(
      'SELECT role, content FROM messages WHERE conversation_id = $1 ORDER BY seq',
      [result.json.conversation_id],
    );
    expect(rows.map((row) => [row.role, row.content])).toEqual([
      ['user', item.question],
      ['assistant', result.json.answer],
    ]);
  });

  it('on SIGTERM finishes the in-flight query, refuses new connections and exits 0 within the drain bound', async () => {
    cohere.reset();
    cohere.fault({ path: '/v2/chat', latencyMs: 1_500, times: 1 });
    const item = golden[7]!;
    const asked = performance.now();
    const inFlight = request<QueryResponse>(base, 'POST', '/api/v1/query', { body: { query: item.question } });
    // In flight once the stand-in holds the chat call.
    await expect
      .poll(() => cohere.requests().some((r) => r.path === '/v2/chat'), { timeout: 5_000, interval: 20 })
      .toBe(true);

    // An idle WebSocket client: the drain closes it with 1001 rather than waiting for it.
    const socket = new WebSocket(`${base.replace('http', 'ws')}/ws`, { handshakeTimeout: 2_000 });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const socketClosed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));

    const signalled = performance.now();
    server.child.kill('SIGTERM');
    await expect
      .poll(() => server.stdout.includes('shutting down: draining in-flight requests'), {
        timeout: 2_000,
        interval: 20,
      })
      .toBe(true);
    const attempt = await freshConnection(base);
    expect(['ECONNREFUSED', '503'], `a new connection after SIGTERM got ${attempt}`).toContain(attempt);

    expect(await socketClosed).toBe(1001);

    const answered = await inFlight;
    expect(answered.status).toBe(200);
    expect(answered.json.answer).toContain('137');
    expect(performance.now() - asked).toBeGreaterThanOrEqual(1_500);
    const exit = await server.exitWithin(drainTimeoutMs + 1_000);
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit!.at - signalled).toBeLessThan(drainTimeoutMs);
    cohere.reset();

    // The answer was stored before the pool closed.
    const { rows } = await admin!.query<{ role: string }>(
      'SELECT role FROM messages WHERE conversation_id = $1 ORDER BY seq',
      [answered.json.conversation_id],
    );
    expect(rows.map((row) => row.role)).toEqual(['user', 'assistant']);
  });

  it('wrote only JSON lines to stdout, ending in a clean shutdown, and no secret anywhere in its output', () => {
    const lines = server.stdoutLines();
    expect(lines.length).toBeGreaterThan(10);
    const notJson = lines.filter((line) => {
      try {
        return typeof JSON.parse(line) !== 'object';
      } catch {
        return true;
      }
    });
    expect(notJson).toEqual([]);
    const messages = lines.map((line) => (JSON.parse(line) as { msg?: string }).msg);
    expect(messages).toContain('database migrations failed; retrying');
    // The in-flight request's own 'request completed' line may land after it: order across hooks is not fixed.
    expect(messages).toContain('shut down cleanly');
    expect(messages).not.toContain('drain timed out; exiting');
    const output = `${server.stdout}${server.stderr}`;
    for (const secret of [qdrantKey, cohereKey, adminToken, postgres.password]) expect(output).not.toContain(secret);
  });
});

/** A new TCP connection's fate: its HTTP status, or the connection error's code. */
function freshConnection(base: string): Promise<string> {
  return new Promise((resolve) => {
    const outgoing = httpRequest(`${base}/health`, { agent: false, timeout: 2_000 }, (response) => {
      response.resume();
      resolve(String(response.statusCode));
    });
    outgoing.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    outgoing.on('timeout', () => outgoing.destroy(new Error('timeout')));
    outgoing.end();
  });
}
