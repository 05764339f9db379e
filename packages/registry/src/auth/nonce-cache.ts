/** What {@link NonceCache.claim} found. */
export type NonceClaim = 'ok' | 'replay' | 'full';

/** Bounds of a {@link NonceCache}. */
export interface NonceCacheLimits {
  /** Unexpired nonces kept per key (default 2048). */
  readonly perKey?: number;
  /** Unexpired nonces kept in all (default 200 000). */
  readonly total?: number;
}

/**
 * The nonces of request envelopes seen within their freshness window, per signing key, so a
 * captured request cannot be replayed while its timestamp is still accepted. An unexpired nonce
 * is never evicted (that would reopen the replay): when a bound is reached new claims answer
 * `full` until entries expire.
 */
export class NonceCache {
  readonly #byKey = new Map<string, Map<string, number>>();
  readonly #perKey: number;
  readonly #limit: number;
  #total = 0;
  #lastSweep = -Infinity;

  /** @param limits - per-key and total bounds */
  constructor(limits: NonceCacheLimits = {}) {
    this.#perKey = limits.perKey ?? 2048;
    this.#limit = limits.total ?? 200_000;
  }

  /** Unexpired nonces held. */
  get size(): number {
    return this.#total;
  }

  /**
   * Records `nonce` for `key` until `expiresAt` (unix seconds: the end of the envelope's
   * freshness window); `replay` when it was already recorded and has not expired.
   */
  claim(key: string, nonce: string, expiresAt: number, nowSeconds: number): NonceClaim {
    let seen = this.#byKey.get(key);
    const prev = seen?.get(nonce);
    if (prev !== undefined && prev >= nowSeconds) return 'replay';
    if (seen && seen.size >= this.#perKey) {
      this.#sweepKey(key, seen, nowSeconds);
      if (seen.size >= this.#perKey) return 'full';
    }
    if (this.#total >= this.#limit) {
      // A full sweep costs O(total): at most once a second, however hard clients push.
      if (nowSeconds > this.#lastSweep) this.sweep(nowSeconds);
      if (this.#total >= this.#limit) return 'full';
    }
    // A sweep may have dropped this key's (emptied) map.
    seen = this.#byKey.get(key);
    if (!seen) {
      seen = new Map();
      this.#byKey.set(key, seen);
    }
    if (!seen.has(nonce)) this.#total++;
    seen.set(nonce, expiresAt);
    return 'ok';
  }

  /** Drops every expired nonce. */
  sweep(nowSeconds: number): void {
    this.#lastSweep = nowSeconds;
    for (const [key, seen] of this.#byKey) this.#sweepKey(key, seen, nowSeconds);
  }

  #sweepKey(key: string, seen: Map<string, number>, nowSeconds: number): void {
    for (const [nonce, expiresAt] of seen) {
      if (expiresAt < nowSeconds) {
        seen.delete(nonce);
        this.#total--;
      }
    }
    if (seen.size === 0) this.#byKey.delete(key);
  }
}
