import pg from 'pg';

/**
 * pg treats sslmode=require as verify-full, which rejects Railway's
 * self-signed certificate. Map sslmode the way libpq does instead.
 */
export function poolOptions(databaseUrl: string): pg.PoolConfig {
  const url = new URL(databaseUrl);
  const sslmode = url.searchParams.get('sslmode') ?? 'prefer';
  url.searchParams.delete('sslmode');
  const ssl: pg.PoolConfig['ssl'] =
    sslmode === 'disable'
      ? false
      : sslmode === 'verify-full' || sslmode === 'verify-ca'
        ? { rejectUnauthorized: true }
        : { rejectUnauthorized: false };
  return {
    connectionString: url.toString(),
    ssl,
    max: 10,
    connectionTimeoutMillis: 3000,
    idleTimeoutMillis: 30_000,
  };
}

export function createPool(databaseUrl: string): pg.Pool {
  const pool = new pg.Pool(poolOptions(databaseUrl));
  // An idle client losing its connection (database restart) must not crash the process.
  pool.on('error', () => {});
  return pool;
}
