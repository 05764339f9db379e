// Splits a byte stream into newline-terminated lines without ever buffering more than the limit.

/** What {@link LineSplitter.push} found in a chunk. */
export type LineEvent =
  | { readonly kind: 'line'; readonly line: string }
  | { readonly kind: 'overflow'; readonly bytes: number };

/**
 * Incremental newline splitter with a maximum line length. An over-long line is reported once
 * as `overflow` and its remaining bytes are skipped up to the next newline, so a hostile or
 * buggy peer costs at most `maxLineBytes` of memory.
 */
export class LineSplitter {
  readonly #max: number;
  #parts: Buffer[] = [];
  #size = 0;
  #skipping = false;
  #skipped = 0;

  /** @param maxLineBytes - the longest line accepted, excluding the newline. */
  constructor(maxLineBytes: number) {
    this.#max = maxLineBytes;
  }

  /**
   * Feeds a chunk.
   * @param chunk - bytes read from the socket.
   * @returns complete lines (and overflow reports) in order.
   */
  push(chunk: Buffer): LineEvent[] {
    const out: LineEvent[] = [];
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(10, start);
      const end = nl === -1 ? chunk.length : nl;
      const piece = chunk.subarray(start, end);
      if (this.#skipping) {
        this.#skipped += piece.length;
      } else if (this.#size + piece.length > this.#max) {
        this.#skipping = true;
        this.#skipped = this.#size + piece.length;
        this.#parts = [];
        this.#size = 0;
      } else if (piece.length > 0) {
        this.#parts.push(piece);
        this.#size += piece.length;
      }
      if (nl === -1) break;
      if (this.#skipping) {
        out.push({ kind: 'overflow', bytes: this.#skipped });
        this.#skipping = false;
        this.#skipped = 0;
      } else {
        const line =
          this.#parts.length === 1
            ? this.#parts[0].toString('utf8')
            : Buffer.concat(this.#parts).toString('utf8');
        this.#parts = [];
        this.#size = 0;
        // Tolerate CRLF and blank keep-alive lines.
        const trimmed = line.endsWith('\r') ? line.slice(0, -1) : line;
        if (trimmed.length > 0) out.push({ kind: 'line', line: trimmed });
      }
      start = nl + 1;
    }
    return out;
  }
}
