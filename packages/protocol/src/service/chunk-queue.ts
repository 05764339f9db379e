// Internal FIFO of pushed chunks for the incremental decoders: peek small headers across
// chunk boundaries and copy out whole frames, without ever concatenating everything pushed.

/** Internal FIFO of pushed chunks (not exported from the package). */
export class ChunkQueue {
  private readonly chunks: Uint8Array[] = [];
  private head = 0; // bytes of chunks[0] already consumed
  private total = 0;

  get length(): number {
    return this.total;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.total += chunk.length;
  }

  /** Copies bytes [at, at + n) without consuming them; caller ensures they exist. */
  peek(at: number, n: number): Uint8Array {
    const out = new Uint8Array(n);
    let skip = this.head + at;
    let written = 0;
    for (const c of this.chunks) {
      if (written === n) break;
      if (skip >= c.length) {
        skip -= c.length;
        continue;
      }
      const take = Math.min(c.length - skip, n - written);
      out.set(c.subarray(skip, skip + take), written);
      written += take;
      skip = 0;
    }
    return out;
  }

  /** Removes and returns the next `n` bytes as a fresh array; caller ensures they exist. */
  take(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let written = 0;
    while (written < n) {
      const c = this.chunks[0];
      const avail = c.length - this.head;
      const want = n - written;
      if (avail <= want) {
        out.set(c.subarray(this.head), written);
        written += avail;
        this.chunks.shift();
        this.head = 0;
      } else {
        out.set(c.subarray(this.head, this.head + want), written);
        written += want;
        this.head += want;
      }
    }
    this.total -= n;
    return out;
  }

  clear(): void {
    this.chunks.length = 0;
    this.head = 0;
    this.total = 0;
  }
}
