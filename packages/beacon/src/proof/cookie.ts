// Stateless registration cookies: the beacon answers a ProofRequest without remembering it.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { BEACON_COOKIE_SIZE } from '@mesh/protocol';

/** Where a request came from, as the beacon observed it. */
export interface CookieSource {
  /** Source IP. */
  readonly address: string;
  /** Source port. */
  readonly port: number;
}

/** Why a presented cookie was refused. */
export type CookieRefusal = 'expired' | 'forged' | 'replayed';

/** Limits of a {@link CookieJar}. */
export interface CookieJarOptions {
  /** How long a cookie stays valid after it was issued (ms of `now`). */
  readonly ttlMs: number;
  /** Clock in ms (the beacon's `now`). */
  readonly now: () => number;
  /** Most used cookies remembered for replay detection. */
  readonly maxUsed: number;
}

/**
 * Issues and checks registration cookies: HMAC-SHA256 under a per-process random secret over
 * node id, issue time and the requester's observed address, truncated to
 * {@link BEACON_COOKIE_SIZE} bytes. A cookie is only good for that node, from that address,
 * for `ttlMs`; nothing is stored until a cookie has been spent with a valid signature, and
 * then only until it expires, so a spent cookie cannot be replayed.
 */
export class CookieJar {
  readonly #secret = randomBytes(32);
  readonly #options: CookieJarOptions;
  /** Spent cookies (hex) → expiry, in insertion (= expiry) order. */
  readonly #used = new Map<string, number>();

  /** @param options - lifetime, clock and replay-memory cap. */
  constructor(options: CookieJarOptions) {
    this.#options = options;
  }

  /** A fresh cookie for `node` asked from `source`. */
  issue(node: number, source: CookieSource): { issuedAt: bigint; cookie: Uint8Array } {
    const issuedAt = BigInt(Math.max(0, Math.floor(this.#options.now())));
    return { issuedAt, cookie: this.#mac(node, issuedAt, source) };
  }

  /**
   * Checks a cookie presented by `source` for `node`.
   * @returns undefined when it is valid and unspent, else why not.
   */
  check(
    node: number,
    issuedAt: bigint,
    cookie: Uint8Array,
    source: CookieSource,
  ): CookieRefusal | undefined {
    const now = this.#options.now();
    const age = now - Number(issuedAt);
    if (age < 0 || age > this.#options.ttlMs) return 'expired';
    const expected = this.#mac(node, issuedAt, source);
    if (cookie.length !== expected.length || !timingSafeEqual(cookie, expected)) return 'forged';
    if (this.#used.has(Buffer.from(cookie).toString('hex'))) return 'replayed';
    return undefined;
  }

  /** Marks a cookie spent (after its signature was verified). */
  spend(issuedAt: bigint, cookie: Uint8Array): void {
    this.sweep();
    if (this.#used.size >= this.#options.maxUsed) {
      const oldest = this.#used.keys().next();
      if (!oldest.done) this.#used.delete(oldest.value);
    }
    this.#used.set(Buffer.from(cookie).toString('hex'), Number(issuedAt) + this.#options.ttlMs);
  }

  /** Forgets spent cookies that have expired anyway. */
  sweep(): void {
    const now = this.#options.now();
    for (const [key, expiry] of this.#used) {
      if (expiry >= now) break;
      this.#used.delete(key);
    }
  }

  #mac(node: number, issuedAt: bigint, source: CookieSource): Uint8Array {
    const head = Buffer.alloc(14);
    head.writeUInt32BE(node >>> 0, 0);
    head.writeBigUInt64BE(issuedAt, 4);
    head.writeUInt16BE(source.port, 12);
    const mac = createHmac('sha256', this.#secret).update(head).update(source.address).digest();
    return new Uint8Array(mac.subarray(0, BEACON_COOKIE_SIZE));
  }
}
