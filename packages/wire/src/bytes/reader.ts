import { WireError } from '../errors/wire-error.js';
import { alloc } from './alloc.js';
import { utf8Decode } from './utf8.js';

/**
 * Bounds-checked big-endian cursor over one payload. Every read checks the remaining length first,
 * so a decoder can never read past the payload; failures name the field and throw TRUNCATED.
 * Reads bytes directly rather than through a DataView: creating one per payload costs more than
 * the whole decode of a small frame.
 */
export class Reader {
  readonly bytes: Uint8Array;
  offset = 0;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  /** Throws TRUNCATED unless `n` more bytes are available. */
  need(n: number, field: string): void {
    if (this.offset + n > this.bytes.length) {
      throw new WireError(
        'TRUNCATED',
        `truncated ${field}: need ${n} byte(s) at offset ${this.offset}, payload has ${this.bytes.length}`,
      );
    }
  }

  u8(field: string): number {
    this.need(1, field);
    return this.bytes[this.offset++];
  }

  u16(field: string): number {
    this.need(2, field);
    const b = this.bytes;
    const o = this.offset;
    this.offset = o + 2;
    return (b[o] << 8) | b[o + 1];
  }

  u32(field: string): number {
    this.need(4, field);
    const o = this.offset;
    this.offset = o + 4;
    return readU32(this.bytes, o);
  }

  /** `n` bytes as a fresh copy (never aliases the input). */
  copy(n: number, field: string): Uint8Array {
    this.need(n, field);
    const out = copyBytes(this.bytes, this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  string(n: number, field: string): string {
    this.need(n, field);
    const s = utf8Decode(this.bytes, this.offset, this.offset + n);
    this.offset += n;
    return s;
  }
}

/** Big-endian uint32 at `o`; the caller has bounds-checked. */
export function readU32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

/** Writes big-endian uint32 `v` at `o`; the caller has bounds-checked. */
export function writeU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = (v >>> 16) & 0xff;
  b[o + 2] = (v >>> 8) & 0xff;
  b[o + 3] = v & 0xff;
}

// Below this size a JS loop beats slice()/set(), which go through a generic native path.
const SMALL_COPY = 96;

/** A fresh copy of `src[start, end)`; the caller has bounds-checked. */
export function copyBytes(src: Uint8Array, start: number, end: number): Uint8Array {
  const n = end - start;
  const out = alloc(n);
  if (n > SMALL_COPY) {
    out.set(src.subarray(start, end));
    return out;
  }
  for (let i = 0; i < n; i++) out[i] = src[start + i]!;
  return out;
}

/** Copies all of `src` into `dst` at `offset`; the caller has sized `dst`. */
export function putBytes(dst: Uint8Array, offset: number, src: Uint8Array): void {
  const n = src.length;
  if (n > SMALL_COPY) {
    dst.set(src, offset);
    return;
  }
  for (let i = 0; i < n; i++) dst[offset + i] = src[i]!;
}
