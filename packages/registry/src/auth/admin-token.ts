import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Constant-time admin token check. Both sides are hashed first so the comparison takes the same
 * time whatever the lengths; an empty server token disables admin requests entirely.
 */
export class AdminTokenCheck {
  readonly #digest: Buffer | undefined;

  constructor(token: string) {
    this.#digest = token === '' ? undefined : createHash('sha256').update(token, 'utf8').digest();
  }

  /** Whether admin requests are possible at all. */
  get enabled(): boolean {
    return this.#digest !== undefined;
  }

  /** Whether `candidate` equals the server's token. */
  matches(candidate: unknown): boolean {
    if (!this.#digest || typeof candidate !== 'string' || candidate === '') return false;
    return timingSafeEqual(this.#digest, createHash('sha256').update(candidate, 'utf8').digest());
  }
}

/** Constant-time equality of two strings (for network join tokens). */
export function constantTimeEquals(a: string, b: string): boolean {
  const da = createHash('sha256').update(a, 'utf8').digest();
  const db = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(da, db);
}
