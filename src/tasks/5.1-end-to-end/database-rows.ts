/**
 * The harness's look at the target's own tables (superuser, through the
 * mapped port): how many rows of each declared table mention a text (a
 * conversation id, a marker in a question), each row read as text, so it
 * works whatever the target's columns are called.
 */
import type { CheckContext } from '../../checks/context.ts';
import { withAdminClient } from '../../support/postgres-admin.ts';

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function quoteTableName(name: string): string {
  return name.split('.').map(quoteIdentifier).join('.');
}

function likeContaining(text: string): string {
  return `%${text.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}

/** The database named in the target's DATABASE_URL (the one it really uses), when it names one. */
function targetDatabase(ctx: CheckContext): string | undefined {
  try {
    const name = decodeURIComponent(new URL(ctx.local.environment.DATABASE_URL ?? '').pathname.replace(/^\//, ''));
    return name || undefined;
  } catch {
    return undefined;
  }
}

/** Per declared table, the rows whose text contains each of `texts`: `{ table: { text: count } }`. */
export async function rowsMentioning(
  ctx: CheckContext,
  texts: readonly string[],
): Promise<Record<string, Record<string, number>>> {
  const connection = await ctx.postgresAdmin(targetDatabase(ctx));
  return withAdminClient(connection, async (client) => {
    const found: Record<string, Record<string, number>> = {};
    for (const table of ctx.database.tables) {
      const exists = await client.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [
        quoteTableName(table),
      ]);
      found[table] = {};
      for (const text of texts) {
        if (!exists.rows[0]?.present) {
          found[table][text] = 0;
          continue;
        }
        const result = await client.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM ${quoteTableName(table)} t WHERE t::text LIKE $1`,
          [likeContaining(text)],
        );
        found[table][text] = result.rows[0]?.n ?? 0;
      }
    }
    return found;
  });
}

/** Rows mentioning `text` in all declared tables together. */
export function totalFor(found: Record<string, Record<string, number>>, text: string): number {
  return Object.values(found).reduce((sum, counts) => sum + (counts[text] ?? 0), 0);
}

export function describeRows(found: Record<string, Record<string, number>>, text: string, label: string): string {
  return `${label}: ${Object.entries(found)
    .map(([table, counts]) => `${table} ${counts[text] ?? 0}`)
    .join(', ')}`;
}
