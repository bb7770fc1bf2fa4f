import pg from 'pg';

/** How the backend's pooled connections spent the measured window, from pg_stat_activity samples. */
export interface PoolActivity {
  samples: number;
  /** Mean number of the backend's connections open, and per state (`active: WALSync`, `idle`, ...). */
  meanConnections: number;
  meanByState: Record<string, number>;
}

/**
 * Samples pg_stat_activity every `everyMs` until `until` settles. If the
 * backend's connections are mostly `idle`, requests do not wait for
 * PostgreSQL; if all of them are `active` (and in which wait), the pool
 * (DATABASE_POOL_MAX) or the commit is where queries queue.
 */
export async function samplePoolActivity(uri: string, until: Promise<unknown>, everyMs = 100): Promise<PoolActivity> {
  const client = new pg.Client({ connectionString: uri, ssl: { rejectUnauthorized: false } });
  await client.connect();
  let done = false;
  void until.finally(() => (done = true));
  const totals = new Map<string, number>();
  let samples = 0;
  let connections = 0;
  try {
    // Bounded by the load run it watches; the cap guards against a promise that never settles.
    for (let i = 0; !done && i < 10_000; i++) {
      const { rows } = await client.query<{ state: string; n: number }>(
        `SELECT coalesce(state, '?') || coalesce(': ' || wait_event, '') AS state, count(*)::int AS n
           FROM pg_stat_activity WHERE application_name = 'shipshape-backend' GROUP BY 1`,
      );
      samples++;
      for (const row of rows) {
        totals.set(row.state, (totals.get(row.state) ?? 0) + row.n);
        connections += row.n;
      }
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  } finally {
    await client.end();
  }
  const mean = (n: number): number => (samples ? Math.round((n / samples) * 100) / 100 : 0);
  return {
    samples,
    meanConnections: mean(connections),
    meanByState: Object.fromEntries([...totals].sort((a, b) => b[1] - a[1]).map(([state, n]) => [state, mean(n)])),
  };
}
