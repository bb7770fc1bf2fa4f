/**
 * Questions per client address per minute over WebSockets, counted across all
 * of that address's sockets, so opening more sockets is no way around it. A
 * sliding window of timestamps: at most `perMinute` entries per address.
 */
export class MessageRateLimiter {
  private readonly perMinute: number;
  private readonly windows = new Map<string, number[]>();

  constructor(perMinute: number) {
    this.perMinute = perMinute;
  }

  take(key: string, now = Date.now()): { allowed: true } | { allowed: false; retryAfterSeconds: number } {
    const windowStart = now - 60_000;
    const times = (this.windows.get(key) ?? []).filter((time) => time > windowStart);
    if (times.length >= this.perMinute) {
      this.windows.set(key, times);
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((times[0]! - windowStart) / 1000)) };
    }
    times.push(now);
    this.windows.set(key, times);
    // Addresses seen once and never again must not accumulate.
    if (this.windows.size > 10_000) {
      for (const [address, stamps] of this.windows) if (stamps.at(-1)! <= windowStart) this.windows.delete(address);
    }
    return { allowed: true };
  }
}
