// Single-use, short-lived attach tokens: the dial / accept reply names one, one connection claims it.
import { randomBytes } from 'node:crypto';
import { ATTACH_TOKEN_BYTES, ATTACH_TOKEN_TTL_MS } from './preamble.js';

interface Entry<T> {
  readonly value: T;
  readonly timer: NodeJS.Timeout;
  readonly onExpire: ((value: T) => void) | undefined;
}

/**
 * Issues random 32-byte tokens that each stand for one value (a stream waiting for its raw
 * connection). A token is taken at most once and expires after a deadline; what was never
 * claimed is handed to `onExpire` so the owner can release it.
 */
export class AttachTokens<T> {
  readonly #entries = new Map<string, Entry<T>>();
  readonly #ttlMs: number;

  /** @param ttlMs - how long a token stays valid. @defaultValue 5000 */
  constructor(ttlMs: number = ATTACH_TOKEN_TTL_MS) {
    this.#ttlMs = ttlMs;
  }

  /** Tokens issued and neither taken nor expired. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * @param value - what the token stands for.
   * @param onExpire - runs with `value` when the token expires unclaimed (not after {@link take} or {@link revoke}).
   * @returns the token, base64 (standard alphabet) for JSON.
   */
  issue(value: T, onExpire?: (value: T) => void): string {
    const token = randomBytes(ATTACH_TOKEN_BYTES).toString('base64');
    const timer = setTimeout(() => {
      const e = this.#entries.get(token);
      if (!e) return;
      this.#entries.delete(token);
      e.onExpire?.(e.value);
    }, this.#ttlMs);
    timer.unref();
    this.#entries.set(token, { value, timer, onExpire });
    return token;
  }

  /**
   * Claims a token (once).
   * @param token - the raw bytes from a preamble, or the base64 text.
   * @returns its value, or undefined when unknown, taken or expired.
   */
  take(token: Uint8Array | string): T | undefined {
    const key = typeof token === 'string' ? token : Buffer.from(token).toString('base64');
    const e = this.#entries.get(key);
    if (!e) return undefined;
    this.#entries.delete(key);
    clearTimeout(e.timer);
    return e.value;
  }

  /**
   * Forgets every token whose value matches, without running `onExpire`.
   * @param match - selects the values to drop.
   */
  revoke(match: (value: T) => boolean): void {
    for (const [key, e] of this.#entries)
      if (match(e.value)) {
        clearTimeout(e.timer);
        this.#entries.delete(key);
      }
  }
}
