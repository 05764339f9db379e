import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../src/index.js';
import { crc32Portable } from '../src/crc32/crc32.js';

describe('crc32', () => {
  it('matches the IEEE check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it('agrees with zlib.crc32 on every length up to 64 and at unaligned offsets', () => {
    const data = new Uint8Array(4096).map((_, i) => (i * 131 + 7) & 0xff);
    for (let len = 0; len <= 64; len++) {
      for (const offset of [0, 1, 3, 7]) {
        const view = data.subarray(offset, offset + len);
        expect(crc32(view)).toBe(zlibCrc32(view));
      }
    }
    expect(crc32(data)).toBe(zlibCrc32(data));
  });

  it('gives the same result on the native and the portable path, also across pieces', () => {
    const data = new Uint8Array(20_000).map((_, i) => (i * 31 + 11) & 0xff);
    expect(crc32Portable(data)).toBe(zlibCrc32(data));
    expect(crc32(data)).toBe(zlibCrc32(data));
    // A running checksum may switch paths between pieces (small header, large payload).
    const head = crc32Portable(data.subarray(0, 30));
    expect(crc32(data.subarray(30), head)).toBe(zlibCrc32(data));
    expect(crc32Portable(data.subarray(300), crc32(data.subarray(0, 300)))).toBe(zlibCrc32(data));
  });

  it('continues a running checksum', () => {
    const data = new TextEncoder().encode('the quick brown fox jumps over the lazy dog');
    expect(crc32(data.subarray(13), crc32(data.subarray(0, 13)))).toBe(crc32(data));
  });
});
