/**
 * Shared pieces of the backend's end-to-end tests: a real PostgreSQL with a
 * self-signed certificate (as on Railway) on a fixed host port of 127.0.0.1,
 * the corpus as documents, and small HTTP helpers.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PostgreSqlContainer, type StartedPostgreSqlContainer } from '@testcontainers/postgresql';
import pg from 'pg';
import { generate } from 'selfsigned';
import { getContainerRuntimeClient } from 'testcontainers';
import type { IngestDocument } from '../../../backend/src/contracts.ts';
import { loadConfig } from '../../../src/config/load.ts';
import { resolveImages } from '../../../src/environments/local/images.ts';
import { runLabels } from '../../../src/support/run-resources.ts';

process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';

export const adminToken = 'integration-admin-token-canary-0123456789';
export const corpusDir = fileURLToPath(new URL('../../../fixtures/corpus/', import.meta.url));
export const goldenFile = fileURLToPath(new URL('../../../fixtures/golden.json', import.meta.url));

export interface GoldenQuestion {
  id: string;
  question: string;
  expectedPage: string;
  answerContains: string[];
}

export async function goldenQuestions(): Promise<GoldenQuestion[]> {
  return JSON.parse(await readFile(goldenFile, 'utf8')) as GoldenQuestion[];
}

/** Every .md page of the corpus: title from its first `# ` heading, file_path its file name. */
export async function corpusDocuments(): Promise<IngestDocument[]> {
  const names = (await readdir(corpusDir)).filter((name) => name.endsWith('.md')).sort();
  return Promise.all(
    names.map(async (name) => {
      const text = await readFile(path.join(corpusDir, name), 'utf8');
      const title = /^# (.+)$/m.exec(text)?.[1]?.trim();
      if (!title) throw new Error(`${name} has no "# " heading`);
      return { title, file_path: name, text };
    }),
  );
}

/** A port nothing listens on right now, so a container (or a child server) can be given it up front. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function selfSignedCertificate(): Promise<{ dir: string; cert: string; key: string }> {
  const pems = await generate([{ name: 'commonName', value: 'postgres' }], { keySize: 2048, algorithm: 'sha256' });
  const dir = await mkdtemp(path.join(tmpdir(), 'shipshape-integration-'));
  const cert = path.join(dir, 'server.crt');
  const key = path.join(dir, 'server.key');
  await writeFile(cert, pems.cert);
  await writeFile(key, pems.private, { mode: 0o600 });
  return { dir, cert, key };
}

/**
 * A PostgreSQL container whose host port and password are known before it
 * starts, so a server can be pointed at a database that is not there yet.
 */
export class TestPostgres {
  readonly runId: string;
  readonly password: string;
  readonly hostPort: number;
  #container: StartedPostgreSqlContainer | undefined;

  private constructor(runId: string, hostPort: number) {
    this.runId = runId;
    this.hostPort = hostPort;
    this.password = `pg-password-canary-${runId}`;
  }

  static async prepare(runId: string): Promise<TestPostgres> {
    return new TestPostgres(runId, await freePort());
  }

  url(sslmode = 'require'): string {
    return `postgres://shipshape:${this.password}@127.0.0.1:${this.hostPort}/shipshape?sslmode=${sslmode}`;
  }

  async start(): Promise<void> {
    const images = await resolveImages((await loadConfig({ envName: 'local' })).images, ['postgres']);
    const { dir, cert, key } = await selfSignedCertificate();
    try {
      this.#container = await new PostgreSqlContainer(images.postgres)
        .withLabels(runLabels(this.runId))
        .withDatabase('shipshape')
        .withUsername('shipshape')
        .withPassword(this.password)
        .withSSL(cert, key)
        .withExposedPorts({ container: 5432, host: this.hostPort })
        .start();
    } finally {
      // The container holds copies of both files.
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** The container through dockerode, to pause, unpause, stop or start it. */
  async docker() {
    if (!this.#container) throw new Error('the container was not started');
    const client = await getContainerRuntimeClient();
    return client.container.dockerode.getContainer(this.#container.getId());
  }

  /** A pool outside the app under test, for counting rows. */
  adminPool(): pg.Pool {
    const pool = new pg.Pool({ connectionString: this.url('disable'), max: 2, connectionTimeoutMillis: 2_000 });
    pool.on('error', () => undefined);
    return pool;
  }
}

export interface HttpResult<T = unknown> {
  status: number;
  headers: Headers;
  text: string;
  json: T;
}

/** One request with a time bound; the body is read as text (kept for secret scans) and parsed when JSON. */
export async function request<T = Record<string, unknown>>(
  base: string,
  method: string,
  route: string,
  options: { body?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<HttpResult<T>> {
  const response = await fetch(`${base}${route}`, {
    method,
    headers: {
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
  });
  const text = await response.text();
  const json = (response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : undefined) as T;
  return { status: response.status, headers: response.headers, text, json };
}

export const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface ErrorBody {
  error: { code: string; message: string; request_id: string };
}

export interface QueryResponse {
  answer: string;
  sources: string[];
  citations: { title: string; url: string; file_path: string; score: number; snippet: string }[];
  conversation_id: string;
  message_id: string;
}

export interface ReadyBody {
  status: 'ready' | 'unavailable';
  checks: Record<'postgres' | 'qdrant' | 'cohere', { ok: boolean; latencyMs: number; error?: string }>;
}
