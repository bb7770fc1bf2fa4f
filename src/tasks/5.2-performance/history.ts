/**
 * The conversation-history data the load needs: many messages in many conversations, seeded in two
 * statements with generate_series through the harness's superuser connection (seconds for 100,000 rows),
 * and removed afterwards by the conversation ids it created (messages go with them: ON DELETE CASCADE).
 * The history query's plan is read with EXPLAIN (FORMAT JSON); planUsesIndex judges it.
 */
import pg from 'pg';
import type { CheckContext } from '../../checks/context.ts';
import { Recorder, type LatencySummary } from '../../load/recorder.ts';
import { connectAdmin } from '../../support/postgres-admin.ts';

/** Messages per seeded conversation: long histories, where a missing index costs the most. */
export const messagesPerConversation = 100;

export interface SeededHistory {
  client: pg.Client;
  conversationIds: string[];
  messages: number;
  seedMs: number;
}

function databaseOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return decodeURIComponent(new URL(url).pathname.replace(/^\//, '')) || undefined;
  } catch {
    return undefined;
  }
}

/** Seeding 100,000 rows and their index entries, or deleting them, may take a while on a busy machine. */
const seedStatementMs = 120_000;

/** Seeds `messages` rows, runs `use`, and always removes what it seeded. */
export async function withSeededHistory<T>(
  ctx: CheckContext,
  messages: number,
  use: (seeded: SeededHistory) => Promise<T>,
): Promise<T> {
  const client = await connectAdmin(await ctx.postgresAdmin(databaseOf(ctx.local.environment.DATABASE_URL)), {
    applicationName: 'shipshape-load-seed',
    statementMs: seedStatementMs,
  });
  let conversationIds: string[] = [];
  try {
    const started = performance.now();
    const conversations = Math.max(1, Math.ceil(messages / messagesPerConversation));
    const inserted = await client.query<{ id: string }>(
      `INSERT INTO conversations (id) SELECT gen_random_uuid() FROM generate_series(1, $1::int) RETURNING id`,
      [conversations],
    );
    conversationIds = inserted.rows.map((row) => row.id);
    await client.query(
      // Only the columns every target's messages table has (ids given: not every schema defaults them).
      `INSERT INTO messages (id, conversation_id, role, content, created_at)
       SELECT gen_random_uuid(), c.id, CASE WHEN g % 2 = 1 THEN 'user' ELSE 'assistant' END,
              'shipshape load seed message ' || g, now() - interval '1 day' + g * interval '1 second'
         FROM unnest($1::uuid[]) AS c(id), generate_series(1, $2::int) AS g`,
      [conversationIds, messagesPerConversation],
    );
    // Fresh statistics, as autovacuum would give a table this size soon after: the plan judged is the steady one.
    await client.query('ANALYZE conversations');
    await client.query('ANALYZE messages');
    const seedMs = Math.round(performance.now() - started);
    return await use({ client, conversationIds, messages: conversationIds.length * messagesPerConversation, seedMs });
  } finally {
    if (conversationIds.length > 0) {
      await client
        .query('DELETE FROM conversations WHERE id = ANY($1::uuid[])', [conversationIds])
        .catch(() => undefined);
    }
    await client.end().catch(() => undefined);
  }
}

/** The history query every target with a messages table must answer from an index. */
export function historyQuery(conversationId: string): string {
  if (!/^[0-9a-f-]{36}$/i.test(conversationId)) throw new Error(`not a uuid: ${conversationId}`);
  return `SELECT * FROM messages WHERE conversation_id = '${conversationId}' ORDER BY created_at`;
}

interface PlanNode {
  'Node Type'?: string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

/**
 * Reads `EXPLAIN (FORMAT JSON)` output: the messages table is reached through an index (Index Scan,
 * Index Only Scan, or a Bitmap Index Scan feeding a heap scan), never scanned whole.
 */
export function planUsesIndex(explain: unknown, table = 'messages'): { usesIndex: boolean; lines: string[] } {
  const root = (explain as { Plan?: PlanNode }[] | undefined)?.[0]?.Plan;
  if (!root) return { usesIndex: false, lines: ['(no plan)'] };
  const all = nodes(root);
  const lines = all.map(
    (node) =>
      `${node['Node Type'] ?? '?'}${node['Relation Name'] ? ` on ${node['Relation Name']}` : ''}` +
      `${node['Index Name'] ? ` using ${node['Index Name']}` : ''}`,
  );
  const seqScan = all.some((node) => node['Node Type'] === 'Seq Scan' && node['Relation Name'] === table);
  const indexed = all.some((node) => node['Index Name'] !== undefined && /Index/.test(node['Node Type'] ?? ''));
  return { usesIndex: indexed && !seqScan, lines };
}

export async function explainHistory(client: pg.Client, conversationId: string): Promise<unknown> {
  const result = await client.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${historyQuery(conversationId)}`);
  return result.rows[0]?.['QUERY PLAN'];
}

/** The query's own latency in PostgreSQL, `samples` times over random seeded conversations. */
export async function timeHistoryQuery(
  client: pg.Client,
  conversationIds: readonly string[],
  samples: number,
  signal: AbortSignal,
): Promise<LatencySummary & { samples: number }> {
  const recorder = new Recorder();
  for (let i = 0; i < samples && !signal.aborted; i++) {
    const id = conversationIds[Math.floor(Math.random() * conversationIds.length)]!;
    const started = performance.now();
    await client.query(historyQuery(id));
    recorder.record(performance.now() - started, { status: 200 });
  }
  const run = recorder.finish(1);
  return { ...run.latencyMs, samples: run.requests };
}
