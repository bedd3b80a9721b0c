import type { Clock } from '../lib/clock.js';

/**
 * Counts failed logins per (client address, login) in a sliding window, in memory. Enough for one
 * node; it slows down password guessing without locking out a user from another address.
 */
export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly clock: Clock,
    readonly maxFailures = 10,
    readonly windowMs = 15 * 60_000,
  ) {}

  private key(ip: string, login: string): string {
    return `${ip}\u0000${login.trim().toLowerCase()}`;
  }

  private recent(key: string): number[] {
    const since = this.clock.now() - this.windowMs;
    const kept = (this.failures.get(key) ?? []).filter((t) => t > since);
    if (kept.length) this.failures.set(key, kept);
    else this.failures.delete(key);
    return kept;
  }

  /** Milliseconds until the next attempt is allowed, or 0 when it is allowed now. */
  retryAfterMs(ip: string, login: string): number {
    const times = this.recent(this.key(ip, login));
    if (times.length < this.maxFailures) return 0;
    const oldest = times[times.length - this.maxFailures] as number;
    return Math.max(1, oldest + this.windowMs - this.clock.now());
  }

  fail(ip: string, login: string): void {
    const key = this.key(ip, login);
    this.failures.set(key, [...this.recent(key), this.clock.now()]);
    // Bound memory under a spray of distinct logins: forget the oldest keys.
    if (this.failures.size > 10_000) {
      const first = this.failures.keys().next().value;
      if (first !== undefined) this.failures.delete(first);
    }
  }

  succeed(ip: string, login: string): void {
    this.failures.delete(this.key(ip, login));
  }
}
