import type pg from 'pg';
import type { DependencyCheck } from '../contracts.ts';
import { classifyPostgresError } from './errors.ts';

const timedOut = Symbol('timed out');

/**
 * One round trip through the app's own pool, so readiness reflects what
 * requests would see (including an exhausted pool). Bounded by `timeoutMs`
 * even when the server is frozen; never throws.
 */
export async function postgresCheck(pool: pg.Pool, timeoutMs: number): Promise<DependencyCheck> {
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<typeof timedOut>((resolve) => {
    timer = setTimeout(() => resolve(timedOut), timeoutMs);
  });
  try {
    // query_timeout (honoured by pg, missing from its types) makes pg fail the query soon after we stop
    // waiting, and the pool then discards that connection rather than keep a frozen one.
    const config: pg.QueryConfig & { query_timeout: number } = { text: 'SELECT 1 AS ok', query_timeout: timeoutMs };
    const query = pool.query(config);
    // The race may abandon the query; its eventual rejection must not become an unhandled one.
    query.catch(() => undefined);
    const result = await Promise.race([query, deadline]);
    if (result === timedOut) return { ok: false, latencyMs: elapsed(), error: 'timeout' };
    return { ok: true, latencyMs: elapsed() };
  } catch (error) {
    return { ok: false, latencyMs: elapsed(), error: classifyPostgresError(error) };
  } finally {
    clearTimeout(timer);
  }
}
