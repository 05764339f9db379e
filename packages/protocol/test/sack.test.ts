import { describe, expect, it } from 'vitest';
import { ProtocolError, decodeSack, encodeSack, isSack } from '../src/index.js';
import { SACK_THREE_BLOCKS, hex, toHex } from './fixtures/goldens.js';

const blocks = [
  { left: 4096, right: 8192 },
  { left: 12288, right: 16384 },
  { left: 20480, right: 28672 },
];

describe('SACK', () => {
  it('encodes the three-block vector', () => {
    const bytes = encodeSack(blocks);
    expect(bytes.length).toBe(5 + 24);
    expect(toHex(bytes)).toBe(toHex(hex(SACK_THREE_BLOCKS)));
    expect(decodeSack(bytes)).toEqual(blocks);
  });

  it('does not treat other payloads as SACK', () => {
    expect(decodeSack(new TextEncoder().encode('hello world'))).toBeUndefined();
    expect(decodeSack(new Uint8Array(0))).toBeUndefined();
    expect(isSack(new TextEncoder().encode('SACKS and more'))).toBe(false);
    expect(isSack(hex(SACK_THREE_BLOCKS))).toBe(true);
  });

  it('treats count 0, count > 4 and short bodies as not SACK', () => {
    expect(decodeSack(hex('5341434b00'))).toBeUndefined();
    expect(decodeSack(hex('5341434b05' + '00'.repeat(40)))).toBeUndefined();
    expect(decodeSack(hex(SACK_THREE_BLOCKS).subarray(0, 28))).toBeUndefined();
  });

  it('ignores trailing bytes', () => {
    expect(decodeSack(hex(SACK_THREE_BLOCKS + 'ffff'))).toEqual(blocks);
  });

  it('refuses to encode 0 or more than 4 blocks', () => {
    expect(() => encodeSack([])).toThrow(ProtocolError);
    expect(() => encodeSack([...blocks, ...blocks])).toThrow(
      expect.objectContaining({ code: 'invalid-length' }),
    );
    expect(decodeSack(encodeSack([...blocks, { left: 0xfffffff0, right: 0x10 }]))).toHaveLength(4);
  });
});
