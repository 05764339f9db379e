// Token buckets for the SYN rate limits (reference §B.4: global 100/s, per source 10/s with a
// burst, at most 4096 tracked sources).

/** A token bucket refilled continuously at `rate` tokens per second up to `burst`. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  /**
   * @param rate - tokens added per second.
   * @param burst - bucket capacity.
   * @param now - current time in milliseconds.
   */
  constructor(
    private readonly rate: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }

  /** Takes one token if available. */
  take(now: number): boolean {
    const elapsed = Math.max(0, now - this.last) / 1000;
    this.last = now;
    this.tokens = Math.min(this.burst, this.tokens + elapsed * this.rate);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** One bucket per source key, the oldest source forgotten when `maxSources` is reached. */
export class KeyedRateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  /**
   * @param rate - tokens per second for each source.
   * @param burst - per-source capacity.
   * @param maxSources - sources tracked at once.
   */
  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly maxSources: number,
  ) {}

  /** Takes one token from `key`'s bucket. */
  take(key: string, now: number): boolean {
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= this.maxSources) {
        const oldest = this.buckets.keys().next().value;
        if (oldest !== undefined) this.buckets.delete(oldest);
      }
      bucket = new TokenBucket(this.rate, this.burst, now);
      this.buckets.set(key, bucket);
    }
    return bucket.take(now);
  }

  /** Number of sources tracked. */
  get size(): number {
    return this.buckets.size;
  }
}
