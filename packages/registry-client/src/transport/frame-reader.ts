import { MAX_MESSAGE_SIZE } from '@mesh/wire';
import { RegistryClientError } from '../errors.js';

/**
 * Splits a byte stream into `[4B length][body]` units (binary frames and JSON messages share
 * this outer shape). Rejects a zero or oversized length before allocating anything.
 */
export class LengthPrefixedReader {
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  readonly #maxSize: number;

  constructor(maxSize: number = MAX_MESSAGE_SIZE) {
    this.#maxSize = maxSize;
  }

  /** Feeds one chunk and returns every complete body now available. */
  push(chunk: Uint8Array): Uint8Array[] {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    const out: Uint8Array[] = [];
    for (;;) {
      if (this.#buffered < 4) return out;
      const head = this.#peek(4);
      const length = ((head[0] << 24) | (head[1] << 16) | (head[2] << 8) | head[3]) >>> 0;
      if (length === 0)
        throw new RegistryClientError('PROTOCOL', 'registry sent a zero-length frame');
      if (length > this.#maxSize) {
        throw new RegistryClientError(
          'PROTOCOL',
          `registry sent a ${length}-byte frame (max ${this.#maxSize})`,
        );
      }
      if (this.#buffered < 4 + length) return out;
      const all = this.#take(4 + length);
      out.push(all.subarray(4));
    }
  }

  #peek(n: number): Uint8Array {
    const first = this.#chunks[0];
    if (first.length >= n) return first;
    return this.#concat().subarray(0, n);
  }

  #take(n: number): Uint8Array {
    const all = this.#concat();
    const rest = all.subarray(n);
    this.#chunks = rest.length > 0 ? [rest] : [];
    this.#buffered = rest.length;
    return all.subarray(0, n);
  }

  #concat(): Uint8Array {
    if (this.#chunks.length === 1) return this.#chunks[0];
    const all = new Uint8Array(this.#buffered);
    let off = 0;
    for (const c of this.#chunks) {
      all.set(c, off);
      off += c.length;
    }
    this.#chunks = [all];
    return all;
  }
}
