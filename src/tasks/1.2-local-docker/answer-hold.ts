/**
 * Keeps the target's answers slow enough to still be in flight when SIGTERM
 * comes, without changing the target: the Cohere stand-in delays every embed
 * and chat call, and, for a target that declares a database, a harness transaction
 * holds a SHARE lock on the declared tables, so storing a question or an
 * answer waits (reads go on). The lock goes a moment after SIGTERM, the
 * latency when the check ends; both always go, whatever happened meanwhile.
 */
import type pg from 'pg';
import type { CheckContext } from '../../checks/context.ts';
import { connectAdmin } from '../../support/postgres-admin.ts';

export interface AnswerHold {
  /** What the harness did, for the evidence. */
  notes: string[];
  /** Lets the writes held by the lock go on. Idempotent; never throws. */
  releaseLock(): Promise<void>;
  /** Releases the lock and removes the Cohere latency. Idempotent; never throws. */
  clear(): Promise<void>;
}

export interface HoldOptions {
  /**
   * Added to every Cohere embed and chat call: an answer embeds the question
   * (`/v2/embed`) and, when anything was retrieved, generates (`/v2/chat`).
   */
  cohereLatencyMs: number;
}

/** What a RAG answer waits on at Cohere: the question's embedding, then the chat. */
const answerPaths = ['/v2/embed', '/v2/chat'] as const;

/** The database named in the target's DATABASE_URL (the one it really uses), when it names one. */
function databaseOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return decodeURIComponent(new URL(url).pathname.replace(/^\//, '')) || undefined;
  } catch {
    return undefined;
  }
}

function quoteTable(name: string): string {
  return name
    .split('.')
    .map((part) => `"${part.replaceAll('"', '""')}"`)
    .join('.');
}

/** Opens a transaction holding SHARE locks on the declared tables that exist; returns the client and what it locked. */
async function lockTables(
  ctx: CheckContext,
  tables: readonly string[],
): Promise<{ client: pg.Client; locked: string[] }> {
  const client = await connectAdmin(await ctx.postgresAdmin(databaseOf(ctx.local.environment.DATABASE_URL)));
  try {
    await client.query('BEGIN');
    const locked: string[] = [];
    for (const table of tables) {
      const present = await client.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [
        quoteTable(table),
      ]);
      if (!present.rows[0]?.present) continue;
      await client.query(`LOCK TABLE ${quoteTable(table)} IN SHARE MODE`);
      locked.push(table);
    }
    return { client, locked };
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
}

export async function holdAnswers(ctx: CheckContext, options: HoldOptions): Promise<AnswerHold> {
  const notes: string[] = [];
  let lock: pg.Client | undefined;
  let latency = false;
  const releaseLock = async () => {
    const client = lock;
    lock = undefined;
    if (!client) return;
    await client.query('ROLLBACK').catch(() => undefined);
    await client.end().catch(() => undefined);
  };
  const clear = async () => {
    await releaseLock();
    if (!latency) return;
    latency = false;
    await ctx.faults.clearCohereFaults().catch(() => undefined);
  };
  try {
    latency = true;
    for (const path of answerPaths) await ctx.faults.cohereFault({ path, latencyMs: options.cohereLatencyMs });
    notes.push(
      `answers held: the Cohere stand-in delays every ${answerPaths.join(' and ')} call by ${options.cohereLatencyMs} ms`,
    );
    const database = ctx.target.database;
    if (database) {
      try {
        const held = await lockTables(ctx, database.tables);
        lock = held.client;
        notes.push(
          held.locked.length > 0
            ? `answers held: writes to ${held.locked.join(', ')} wait on a SHARE lock until the harness releases it`
            : `no declared table (${database.tables.join(', ')}) exists to lock; only the Cohere latency holds answers`,
        );
      } catch (error) {
        notes.push(
          `the declared tables could not be locked (${(error as Error).message}); only the Cohere latency holds answers`,
        );
      }
    }
  } catch (error) {
    await clear();
    throw error;
  }
  return { notes, releaseLock, clear };
}
