/**
 * The harness's own connection to PostgreSQL (superuser, through the mapped
 * port on 127.0.0.1). Every wait is bounded: connecting, each statement, and
 * each lock, so a frozen or busy database fails the check that asked instead
 * of hanging the run.
 */
import pg from 'pg';

export interface AdminConnection {
  /** A superuser connection string reaching the server through 127.0.0.1. */
  url: string;
  /** Connect to this database instead of the one in `url`. */
  database?: string;
}

export const adminLimits = {
  connectMs: 5_000,
  statementMs: 10_000,
  lockMs: 5_000,
} as const;

/** How the harness names itself to the server, and how long one statement may take (bulk seeding needs more). */
export interface AdminClientOptions {
  applicationName?: string;
  statementMs?: number;
}

/** A connected superuser client. The caller ends it (or uses withAdminClient). */
export async function connectAdmin(connection: AdminConnection, options: AdminClientOptions = {}): Promise<pg.Client> {
  const statementMs = options.statementMs ?? adminLimits.statementMs;
  const url = new URL(connection.url);
  if (connection.database) url.pathname = `/${encodeURIComponent(connection.database)}`;
  const client = new pg.Client({
    connectionString: url.toString(),
    // The test server's certificate is self-signed, like Railway's.
    ssl: { rejectUnauthorized: false },
    connectionTimeoutMillis: adminLimits.connectMs,
    query_timeout: statementMs,
    statement_timeout: statementMs,
    lock_timeout: adminLimits.lockMs,
    application_name: options.applicationName ?? 'shipshape-harness',
  });
  // A dropped connection surfaces through the pending query; without a listener it would crash the worker.
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

export async function withAdminClient<T>(
  connection: AdminConnection,
  use: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = await connectAdmin(connection);
  try {
    return await use(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Renames tables in one transaction, so a check can hide the target's tables and restore them: all of them
 * move or none. The admin connection bounds each lock wait, so a lock held elsewhere cannot hang this.
 */
export async function renameTables(client: pg.Client, from: readonly string[], to: readonly string[]): Promise<void> {
  await client.query('BEGIN');
  try {
    for (let i = 0; i < from.length; i++) {
      await client.query(
        `ALTER TABLE ${client.escapeIdentifier(from[i]!)} RENAME TO ${client.escapeIdentifier(to[i]!)}`,
      );
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
