/** Growable FIFO of received bytes with cheap peeking at the head. */
export class ByteBuffer {
  #chunks: Uint8Array[] = [];
  #length = 0;

  /** Bytes buffered. */
  get length(): number {
    return this.#length;
  }

  /** Appends a chunk (not copied). */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#length += chunk.length;
  }

  /** Byte at `i` (must be < length). */
  byte(i: number): number {
    for (const c of this.#chunks) {
      if (i < c.length) return c[i];
      i -= c.length;
    }
    throw new RangeError('ByteBuffer index out of range');
  }

  /** Big-endian uint32 at offset 0 (length must be ≥ 4). */
  uint32(): number {
    return ((this.byte(0) << 24) | (this.byte(1) << 16) | (this.byte(2) << 8) | this.byte(3)) >>> 0;
  }

  /** Removes and returns the first `n` bytes (copied only when they span chunks). */
  take(n: number): Uint8Array {
    const first = this.#chunks[0];
    if (first && first.length >= n) {
      const out = first.subarray(0, n);
      if (first.length === n) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(n);
      this.#length -= n;
      return out;
    }
    const out = new Uint8Array(n);
    let off = 0;
    while (off < n) {
      const c = this.#chunks[0];
      const k = Math.min(c.length, n - off);
      out.set(c.subarray(0, k), off);
      off += k;
      if (k === c.length) this.#chunks.shift();
      else this.#chunks[0] = c.subarray(k);
    }
    this.#length -= n;
    return out;
  }

  /** Drops everything. */
  clear(): void {
    this.#chunks = [];
    this.#length = 0;
  }
}
