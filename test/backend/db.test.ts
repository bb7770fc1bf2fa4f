/**
 * The backend's PostgreSQL layer against a real PostgreSQL with a self-signed
 * certificate (as on Railway), reached through a mapped port on 127.0.0.1.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PostgreSqlContainer, type StartedPostgreSqlContainer } from '@testcontainers/postgresql';
import pg from 'pg';
import { generate } from 'selfsigned';
import { getContainerRuntimeClient } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Citation, ConversationNotFoundError } from '../../backend/src/contracts.ts';
import { PostgresConversationStore } from '../../backend/src/db/conversation-store.ts';
import { type MigrationLog, runMigrations } from '../../backend/src/db/migrate.ts';
import { createPool } from '../../backend/src/db/pool.ts';
import { postgresCheck } from '../../backend/src/db/readiness.ts';
import { loadConfig } from '../../src/config/load.ts';
import { resolveImages } from '../../src/environments/local/images.ts';
import { removeRunResources, runLabels } from '../../src/support/run-resources.ts';
import { newRunId } from '../../src/environments/run-context.ts';

process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
const runId = newRunId();
const password = `local-${runId}`;

let container: StartedPostgreSqlContainer;
let hostPort: number;
/** Pools a test opens; closed in afterAll so a failed assertion leaks nothing. */
const pools: pg.Pool[] = [];
let admin: pg.Pool;
let pool: pg.Pool;
let store: PostgresConversationStore;
/** Idle connections the app pool saw break (and discarded). */
const appIdleErrors: Error[] = [];

const citations: Citation[] = [
  {
    title: 'Chapter 1',
    url: 'https://book.example/ch1',
    file_path: 'docs/ch1.md',
    score: 0.91,
    snippet: 'ROS 2 "nodes"',
  },
  { title: 'Chapter 2', url: 'https://book.example/ch2', file_path: 'docs/ch2.md', score: 0.5, snippet: 'ünïcode ✓' },
];

function databaseUrl(database = 'shipshape', sslmode = 'require', secret = password): string {
  return `postgres://shipshape:${secret}@127.0.0.1:${hostPort}/${database}?sslmode=${sslmode}`;
}

function tracked(created: pg.Pool): pg.Pool {
  pools.push(created);
  return created;
}

function recordingLog(): MigrationLog & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => lines.push(m), warn: (m) => lines.push(m), error: (m) => lines.push(m) };
}

/** A fixed host port, so a stopped and restarted container is reachable at the same URL. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function selfSignedCertificate(): Promise<{ cert: string; key: string }> {
  const pems = await generate([{ name: 'commonName', value: 'postgres' }], { keySize: 2048, algorithm: 'sha256' });
  const dir = await mkdtemp(path.join(tmpdir(), 'shipshape-db-test-'));
  const cert = path.join(dir, 'server.crt');
  const key = path.join(dir, 'server.key');
  await writeFile(cert, pems.cert);
  await writeFile(key, pems.private, { mode: 0o600 });
  return { cert, key };
}

async function dockerContainer() {
  const client = await getContainerRuntimeClient();
  return client.container.dockerode.getContainer(container.getId());
}

async function freshDatabase(name: string): Promise<string> {
  // Names are this file's constants; CREATE DATABASE takes no parameters.
  await admin.query(`CREATE DATABASE ${name}`);
  return databaseUrl(name);
}

async function count(sql: string, values: unknown[] = []): Promise<number> {
  const result = await admin.query<{ n: string }>(sql, values);
  return Number(result.rows[0]?.n);
}

/** True once a brand-new connection (not the pools under test) gets an answer. */
async function acceptsConnections(): Promise<boolean> {
  const client = new pg.Client({
    connectionString: databaseUrl('shipshape', 'disable'),
    connectionTimeoutMillis: 1000,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

beforeAll(async () => {
  const images = await resolveImages((await loadConfig({ envName: 'local' })).images, ['postgres']);
  const { cert, key } = await selfSignedCertificate();
  hostPort = await freePort();
  container = await new PostgreSqlContainer(images.postgres)
    .withLabels(runLabels(runId))
    .withDatabase('shipshape')
    .withUsername('shipshape')
    .withPassword(password)
    .withSSL(cert, key)
    .withExposedPorts({ container: 5432, host: hostPort })
    .start();
  admin = tracked(createPool(databaseUrl(), { max: 2, applicationName: 'db-test-admin' }));
  expect(await runMigrations(databaseUrl(), recordingLog())).toEqual(['0001_conversations']);
  pool = tracked(
    createPool(databaseUrl(), { applicationName: 'db-test-app', onIdleError: (error) => appIdleErrors.push(error) }),
  );
  store = new PostgresConversationStore(pool);
});

afterAll(async () => {
  await Promise.all(pools.map((p) => p.end().catch(() => undefined)));
  await removeRunResources(runId);
});

describe('connection', () => {
  it('uses TLS with sslmode=require against a self-signed certificate', async () => {
    const { rows } = await pool.query<{ ssl: boolean; version: string }>(
      'SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.ssl).toBe(true);
    expect(rows[0]!.version).toMatch(/^TLSv1\.[23]$/);
  });

  it('does not use TLS with sslmode=disable, so the mapping is what decides', async () => {
    const plain = tracked(createPool(databaseUrl('shipshape', 'disable'), { max: 1 }));
    const { rows } = await plain.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    expect(rows[0]!.ssl).toBe(false);
  });

  it('rejects the self-signed certificate with sslmode=verify-full', async () => {
    const strict = tracked(createPool(databaseUrl('shipshape', 'verify-full'), { max: 1 }));
    await expect(strict.query('SELECT 1')).rejects.toThrow(/self[- ]signed certificate/);
  });

  it('sets the statement timeout, and the pool stays usable after one fires', async () => {
    const limited = tracked(createPool(databaseUrl(), { max: 1, statementTimeoutMs: 300 }));
    const started = performance.now();
    await expect(limited.query('SELECT pg_sleep(5)')).rejects.toMatchObject({ code: '57014' });
    expect(performance.now() - started).toBeLessThan(2_000);
    const { rows } = await limited.query<{ statement_timeout: string }>('SHOW statement_timeout');
    expect(rows[0]!.statement_timeout).toBe('300ms');
  });

  it('survives an idle connection being killed and reconnects on the next query', async () => {
    const idleErrors: Error[] = [];
    const victim = tracked(
      createPool(databaseUrl(), { max: 2, applicationName: 'db-test-idle', onIdleError: (e) => idleErrors.push(e) }),
    );
    await victim.query('SELECT 1');
    expect(victim.idleCount).toBe(1);
    const killed = await count(
      `SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE application_name = 'db-test-idle'`,
    );
    expect(killed).toBe(1);
    await expect.poll(() => idleErrors.length, { timeout: 5_000 }).toBe(1);
    expect(victim.totalCount).toBe(0);
    const { rows } = await victim.query<{ one: number }>('SELECT 1 AS one');
    expect(rows[0]!.one).toBe(1);
  });
});

describe('migrations', () => {
  it('create the tables on an empty database, and a second run applies nothing', async () => {
    const url = await freshDatabase('migrate_once');
    const first = recordingLog();
    expect(await runMigrations(url, first)).toEqual(['0001_conversations']);
    const second = recordingLog();
    expect(await runMigrations(url, second)).toEqual([]);
    expect(second.lines).toContain('No migrations to run!');

    const fresh = tracked(createPool(url, { max: 1 }));
    const { rows } = await fresh.query<{ table_name: string; column_name: string; data_type: string }>(
      `SELECT table_name, column_name, data_type FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name IN ('conversations', 'messages')
        ORDER BY table_name, ordinal_position`,
    );
    expect(rows.map((r) => `${r.table_name}.${r.column_name}:${r.data_type}`)).toEqual([
      'conversations.id:uuid',
      'conversations.created_at:timestamp with time zone',
      'messages.id:uuid',
      'messages.seq:bigint',
      'messages.conversation_id:uuid',
      'messages.role:text',
      'messages.content:text',
      'messages.selected_text:text',
      'messages.citations:jsonb',
      'messages.created_at:timestamp with time zone',
    ]);
    const recorded = await fresh.query<{ name: string }>('SELECT name FROM pgmigrations');
    expect(recorded.rows.map((r) => r.name)).toEqual(['0001_conversations']);
    const index = await fresh.query<{ indexdef: string }>(
      `SELECT indexdef FROM pg_indexes WHERE indexname = 'messages_conversation_created_at_idx'`,
    );
    expect(index.rows[0]!.indexdef).toContain('(conversation_id, created_at, seq)');
  });

  it('succeed when two instances start at once: one applies, the other waits and finds nothing to do', async () => {
    const url = await freshDatabase('migrate_race');
    const results = await Promise.all([runMigrations(url, recordingLog()), runMigrations(url, recordingLog())]);
    expect(results.map((r) => r.length).toSorted()).toEqual([0, 1]);
    expect(results.flat()).toEqual(['0001_conversations']);
    const fresh = tracked(createPool(url, { max: 1 }));
    const { rows } = await fresh.query<{ n: string }>('SELECT count(*) AS n FROM pgmigrations');
    expect(rows[0]!.n).toBe('1');
  });

  it('fail with a category, never the URL or password, when the database is unreachable', async () => {
    const closedPort = await freePort();
    const url = `postgres://shipshape:${password}@127.0.0.1:${closedPort}/shipshape?sslmode=require`;
    const error = await runMigrations(url, recordingLog()).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe('database migration failed: unreachable');
  });
});

describe('conversation store', () => {
  it('round-trips questions, answers, citations and selected text, in order', async () => {
    const first = await store.addQuestion({ content: 'What is a node?', selectedText: 'a node is a process' });
    const answer = await store.addAnswer({ conversationId: first.conversationId, content: 'A process.', citations });
    const second = await store.addQuestion({ conversationId: first.conversationId, content: 'And a topic?' });
    const secondAnswer = await store.addAnswer({
      conversationId: first.conversationId,
      content: 'A bus.',
      citations: [],
    });
    expect(second.conversationId).toBe(first.conversationId);

    const conversation = await store.getConversation(first.conversationId);
    expect(conversation?.id).toBe(first.conversationId);
    expect(Number.isNaN(Date.parse(conversation!.created_at))).toBe(false);
    expect(conversation!.messages.map((m) => [m.id, m.role, m.content, m.selected_text, m.citations])).toEqual([
      [first.messageId, 'user', 'What is a node?', 'a node is a process', []],
      [answer.messageId, 'assistant', 'A process.', null, citations],
      [second.messageId, 'user', 'And a topic?', null, []],
      [secondAnswer.messageId, 'assistant', 'A bus.', null, []],
    ]);
    expect(conversation!.messages.every((m) => m.created_at.endsWith('Z'))).toBe(true);
  });

  it('keeps insertion order for messages with the same timestamp', async () => {
    const { conversationId } = await store.addQuestion({ content: 'q0' });
    for (let i = 1; i < 20; i++) await store.addQuestion({ conversationId, content: `q${i}` });
    // Collapse every timestamp, newest row first so the table's physical order is reversed too:
    // only the sequence can still order them.
    const ids = await admin.query<{ id: string }>(
      'SELECT id FROM messages WHERE conversation_id = $1 ORDER BY seq DESC',
      [conversationId],
    );
    for (const { id } of ids.rows) {
      await admin.query(`UPDATE messages SET created_at = '2026-01-01T00:00:00Z' WHERE id = $1`, [id]);
    }
    const conversation = await store.getConversation(conversationId);
    expect(conversation!.messages.map((m) => m.content)).toEqual(Array.from({ length: 20 }, (_, i) => `q${i}`));
  });

  it('rejects an unknown or malformed conversation id with ConversationNotFoundError', async () => {
    const unknown = '7b0e6f3e-2f0a-4c1e-9d55-5f0d6c1b2a99';
    for (const conversationId of [unknown, 'not-a-uuid', "1'; DROP TABLE messages; --", '']) {
      await expect(store.addQuestion({ conversationId, content: 'q' })).rejects.toBeInstanceOf(
        ConversationNotFoundError,
      );
      await expect(store.addAnswer({ conversationId, content: 'a', citations: [] })).rejects.toBeInstanceOf(
        ConversationNotFoundError,
      );
      expect(await store.getConversation(conversationId)).toBeUndefined();
      expect(await store.deleteConversation(conversationId)).toBe(false);
    }
    expect(await count('SELECT count(*) AS n FROM conversations WHERE id = $1', [unknown])).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM messages WHERE content IN ('q', 'a')`)).toBe(0);
  });

  it('deletes a conversation with its messages', async () => {
    const { conversationId } = await store.addQuestion({ content: 'to be deleted' });
    await store.addAnswer({ conversationId, content: 'gone soon', citations });
    expect(await count('SELECT count(*) AS n FROM messages WHERE conversation_id = $1', [conversationId])).toBe(2);
    expect(await store.deleteConversation(conversationId)).toBe(true);
    expect(await count('SELECT count(*) AS n FROM messages WHERE conversation_id = $1', [conversationId])).toBe(0);
    expect(await store.getConversation(conversationId)).toBeUndefined();
    expect(await store.deleteConversation(conversationId)).toBe(false);
    await expect(store.addAnswer({ conversationId, content: 'late answer', citations: [] })).rejects.toBeInstanceOf(
      ConversationNotFoundError,
    );
  });

  it('stores 1,000 questions and 1,000 answers sent 50 at a time through a pool of 5', async () => {
    const max = 5;
    const bulk = tracked(createPool(databaseUrl(), { max, applicationName: 'db-test-bulk' }));
    const bulkStore = new PostgresConversationStore(bulk);
    let peakPool = 0;
    let peakServer = 0;
    const sampler = setInterval(() => {
      peakPool = Math.max(peakPool, bulk.totalCount);
      admin
        .query<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'db-test-bulk'`)
        .then(({ rows }) => (peakServer = Math.max(peakServer, Number(rows[0]!.n))))
        .catch(() => undefined);
    }, 5);

    const conversationIds: string[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < 1_000) {
        const i = next++;
        const { conversationId } = await bulkStore.addQuestion({ content: `bulk question ${i}` });
        conversationIds.push(conversationId);
        await bulkStore.addAnswer({ conversationId, content: `bulk answer ${i}`, citations: [citations[0]!] });
      }
    };
    try {
      await Promise.all(Array.from({ length: 50 }, worker));
    } finally {
      clearInterval(sampler);
    }

    expect(new Set(conversationIds).size).toBe(1_000);
    const { rows } = await admin.query<{ role: string; n: string }>(
      `SELECT role, count(*) AS n FROM messages WHERE conversation_id = ANY($1::uuid[]) GROUP BY role ORDER BY role`,
      [conversationIds],
    );
    expect(rows.map((r) => [r.role, Number(r.n)])).toEqual([
      ['assistant', 1_000],
      ['user', 1_000],
    ]);
    expect(
      await count(
        `SELECT count(*) AS n FROM messages m JOIN messages a ON a.conversation_id = m.conversation_id
          WHERE m.role = 'user' AND a.role = 'assistant' AND m.conversation_id = ANY($1::uuid[])
            AND substring(m.content from 'question (\\d+)') = substring(a.content from 'answer (\\d+)')`,
        [conversationIds],
      ),
    ).toBe(1_000);
    expect(peakPool).toBe(max);
    expect(peakServer).toBeGreaterThan(0);
    expect(peakServer).toBeLessThanOrEqual(max);
  });
});

describe('readiness', () => {
  it('is ok with a latency when the database answers', async () => {
    const check = await postgresCheck(pool, 2_000);
    expect(check.ok).toBe(true);
    expect(check.error).toBeUndefined();
    expect(check.latencyMs).toBeGreaterThanOrEqual(0);
    expect(check.latencyMs).toBeLessThan(2_000);
  });

  it('says "authentication failed" for a wrong password, naming neither password nor host', async () => {
    const wrong = tracked(createPool(databaseUrl('shipshape', 'require', 'wrong-canary'), { max: 1 }));
    const check = await postgresCheck(wrong, 2_000);
    expect(check).toMatchObject({ ok: false, error: 'authentication failed' });
    expect(JSON.stringify(check)).not.toMatch(/wrong-canary|127\.0\.0\.1|shipshape/);
  });

  it('says "unreachable" when nothing listens', async () => {
    const closedPort = await freePort();
    const nowhere = tracked(
      new pg.Pool({ connectionString: `postgres://shipshape:x@127.0.0.1:${closedPort}/shipshape`, max: 1 }),
    );
    nowhere.on('error', () => undefined);
    expect(await postgresCheck(nowhere, 2_000)).toMatchObject({ ok: false, error: 'unreachable' });
  });

  it('times out within its bound while the database is frozen, and recovers when it thaws', async () => {
    await pool.query('SELECT 1'); // an idle connection that the freeze will strand
    // No connection yet: this one's check hangs in the TLS handshake, longer than the pool's connect timeout.
    const unconnected = tracked(createPool(databaseUrl(), { max: 1, connectionTimeoutMs: 5_000 }));
    const docker = await dockerContainer();
    await docker.pause();
    let frozen, frozenConnect;
    try {
      [frozen, frozenConnect] = await Promise.all([postgresCheck(pool, 1_000), postgresCheck(unconnected, 1_000)]);
    } finally {
      await docker.unpause();
    }
    for (const check of [frozen, frozenConnect]) {
      expect(check).toMatchObject({ ok: false, error: 'timeout' });
      expect(check.latencyMs).toBeGreaterThanOrEqual(990);
      expect(check.latencyMs).toBeLessThan(1_500);
    }
    await expect.poll(async () => (await postgresCheck(pool, 2_000)).ok, { timeout: 10_000 }).toBe(true);
  });

  it('goes not-ok while the database is stopped; the same pool and store work once it restarts', async () => {
    const before = await store.addQuestion({ content: 'asked before the restart' });
    // Idle connections that the restart will break.
    await Promise.all([pool.query('SELECT pg_sleep(0.05)'), pool.query('SELECT pg_sleep(0.05)')]);
    expect(pool.idleCount).toBeGreaterThanOrEqual(2);

    const docker = await dockerContainer();
    const idleErrorsBefore = appIdleErrors.length;
    await docker.stop({ t: 5 });
    // Every idle connection broke; the pool reported and dropped each instead of crashing or keeping it.
    await expect.poll(() => pool.totalCount, { timeout: 5_000 }).toBe(0);
    expect(appIdleErrors.length - idleErrorsBefore).toBeGreaterThanOrEqual(2);
    const down = await postgresCheck(pool, 2_000);
    expect(down).toMatchObject({ ok: false, error: 'unreachable' });
    expect(down.latencyMs).toBeLessThan(2_100);

    await docker.start();
    await expect.poll(acceptsConnections, { timeout: 60_000, interval: 250 }).toBe(true);
    // The store first, with no readiness call in between to absorb a broken connection.
    const { messageId } = await store.addAnswer({ conversationId: before.conversationId, content: 'after', citations });
    const conversation = await store.getConversation(before.conversationId);
    expect(conversation!.messages.map((m) => [m.id, m.content])).toEqual([
      [before.messageId, 'asked before the restart'],
      [messageId, 'after'],
    ]);
    expect((await postgresCheck(pool, 2_000)).ok).toBe(true);
  });
});
