import { copyBytes } from './reader.js';

/**
 * A growable FIFO of bytes for incremental decoding. Capacity grows with the bytes actually received,
 * never with a length claimed by the peer, and shrinks back once a large frame has been consumed.
 */
export class ByteQueue {
  private buf: Uint8Array = new Uint8Array(0);
  private start = 0;
  private end = 0;

  get length(): number {
    return this.end - this.start;
  }

  append(chunk: Uint8Array): void {
    const n = chunk.length;
    if (n === 0) return;
    if (this.end + n > this.buf.length) {
      const len = this.end - this.start;
      if (len + n <= this.buf.length) {
        this.buf.copyWithin(0, this.start, this.end);
      } else {
        const grown = new Uint8Array(Math.max(len + n, this.buf.length * 2, 256));
        grown.set(this.buf.subarray(this.start, this.end));
        this.buf = grown;
      }
      this.start = 0;
      this.end = len;
    }
    this.buf.set(chunk, this.end);
    this.end += n;
  }

  byteAt(i: number): number {
    return this.buf[this.start + i];
  }

  /** Big-endian uint32 at `i`; the caller has checked `length >= i + 4`. */
  uint32At(i: number): number {
    const b = this.buf;
    const o = this.start + i;
    return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
  }

  /** Removes and returns the first `n` bytes as a fresh copy. */
  take(n: number): Uint8Array {
    const out = copyBytes(this.buf, this.start, this.start + n);
    this.skip(n);
    return out;
  }

  skip(n: number): void {
    this.start += n;
    if (this.start === this.end) {
      this.start = 0;
      this.end = 0;
      // Let a buffer grown for one large frame go rather than pinning it for the connection's life.
      if (this.buf.length > 65536) this.buf = new Uint8Array(0);
    }
  }
}
