/**
 * Seed task 3.2, "PostgreSQL integration": the target's schema is in place, it
 * talks to PostgreSQL over TLS, it stores what it accepts (also across an
 * outage), its readiness follows the database, and its pool stays bounded.
 *
 * The harness looks at PostgreSQL from the server's side (pg_stat_activity,
 * pg_stat_ssl, the tables themselves) as superuser, through the mapped port on
 * 127.0.0.1, and tells the target's connections apart by its address on the
 * run's network.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { getContainerRuntimeClient } from 'testcontainers';
import { failed, passed, type Verdict } from '../../checks/check.ts';
import type { CheckContext } from '../../checks/context.ts';
import type { LocalTargetInfo } from '../../environments/info.ts';
import type { Outage } from '../../environments/local/faults.ts';
import { describeFetchError, excerpt } from '../../support/http.ts';
import { withAdminClient } from '../../support/postgres-admin.ts';
import {
  evaluateAcceptedStored,
  evaluateExchangesStored,
  evaluateOutageTimeline,
  evaluatePoolSamples,
  formatMs,
  isAccepted,
  likeContaining,
  quoteIdentifier,
  quoteTableName,
  reportsDependencyDown,
  type ExchangeOutcome,
  type OutagePhase,
  type QuestionOutcome,
  type ReadinessSample,
  type TextFound,
} from './evaluate.ts';

// ---------------------------------------------------------------------------------------------------------------
// The harness's view of PostgreSQL

/** The database named in the target's DATABASE_URL (the one it really uses), when it names one. */
export function targetDatabaseName(local: LocalTargetInfo): string | undefined {
  const url = local.environment.DATABASE_URL;
  if (!url) return undefined;
  try {
    const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
    return name || undefined;
  } catch {
    return undefined;
  }
}

/** A superuser client on the database the target uses, with every wait bounded (support/postgres-admin.ts). */
async function withAdmin<T>(
  context: CheckContext,
  use: (client: pg.Client, database: string) => Promise<T>,
): Promise<T> {
  const connection = await context.postgresAdmin(targetDatabaseName(context.local));
  const database = connection.database ?? decodeURIComponent(new URL(connection.url).pathname.slice(1));
  return withAdminClient(connection, (client) => use(client, database));
}

/** The target container's addresses on the run's network: its connections to PostgreSQL come from these. */
export async function targetAddresses(local: LocalTargetInfo): Promise<string[]> {
  if (!local.containerId) throw new Error('the local environment recorded no target container');
  const client = await getContainerRuntimeClient();
  const inspect = await client.container.dockerode.getContainer(local.containerId).inspect();
  const network = inspect.NetworkSettings.Networks[local.networkName];
  const addresses = [network?.IPAddress, network?.GlobalIPv6Address].filter((address): address is string =>
    Boolean(address),
  );
  if (addresses.length === 0) {
    throw new Error(`the target container has no address on the network ${local.networkName}`);
  }
  return addresses;
}

interface ConnectionRow {
  pid: number;
  application_name: string;
  state: string | null;
  ssl: boolean | null;
  version: string | null;
  cipher: string | null;
}

async function targetConnections(client: pg.Client, addresses: string[]): Promise<ConnectionRow[]> {
  const result = await client.query<ConnectionRow>(
    `SELECT a.pid, a.application_name, a.state, s.ssl, s.version, s.cipher
       FROM pg_stat_activity a LEFT JOIN pg_stat_ssl s ON s.pid = a.pid
      WHERE a.client_addr = ANY($1::inet[]) AND a.backend_type = 'client backend'
      ORDER BY a.pid`,
    [addresses],
  );
  return result.rows;
}

async function countTargetConnections(client: pg.Client, addresses: string[]): Promise<number> {
  const result = await client.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE client_addr = ANY($1::inet[]) AND backend_type = 'client backend'`,
    [addresses],
  );
  return result.rows[0]?.n ?? 0;
}

async function presentTables(client: pg.Client, tables: readonly string[]): Promise<Map<string, boolean>> {
  const present = new Map<string, boolean>();
  for (const table of tables) {
    const result = await client.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [
      quoteTableName(table),
    ]);
    present.set(table, result.rows[0]?.present === true);
  }
  return present;
}

async function listTables(client: pg.Client): Promise<string[]> {
  const result = await client.query<{ name: string }>(
    `SELECT table_schema || '.' || table_name AS name FROM information_schema.tables
      WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`,
  );
  return result.rows.map((row) => row.name);
}

interface MarkerSearch {
  /** Declared table -> rows whose text contains the marker. */
  found: Record<string, number>;
  missingTables: string[];
}

/** Looks for a marker in every row of every declared table, each row read as text. */
async function searchMarker(client: pg.Client, tables: readonly string[], marker: string): Promise<MarkerSearch> {
  const present = await presentTables(client, tables);
  const found: Record<string, number> = {};
  const missingTables: string[] = [];
  for (const table of tables) {
    if (!present.get(table)) {
      missingTables.push(table);
      continue;
    }
    const result = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${quoteTableName(table)} t WHERE t::text LIKE $1`,
      [likeContaining(marker)],
    );
    found[table] = result.rows[0]?.n ?? 0;
  }
  return { found, missingTables };
}

// ---------------------------------------------------------------------------------------------------------------
// Talking to the target

export function uniqueMarker(runId: string): string {
  return `shipshape-${runId}-${randomBytes(5).toString('hex')}`;
}

function markedQuestion(marker: string): string {
  return `${marker}: what does the book say about nodes and topics?`;
}

interface Asked {
  status?: number;
  error?: string;
  text: string;
  tookMs: number;
}

async function ask(context: CheckContext, marker: string, timeoutMs: number): Promise<Asked> {
  const started = performance.now();
  const result = await context
    .client(timeoutMs)
    .ask(markedQuestion(marker), { requestId: `${marker}-q`.slice(0, 128) });
  const tookMs = performance.now() - started;
  if (!result.ok) return { error: result.error, text: '', tookMs };
  return { status: result.reply.status, text: result.reply.text, tookMs };
}

/** One GET of the readiness route, never throwing: a hang is recorded as such. */
async function readinessSample(
  url: string,
  phase: OutagePhase,
  phaseStart: number,
  timeoutMs: number,
): Promise<ReadinessSample> {
  const started = performance.now();
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    const now = performance.now();
    return { phase, atMs: now - phaseStart, tookMs: now - started, status: response.status, text, timedOut: false };
  } catch (error) {
    const now = performance.now();
    const timedOut = (error as Error).name === 'TimeoutError';
    return { phase, atMs: now - phaseStart, tookMs: now - started, text: describeFetchError(error), timedOut };
  }
}

const pollIntervalMs = 250;

/** What the last readiness answer was, for the verdict of a check that runs out of time. */
function describeSample(sample: ReadinessSample): string {
  const answer = sample.status === undefined ? sample.text : `${sample.status} ${excerpt(sample.text, 160)}`;
  return `readiness (${sample.phase}) after ${(sample.atMs / 1000).toFixed(1)} s: ${answer}`;
}

/** Polls readiness from `phaseStart` until `done` says so or `withinMs` passed; returns every sample. */
async function pollReadiness(
  context: CheckContext,
  url: string,
  phase: OutagePhase,
  phaseStart: number,
  withinMs: number,
  timeoutMs: number,
  done: (sample: ReadinessSample) => boolean,
): Promise<ReadinessSample[]> {
  const samples: ReadinessSample[] = [];
  // Once the check's time is up the runner restores the database; stop asking.
  while (performance.now() - phaseStart < withinMs && !context.signal.aborted) {
    const sample = await readinessSample(url, phase, phaseStart, timeoutMs);
    samples.push(sample);
    context.note(describeSample(sample));
    if (done(sample)) break;
    await sleep(pollIntervalMs);
  }
  return samples;
}

/** Waits for readiness 200 (the database back) when the target has a readiness route; true when it came. */
async function waitReady(context: CheckContext, withinMs: number): Promise<{ ok: boolean; afterMs: number }> {
  const start = performance.now();
  const ready = context.target.paths.ready;
  if (!ready) return { ok: true, afterMs: 0 };
  const samples = await pollReadiness(
    context,
    `${context.baseUrl}${ready}`,
    'recovery',
    start,
    withinMs,
    context.thresholds.requestTimeoutMs,
    (sample) => sample.status === 200,
  );
  return { ok: samples.at(-1)?.status === 200, afterMs: performance.now() - start };
}

// ---------------------------------------------------------------------------------------------------------------
// Probes

/** 3.2/migrations-applied: the declared tables exist (waiting, within the start-up bound, for migrations to run). */
export async function probeMigrationsApplied(context: CheckContext): Promise<Verdict> {
  const { tables } = context.database;
  const withinMs = context.thresholds.healthyWithinMs;
  const started = performance.now();
  return withAdmin(context, async (client, database) => {
    let present = await presentTables(client, tables);
    while ([...present.values()].some((exists) => !exists) && performance.now() - started < withinMs) {
      await sleep(500);
      present = await presentTables(client, tables);
    }
    const missing = tables.filter((table) => !present.get(table));
    const existing = tables.filter((table) => present.get(table));
    if (missing.length === 0) {
      return passed(`all ${tables.length} declared tables exist in database "${database}": ${tables.join(', ')}`);
    }
    const all = await listTables(client);
    return failed(
      `missing tables: ${missing.join(', ')} (database "${database}", waited ${formatMs(performance.now() - started)})`,
      [
        `declared: ${tables.join(', ')}`,
        `missing: ${missing.join(', ')}`,
        `declared and present: ${existing.join(', ') || 'none'}`,
        `tables in the database: ${all.join(', ') || 'none'}`,
      ].join('\n'),
    );
  });
}

/** 3.2/tls-connections: every connection from the target's address is in pg_stat_ssl with ssl = true. */
export async function probeTlsConnections(context: CheckContext): Promise<Verdict> {
  const addresses = await targetAddresses(context.local);
  const touches: string[] = [];
  return withAdmin(context, async (client) => {
    let rows: ConnectionRow[] = [];
    for (let attempt = 1; attempt <= 3 && rows.length === 0; attempt++) {
      if (attempt > 1) await sleep(1_000);
      // Make the target use its pool: readiness runs a query, and a question is stored.
      if (context.target.paths.ready) {
        const ready = await readinessSample(
          `${context.baseUrl}${context.target.paths.ready}`,
          'before',
          performance.now(),
          context.thresholds.requestTimeoutMs,
        );
        touches.push(`GET ${context.target.paths.ready}: ${ready.status ?? ready.text}`);
      }
      const asked = await ask(context, uniqueMarker(context.runId), context.thresholds.requestTimeoutMs);
      touches.push(`POST ${context.target.paths.query}: ${asked.status ?? asked.error}`);
      rows = await targetConnections(client, addresses);
    }
    const touched = `the harness made the target use the database: ${touches.join('; ')}`;
    if (rows.length === 0) {
      return failed(
        `no connection from the target (${addresses.join(', ')}) was found in pg_stat_activity after it used the database`,
        touched,
      );
    }
    const lines = rows.map(
      (row) =>
        `pid ${row.pid}  ssl=${row.ssl ?? 'unknown'}  version=${row.version ?? '-'}  cipher=${row.cipher ?? '-'}  ` +
        `application=${row.application_name || '-'}  state=${row.state ?? '-'}`,
    );
    const evidence = [`connections from the target (${addresses.join(', ')}):`, ...lines, touched].join('\n');
    const plain = rows.filter((row) => row.ssl !== true);
    if (plain.length > 0) {
      return failed(
        `${plain.length} of ${rows.length} connections from the target to PostgreSQL are not encrypted (ssl=false)`,
        evidence,
      );
    }
    const versions = [...new Set(rows.map((row) => `${row.version} ${row.cipher}`))].join(', ');
    return passed(`${rows.length} connection(s) from the target, all over TLS (${versions})`);
  });
}

/** The topics of 3.2/writes-persisted's questions: distinct, so their answers differ too. */
const exchangeTopics = [
  'what does the book say about nodes and topics?',
  'how should secrets reach a container?',
  'why bind to 0.0.0.0 rather than to localhost?',
];

/** 3.2/writes-persisted: a few questions, each answered 2xx; each question and its answer are stored. */
export async function probeWritesPersisted(context: CheckContext): Promise<Verdict> {
  const { requestTimeoutMs } = context.thresholds;
  const outcomes: ExchangeOutcome[] = [];
  for (const [index, topic] of exchangeTopics.entries()) {
    const marker = uniqueMarker(context.runId);
    const question = `${marker}: ${topic}`;
    const result = await context.client(requestTimeoutMs * 2).ask(question, { requestId: `${marker}-q`.slice(0, 128) });
    const outcome: ExchangeOutcome = { label: `q${index + 1}`, marker, question };
    if (!result.ok) outcome.error = result.error;
    else {
      outcome.status = result.reply.status;
      if (result.reply.answer !== undefined) outcome.answer = result.reply.answer;
      if (result.reply.conversationId !== undefined) outcome.conversationId = result.reply.conversationId;
    }
    outcomes.push(outcome);
  }
  const { tables } = context.database;
  const searchable = outcomes.filter(
    (outcome) => isAccepted(outcome.status) && outcome.answer !== undefined && outcome.answer.trim() !== '',
  );
  if (searchable.length === 0) return evaluateExchangesStored(outcomes);
  return withAdmin(context, async (client, database) => {
    const columns = await searchableColumns(client, tables);
    const search = async () => {
      for (const outcome of searchable) {
        outcome.questionFound = await findText(client, columns, outcome.question, outcome.conversationId);
        outcome.answerFound = await findText(client, columns, outcome.answer!.trim(), outcome.conversationId);
      }
    };
    const complete = () =>
      searchable.every((outcome) => hasRows(outcome.questionFound) && hasRows(outcome.answerFound));
    // Stored before the reply, or very soon after: allow a short grace for a write-behind store.
    await search();
    for (let attempt = 0; attempt < 4 && !complete(); attempt++) {
      await sleep(500);
      await search();
    }
    const notes = [
      `searched database "${database}", the text and JSON columns of each declared table: ` +
        tables
          .map((table) => {
            const names = columns.get(table);
            if (names === undefined) return `${table} (missing)`;
            return `${table} (${names.map((column) => column.name).join(', ') || 'no text column'})`;
          })
          .join(', '),
    ];
    return evaluateExchangesStored(outcomes, notes);
  });
}

function hasRows(found: TextFound | undefined): boolean {
  return found !== undefined && Object.values(found.rows).some((rows) => rows > 0);
}

interface TextColumn {
  name: string;
  /** json and jsonb hold a text JSON-escaped; the others as it is. */
  json: boolean;
}

/** Declared table -> its text and JSON columns; a table that does not exist is left out. */
async function searchableColumns(client: pg.Client, tables: readonly string[]): Promise<Map<string, TextColumn[]>> {
  const present = await presentTables(client, tables);
  const columns = new Map<string, TextColumn[]>();
  for (const table of tables) {
    if (!present.get(table)) continue;
    const result = await client.query<{ name: string; typname: string; category: string }>(
      `SELECT a.attname AS name, t.typname, t.typcategory AS category
         FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
        WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum`,
      [quoteTableName(table)],
    );
    columns.set(
      table,
      result.rows
        .filter((row) => row.category === 'S' || row.typname === 'json' || row.typname === 'jsonb')
        .map((row) => ({ name: row.name, json: row.typname === 'json' || row.typname === 'jsonb' })),
    );
  }
  return columns;
}

/**
 * Rows of each declared table holding `text` in a text or JSON column, and of
 * those, the rows with a column whose value is `conversationId` (when given).
 */
async function findText(
  client: pg.Client,
  columns: Map<string, TextColumn[]>,
  text: string,
  conversationId: string | undefined,
): Promise<TextFound> {
  const rows: Record<string, number> = {};
  const inConversation: Record<string, number> = {};
  for (const [table, textColumns] of columns) {
    if (textColumns.length === 0) {
      rows[table] = 0;
      inConversation[table] = 0;
      continue;
    }
    // $1 the conversation id, $2 the text as stored in a text column, $3 as stored in a JSON one (escaped).
    const holds = textColumns
      .map((column) => `strpos(t.${quoteIdentifier(column.name)}::text, ${column.json ? '$3' : '$2'}::text) > 0`)
      .join(' OR ');
    const parameters = [conversationId ?? null, text];
    if (textColumns.some((column) => column.json)) parameters.push(JSON.stringify(text).slice(1, -1));
    const result = await client.query<{ n: number; in_conversation: number }>(
      `SELECT count(*)::int AS n,
              count(*) FILTER (WHERE EXISTS (
                SELECT 1 FROM json_each_text(row_to_json(t)) AS c WHERE lower(c.value) = lower($1::text)
              ))::int AS in_conversation
         FROM ${quoteTableName(table)} t
        WHERE ${holds}`,
      parameters,
    );
    rows[table] = result.rows[0]?.n ?? 0;
    inConversation[table] = result.rows[0]?.in_conversation ?? 0;
  }
  return conversationId === undefined ? { rows } : { rows, inConversation };
}

/**
 * 3.2/readiness-on-postgres-pause and -stop: readiness 200 before, 503
 * naming the database during the outage (answering, not hanging), 200 after.
 */
export async function probeReadinessThroughOutage(context: CheckContext, outage: Outage): Promise<Verdict> {
  const url = `${context.baseUrl}${context.readinessPath}`;
  const { requestTimeoutMs, outageDetectedWithinMs, recoveryWithinMs } = context.thresholds;
  const dependency = context.database.readinessName;
  const samples: ReadinessSample[] = [];
  // Before: the previous check may just have brought the database back.
  const before = await pollReadiness(
    context,
    url,
    'before',
    performance.now(),
    recoveryWithinMs,
    requestTimeoutMs,
    (sample) => sample.status === 200,
  );
  samples.push(...before.slice(-2));
  if (before.at(-1)?.status === 200) {
    const faultAt = performance.now();
    await context.faults.withOutage('postgres', outage, async () => {
      samples.push(
        ...(await pollReadiness(context, url, 'outage', faultAt, outageDetectedWithinMs, requestTimeoutMs, (sample) =>
          reportsDependencyDown(sample, dependency),
        )),
      );
    });
    samples.push(
      ...(await pollReadiness(
        context,
        url,
        'recovery',
        performance.now(),
        recoveryWithinMs,
        requestTimeoutMs,
        (sample) => sample.status === 200,
      )),
    );
  }
  return evaluateOutageTimeline(samples, {
    dependency,
    outage,
    detectWithinMs: outageDetectedWithinMs,
    recoverWithinMs: recoveryWithinMs,
    requestTimeoutMs,
  });
}

export interface LostMessageOptions {
  /** Questions asked while PostgreSQL is paused. */
  duringOutage: number;
  spacingMs: number;
  /** Per question during the outage: long enough for the target's own database timeouts to fire. */
  outageQuestionTimeoutMs: number;
  /** Questions that must be answered 2xx and stored once the database is back. */
  afterRecovery: number;
}

export const defaultLostMessageOptions: LostMessageOptions = {
  duringOutage: 5,
  spacingMs: 700,
  outageQuestionTimeoutMs: 30_000,
  afterRecovery: 2,
};

/**
 * 3.2/no-accepted-message-lost: questions asked while PostgreSQL is paused
 * may be refused (503) but a 2xx promises the question was kept; afterwards
 * the target accepts and stores questions again.
 */
export async function probeNoAcceptedMessageLost(
  context: CheckContext,
  options: LostMessageOptions = defaultLostMessageOptions,
): Promise<Verdict> {
  const { requestTimeoutMs, recoveryWithinMs } = context.thresholds;
  const outcomes: QuestionOutcome[] = [];
  const notes: string[] = [];
  const baseline = await waitReady(context, recoveryWithinMs);
  if (!baseline.ok) {
    return failed(`readiness was not 200 within ${formatMs(recoveryWithinMs)} before the outage; nothing to compare`);
  }
  const pausedAt = performance.now();
  await context.faults.withOutage('postgres', 'pause', async () => {
    const questions = Array.from({ length: options.duringOutage }, async (_, index): Promise<QuestionOutcome> => {
      await sleep(index * options.spacingMs);
      const marker = uniqueMarker(context.runId);
      const asked = await ask(context, marker, options.outageQuestionTimeoutMs);
      const { status, error, tookMs } = asked;
      return { label: `outage-${index + 1}`, phase: 'outage', marker, status, error, tookMs };
    });
    outcomes.push(...(await Promise.all(questions)));
  });
  notes.push(
    `PostgreSQL paused for ${formatMs(performance.now() - pausedAt)} (questions spaced ${options.spacingMs} ms, ` +
      `each given ${formatMs(options.outageQuestionTimeoutMs)}), then unpaused`,
  );
  const recovery = await waitReady(context, recoveryWithinMs);
  notes.push(
    context.target.paths.ready
      ? `readiness ${recovery.ok ? 'answered 200' : 'did not answer 200'} ${formatMs(recovery.afterMs)} after the unpause`
      : 'no readiness route: recovery is judged by the questions asked afterwards',
  );
  // Once back, ask until the promised number are accepted, within the recovery bound.
  const recoveryStart = performance.now();
  let accepted = 0;
  for (let index = 1; accepted < options.afterRecovery; index++) {
    if (index > 1 && performance.now() - recoveryStart > recoveryWithinMs) break;
    const marker = uniqueMarker(context.runId);
    const asked = await ask(context, marker, requestTimeoutMs);
    const { status, error, tookMs } = asked;
    outcomes.push({ label: `after-${index}`, phase: 'recovery', marker, status, error, tookMs });
    if (isAccepted(asked.status)) accepted += 1;
    else await sleep(500);
  }
  await withAdmin(context, async (client) => {
    for (const outcome of outcomes) {
      outcome.found = (await searchMarker(client, context.database.tables, outcome.marker)).found;
    }
  });
  return evaluateAcceptedStored(outcomes, options.afterRecovery, notes);
}

export interface PoolBurstOptions {
  questions: number;
  sampleEveryMs: number;
  questionTimeoutMs: number;
}

/**
 * 3.2/pool-within-limit: a burst of concurrent questions while
 * pg_stat_activity is sampled for connections from the target's address.
 */
export async function probePoolWithinLimit(
  context: CheckContext,
  options: PoolBurstOptions = {
    questions: 40,
    sampleEveryMs: 50,
    questionTimeoutMs: Math.max(context.thresholds.requestTimeoutMs * 3, 15_000),
  },
): Promise<Verdict> {
  const addresses = await targetAddresses(context.local);
  return withAdmin(context, async (client) => {
    const samples: number[] = [];
    let bursting = true;
    const sampling = (async () => {
      while (bursting) {
        samples.push(await countTargetConnections(client, addresses));
        await sleep(options.sampleEveryMs);
      }
    })();
    let statuses: (number | undefined)[];
    try {
      statuses = await Promise.all(
        Array.from({ length: options.questions }, async () => {
          const asked = await ask(context, uniqueMarker(context.runId), options.questionTimeoutMs);
          return asked.status;
        }),
      );
      // Connections opened for the burst are still held (idle) for a moment after it.
      await sleep(300);
    } finally {
      bursting = false;
      await sampling;
    }
    return evaluatePoolSamples({ samples, limit: context.database.maxConnections, statuses });
  });
}
