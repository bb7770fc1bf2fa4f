import { describe, expect, it } from 'vitest';
import { parseRetryAfter, withRetry } from '../../../backend/src/rag/retry.ts';

const policy = { maxRetries: 3, baseDelayMs: 5, maxDelayMs: 20, budgetMs: 1_000 };

describe('withRetry', () => {
  it('retries up to maxRetries, then rethrows the last error', async () => {
    let attempts = 0;
    const failing = withRetry(
      async () => {
        attempts++;
        throw new Error(`attempt ${attempts}`);
      },
      () => ({ retry: true }),
      policy,
    );
    await expect(failing).rejects.toThrow('attempt 4');
    expect(attempts).toBe(4);
  });

  it('does not retry what the classifier refuses', async () => {
    let attempts = 0;
    const failing = withRetry(
      async () => {
        attempts++;
        throw new Error('bad request');
      },
      () => ({ retry: false }),
      policy,
    );
    await expect(failing).rejects.toThrow('bad request');
    expect(attempts).toBe(1);
  });

  it('does not start a wait that would end past the budget', async () => {
    let attempts = 0;
    const started = performance.now();
    const failing = withRetry(
      async () => {
        attempts++;
        throw new Error('busy');
      },
      () => ({ retry: true, retryAfterMs: 400 }),
      policy,
    );
    await expect(failing).rejects.toThrow('busy');
    // 400 + 400 fit in 1000 ms; a third wait would not.
    expect(attempts).toBe(3);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('returns the first success', async () => {
    let attempts = 0;
    const value = await withRetry(
      async () => {
        if (++attempts < 3) throw new Error('flaky');
        return 'ok';
      },
      () => ({ retry: true }),
      policy,
    );
    expect([value, attempts]).toEqual(['ok', 3]);
  });

  it('stops waiting when the caller aborts', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('client went away')), 50);
    let attempts = 0;
    const failing = withRetry(
      async () => {
        attempts++;
        throw new Error('busy');
      },
      () => ({ retry: true, retryAfterMs: 500 }),
      policy,
      controller.signal,
    );
    await expect(failing).rejects.toThrow();
    expect(attempts).toBe(1);
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates', () => {
    const now = Date.parse('2026-11-24T20:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3_000);
    expect(parseRetryAfter('Tue, 24 Nov 2026 20:00:05 GMT', now)).toBe(5_000);
    expect(parseRetryAfter('Tue, 24 Nov 2026 19:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
