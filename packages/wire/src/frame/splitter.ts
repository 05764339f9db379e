import { checkBytes } from '../bytes/check.js';
import { copyBytes } from '../bytes/reader.js';
import { ByteQueue } from '../bytes/byte-queue.js';
import { MAX_MESSAGE_SIZE } from '../constants.js';
import { WireError } from '../errors/wire-error.js';
import { checkLength } from './frame.js';

/** Resolves a caller's `maxSize` option: at most MAX_MESSAGE_SIZE, at least 1. */
export function resolveMaxSize(maxSize: number | undefined): number {
  if (maxSize === undefined) return MAX_MESSAGE_SIZE;
  if (!Number.isInteger(maxSize) || maxSize < 1 || maxSize > MAX_MESSAGE_SIZE) {
    throw new WireError(
      'OUT_OF_RANGE',
      `maxSize must be an integer in 1..${MAX_MESSAGE_SIZE}, got ${String(maxSize)}`,
    );
  }
  return maxSize;
}

/**
 * Splits a byte stream into `[4B length][body]` records. A length is checked the moment its 4 bytes are
 * in, before any body byte is buffered for it. After an error the splitter stays failed: the stream has
 * lost sync and the connection should be closed.
 */
export class LengthPrefixSplitter {
  private readonly queue = new ByteQueue();
  private failure: WireError | undefined;

  constructor(
    private readonly what: string,
    private readonly maxSize: number,
  ) {}

  get buffered(): number {
    return this.queue.length;
  }

  /** Appends `chunk` and hands each complete body (a fresh copy) to `onBody`. */
  push(chunk: Uint8Array, onBody: (body: Uint8Array) => void): void {
    if (this.failure) throw this.failure;
    checkBytes(chunk, 'chunk');
    try {
      if (this.queue.length === 0) this.fromChunk(chunk, onBody);
      else this.fromQueue(chunk, onBody);
    } catch (e) {
      if (e instanceof WireError) this.failure = e;
      throw e;
    }
  }

  /** Throws TRUNCATED if a partial record is still buffered (call when the stream ends). */
  end(): void {
    if (this.failure) throw this.failure;
    if (this.queue.length > 0) {
      throw new WireError(
        'TRUNCATED',
        `stream ended inside a ${this.what} (${this.queue.length} byte(s) buffered)`,
      );
    }
  }

  // Fast path: nothing buffered, so read records straight out of the chunk and keep only the tail.
  private fromChunk(chunk: Uint8Array, onBody: (body: Uint8Array) => void): void {
    let off = 0;
    const n = chunk.length;
    while (n - off >= 4) {
      const length =
        ((chunk[off] << 24) | (chunk[off + 1] << 16) | (chunk[off + 2] << 8) | chunk[off + 3]) >>>
        0;
      checkLength(length, this.what, this.maxSize);
      if (n - off - 4 < length) break;
      onBody(copyBytes(chunk, off + 4, off + 4 + length));
      off += 4 + length;
    }
    if (off < n) this.queue.append(chunk.subarray(off));
  }

  private fromQueue(chunk: Uint8Array, onBody: (body: Uint8Array) => void): void {
    const q = this.queue;
    q.append(chunk);
    while (q.length >= 4) {
      const length = q.uint32At(0);
      checkLength(length, this.what, this.maxSize);
      if (q.length - 4 < length) break;
      q.skip(4);
      onBody(q.take(length));
    }
  }
}
