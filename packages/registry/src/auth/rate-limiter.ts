/** Options of {@link RateLimiter}. */
export interface RateLimiterOptions {
  /** Tokens per window (also the bucket size). @default 10 */
  readonly limit?: number;
  /** Window length in ms. @default 60000 */
  readonly windowMs?: number;
}

interface Bucket {
  tokens: number;
  last: number;
}

/**
 * Token bucket per key (source IP): `limit` tokens per window with fractional refill, capped at
 * `limit`. Buckets idle for more than two windows are dropped by {@link RateLimiter.cleanup}.
 */
export class RateLimiter {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(options: RateLimiterOptions = {}) {
    this.#limit = options.limit ?? 10;
    this.#windowMs = options.windowMs ?? 60_000;
  }

  /** Tokens per window (also the bucket size). */
  get limit(): number {
    return this.#limit;
  }

  /** Window length, ms. */
  get windowMs(): number {
    return this.#windowMs;
  }

  /** Takes one token for `key` at time `now` (ms); false when the bucket is empty. */
  allow(key: string, now: number): boolean {
    let b = this.#buckets.get(key);
    if (!b) {
      b = { tokens: this.#limit, last: now };
      this.#buckets.set(key, b);
    } else {
      const elapsed = Math.max(0, now - b.last);
      b.tokens = Math.min(this.#limit, b.tokens + (elapsed * this.#limit) / this.#windowMs);
      b.last = now;
    }
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Drops buckets idle for more than two windows; returns how many were dropped. */
  cleanup(now: number): number {
    let dropped = 0;
    for (const [key, b] of this.#buckets) {
      if (now - b.last > 2 * this.#windowMs) {
        this.#buckets.delete(key);
        dropped++;
      }
    }
    return dropped;
  }

  /** Number of tracked keys. */
  get size(): number {
    return this.#buckets.size;
  }
}
