import { describe, expect, it } from 'vitest';
import { MessageRateLimiter } from '../../backend/src/http/message-rate.ts';

describe('WebSocket message rate limiter', () => {
  it('allows perMinute questions per address in any 60 s window, then says when to retry', () => {
    const limiter = new MessageRateLimiter(2);
    expect(limiter.take('10.0.0.1', 0)).toEqual({ allowed: true });
    expect(limiter.take('10.0.0.1', 20_000)).toEqual({ allowed: true });
    expect(limiter.take('10.0.0.1', 30_000)).toEqual({ allowed: false, retryAfterSeconds: 30 });
    // Another address has its own budget.
    expect(limiter.take('10.0.0.2', 30_000)).toEqual({ allowed: true });
    // The first question leaves the window after 60 s.
    expect(limiter.take('10.0.0.1', 60_001)).toEqual({ allowed: true });
    expect(limiter.take('10.0.0.1', 60_002)).toEqual({ allowed: false, retryAfterSeconds: 20 });
  });
});
