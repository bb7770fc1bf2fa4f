import { setTimeout as sleep } from 'node:timers/promises';

/** How hard to try an upstream call again. Bounded in count and in time, so a request never hangs on a retry loop. */
export interface RetryPolicy {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** First backoff delay; doubles per retry. */
  baseDelayMs: number;
  /** Cap on one backoff delay. */
  maxDelayMs: number;
  /** Time from the first attempt within which a retry may start; a retry that would start later is not made. */
  budgetMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { maxRetries: 3, baseDelayMs: 250, maxDelayMs: 2_000, budgetMs: 5_000 };

/** What a failed attempt means for the next one. */
export type Verdict =
  | { retry: false }
  | {
      retry: true;
      /** The upstream's own Retry-After, which takes precedence over the backoff when longer. */
      retryAfterMs?: number;
    };

/**
 * Runs `attempt` until it succeeds, `classify` says not to retry, or the
 * policy's count or time budget is spent; then rethrows the last error for
 * the caller to translate.
 */
export async function withRetry<T>(
  attempt: () => Promise<T>,
  classify: (error: unknown) => Verdict,
  policy: RetryPolicy,
  signal?: AbortSignal,
): Promise<T> {
  const started = performance.now();
  for (let retry = 0; ; retry++) {
    try {
      return await attempt();
    } catch (error) {
      if (signal?.aborted) throw error;
      const verdict = classify(error);
      if (!verdict.retry || retry >= policy.maxRetries) throw error;
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
      const delay = Math.max(backoff, verdict.retryAfterMs ?? 0);
      if (performance.now() - started + delay > policy.budgetMs) throw error;
      await sleep(delay, undefined, signal ? { signal } : undefined);
    }
  }
}

/** Retry-After in milliseconds: delta-seconds or an HTTP date (RFC 9110 section 10.2.3). */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
