import { errorCode, isMeshError } from '@mesh/daemonapi';
import { expect } from 'vitest';

/** Waits for `work` at most `ms` milliseconds; the failure names the step. */
export async function within<T>(what: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timer = undefined;
      reject(new Error(`${what}: no result within ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/** The error `call` throws or rejects with; fails the check when it succeeds. */
export async function failureOf(what: string, call: () => unknown): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  throw new Error(`${what} succeeded; it must fail`);
}

/** Asserts `error` is a branded mesh error (`isMeshError`) with `code`. */
export function expectMeshError(what: string, error: unknown, code: string): void {
  expect(
    isMeshError(error),
    `${what} must fail with a mesh error (the @mesh/error brand, a code, retryable); got ${String(error)}`,
  ).toBe(true);
  expect(errorCode(error), `${what}: error code`).toBe(code);
}

/** Reads exactly `n` bytes from a chunk iterator. */
export async function readBytes(chunks: AsyncIterator<Uint8Array>, n: number): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  let filled = 0;
  while (filled < n) {
    const next = await chunks.next();
    if (next.done === true) throw new Error(`stream ended after ${filled} of ${n} bytes`);
    if (filled + next.value.length > n)
      throw new Error(`received ${filled + next.value.length} bytes, expected ${n}`);
    out.set(next.value, filled);
    filled += next.value.length;
  }
  return out;
}

/** Reads until the peer's FIN ends the iteration; returns the bytes that came before it. */
export async function readToEnd(chunks: AsyncIterator<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for (;;) {
    const next = await chunks.next();
    if (next.done === true) break;
    parts.push(next.value);
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** UTF-8 bytes of `text`. */
export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** A deterministic byte pattern of `n` bytes (so a reordering or a lost chunk shows). */
export function pattern(n: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed + (i >>> 8)) & 0xff);
}

/** A queue of values pushed by callbacks, read with a deadline. */
export class Inbox<T> {
  readonly #items: T[] = [];
  readonly #waiters: ((item: T) => void)[] = [];

  /** Adds a value (from a handler or listener). */
  readonly push = (item: T): void => {
    const waiter = this.#waiters.shift();
    if (waiter === undefined) this.#items.push(item);
    else waiter(item);
  };

  /** The next value, waiting for it at most `ms` milliseconds. */
  next(what: string, ms: number): Promise<T> {
    const item = this.#items.shift();
    if (item !== undefined) return Promise.resolve(item);
    return within(
      what,
      ms,
      new Promise<T>((resolve) => {
        this.#waiters.push(resolve);
      }),
    );
  }
}
