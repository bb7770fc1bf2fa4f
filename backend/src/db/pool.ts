import pg from 'pg';

export interface PoolSettings {
  /** Upper bound on connections; DATABASE_POOL_MAX. */
  max?: number;
  /** Server-side limit on one statement, so a runaway query cannot hold a connection. */
  statementTimeoutMs?: number;
  connectionTimeoutMs?: number;
  /** Shows in pg_stat_activity, so the app's connections can be told apart. */
  applicationName?: string;
  /** Called when an idle connection breaks (database restart); the pool discards it. */
  onIdleError?: (error: Error) => void;
}

export const defaultPoolSettings = {
  max: 10,
  statementTimeoutMs: 10_000,
  connectionTimeoutMs: 3_000,
  applicationName: 'shipshape-backend',
} as const;

/**
 * Client options from DATABASE_URL. pg treats sslmode=require as verify-full,
 * which rejects Railway's self-signed certificate, so sslmode is mapped the
 * way libpq does and removed from the URL before pg sees it.
 */
export function clientOptions(databaseUrl: string): pg.ClientConfig {
  const url = new URL(databaseUrl);
  const sslmode = url.searchParams.get('sslmode') ?? 'prefer';
  url.searchParams.delete('sslmode');
  const ssl: pg.ClientConfig['ssl'] =
    sslmode === 'disable'
      ? false
      : sslmode === 'verify-full' || sslmode === 'verify-ca'
        ? { rejectUnauthorized: true }
        : { rejectUnauthorized: false };
  return { connectionString: url.toString(), ssl };
}

export function poolOptions(databaseUrl: string, settings: PoolSettings = {}): pg.PoolConfig {
  const statementTimeoutMs = settings.statementTimeoutMs ?? defaultPoolSettings.statementTimeoutMs;
  return {
    ...clientOptions(databaseUrl),
    max: settings.max ?? defaultPoolSettings.max,
    connectionTimeoutMillis: settings.connectionTimeoutMs ?? defaultPoolSettings.connectionTimeoutMs,
    idleTimeoutMillis: 30_000,
    statement_timeout: statementTimeoutMs,
    // The server cannot enforce statement_timeout when it is frozen or the network drops packets; the
    // client-side timeout fails the query and the pool then discards the connection instead of reusing it.
    query_timeout: statementTimeoutMs + 2_000,
    idle_in_transaction_session_timeout: statementTimeoutMs,
    keepAlive: true,
    application_name: settings.applicationName ?? defaultPoolSettings.applicationName,
  };
}

export function createPool(databaseUrl: string, settings: PoolSettings = {}): pg.Pool {
  const pool = new pg.Pool(poolOptions(databaseUrl, settings));
  // An idle client losing its connection (database restart) emits here; without a listener the process
  // would crash. pg-pool has already removed that client, so the next query opens a fresh connection.
  pool.on('error', (error) => settings.onIdleError?.(error));
  return pool;
}
