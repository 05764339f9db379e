// The replay set of reference §E.1: SHA-256 of every accepted message, bounded ([N] 8192
// entries). Entries older than twice the message max age can go: a message that old fails the
// timestamp check anyway.
import { createHash } from 'node:crypto';

/** Outcome of {@link ReplaySet.admit}. */
export type ReplayVerdict = 'fresh' | 'replay' | 'full';

/** A bounded set of message hashes with first-seen times. */
export class ReplaySet {
  readonly #seen = new Map<string, number>();
  readonly #capacity: number;
  readonly #ttlMs: number;

  /**
   * @param capacity - most hashes kept.
   * @param ttlMs - how long a hash is kept.
   */
  constructor(capacity: number, ttlMs: number) {
    this.#capacity = capacity;
    this.#ttlMs = ttlMs;
  }

  /** Number of hashes held. */
  get size(): number {
    return this.#seen.size;
  }

  /**
   * Records `bytes` unless seen before or the set is full of live entries.
   * @param bytes - the re-serialised message.
   * @param now - Unix ms.
   * @returns `fresh` (recorded), `replay` or `full`.
   */
  admit(bytes: string, now: number): ReplayVerdict {
    const hash = createHash('sha256').update(bytes).digest('hex');
    if (this.#seen.has(hash)) return 'replay';
    if (this.#seen.size >= this.#capacity) {
      this.reap(now);
      if (this.#seen.size >= this.#capacity) return 'full';
    }
    this.#seen.set(hash, now);
    return 'fresh';
  }

  /**
   * Drops expired hashes.
   * @param now - Unix ms.
   */
  reap(now: number): void {
    // Map iteration is insertion order, so the oldest come first.
    for (const [hash, at] of this.#seen) {
      if (now - at <= this.#ttlMs) break;
      this.#seen.delete(hash);
    }
  }
}

/**
 * Per-source token buckets: each source may send `burst` messages at once and one more every
 * `refillMs`. Bounded to `maxSources` buckets (the oldest idle one is dropped first).
 */
export class SourceLimiter {
  readonly #buckets = new Map<number, { tokens: number; at: number }>();
  readonly #burst: number;
  readonly #refillMs: number;
  readonly #maxSources: number;

  /**
   * @param burst - messages allowed at once.
   * @param refillMs - one token back every this many ms.
   * @param maxSources - most sources tracked.
   */
  constructor(burst: number, refillMs: number, maxSources = 4096) {
    this.#burst = burst;
    this.#refillMs = refillMs;
    this.#maxSources = maxSources;
  }

  /**
   * Takes a token for `source`.
   * @param source - the sending node.
   * @param now - Unix ms.
   * @returns whether the message may be processed.
   */
  take(source: number, now: number): boolean {
    let b = this.#buckets.get(source);
    if (b === undefined) {
      if (this.#buckets.size >= this.#maxSources) {
        const oldest = this.#buckets.keys().next().value;
        if (oldest !== undefined) this.#buckets.delete(oldest);
      }
      b = { tokens: this.#burst, at: now };
    } else {
      this.#buckets.delete(source);
      b.tokens = Math.min(this.#burst, b.tokens + (now - b.at) / this.#refillMs);
      b.at = now;
    }
    this.#buckets.set(source, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}

/**
 * Removes non-printable characters and caps the text at `maxBytes` UTF-8 bytes (Go's
 * sanitizeJustification keeps `unicode.IsPrint` runes and caps at 1024 bytes).
 * @param text - the justification.
 * @param maxBytes - the cap.
 * @returns the sanitised text.
 */
export function sanitizeJustification(text: string, maxBytes = 1024): string {
  let out = '';
  let bytes = 0;
  for (const ch of text) {
    if (!/^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(ch)) continue;
    const n = Buffer.byteLength(ch);
    if (bytes + n > maxBytes) break;
    out += ch;
    bytes += n;
  }
  return out;
}
