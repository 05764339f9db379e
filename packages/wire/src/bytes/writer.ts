import { putBytes, writeU32 } from './reader.js';
import { alloc } from './alloc.js';

/** A string field as written: ASCII text as is (one byte per char), anything else as UTF-8 bytes. */
export type Utf8Field = string | Uint8Array;

/** Fixed-size big-endian writer; the encoder computes the exact size first, so it never grows. */
export class Writer {
  readonly bytes: Uint8Array;
  offset = 0;

  constructor(size: number) {
    this.bytes = alloc(size);
  }

  u8(v: number): void {
    this.bytes[this.offset++] = v;
  }

  u16(v: number): void {
    const o = this.offset;
    this.bytes[o] = v >>> 8;
    this.bytes[o + 1] = v & 0xff;
    this.offset = o + 2;
  }

  u32(v: number): void {
    writeU32(this.bytes, this.offset, v);
    this.offset += 4;
  }

  raw(b: Uint8Array): void {
    putBytes(this.bytes, this.offset, b);
    this.offset += b.length;
  }

  text(f: Utf8Field): void {
    if (typeof f !== 'string') {
      this.raw(f);
      return;
    }
    const out = this.bytes;
    let o = this.offset;
    for (let i = 0; i < f.length; i++) out[o++] = f.charCodeAt(i);
    this.offset = o;
  }
}
