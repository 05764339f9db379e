import { describe, expect, it } from 'vitest';
import {
  ADDR_SIZE,
  Port,
  UNSPECIFIED_ADDR,
  addrEquals,
  broadcastAddr,
  decodeAddr,
  encodeAddr,
  formatAddr,
  formatSocketAddr,
  isBroadcastAddr,
  isUnspecifiedAddr,
  makeAddr,
  parseAddr,
  parseSocketAddr,
  portRange,
} from '../src/index.js';
import { ADDRESS_BYTES, ADDRESS_TEXT, BAD_ADDRESS_TEXT, hex, toHex } from './fixtures/goldens.js';
import { codeOf } from './fixtures/error-code.js';

describe('address text', () => {
  it.each(ADDRESS_TEXT)('{%d, %d} ⇄ %s', (network, node, text) => {
    expect(formatAddr(makeAddr(network, node))).toBe(text);
    expect(parseAddr(text)).toEqual({ network, node });
  });

  it('parses hex case-insensitively and formats upper case', () => {
    expect(formatAddr(parseAddr('1:0001.f291.0004'))).toBe('1:0001.F291.0004');
  });

  it.each(BAD_ADDRESS_TEXT)('rejects %j', (text) => {
    expect(codeOf(() => parseAddr(text))).toBe('invalid-address');
  });

  it('names the network mismatch', () => {
    expect(() => parseAddr('1:0000.0000.0001')).toThrow(/network mismatch/);
  });

  it('has the special addresses', () => {
    expect(formatAddr(UNSPECIFIED_ADDR)).toBe('0:0000.0000.0000');
    expect(isUnspecifiedAddr(parseAddr('0:0000.0000.0000'))).toBe(true);
    expect(formatAddr(broadcastAddr(0))).toBe('0:0000.FFFF.FFFF');
    expect(formatAddr(broadcastAddr(5))).toBe('5:0005.FFFF.FFFF');
    expect(isBroadcastAddr(broadcastAddr(5))).toBe(true);
    expect(isBroadcastAddr(makeAddr(5, 1))).toBe(false);
  });

  it('compares by value', () => {
    expect(addrEquals(parseAddr('23:0017.0000.0001'), makeAddr(23, 1))).toBe(true);
    expect(addrEquals(makeAddr(23, 1), makeAddr(23, 2))).toBe(false);
  });

  it('range-checks makeAddr', () => {
    expect(codeOf(() => makeAddr(65536, 0))).toBe('invalid-field');
    expect(codeOf(() => makeAddr(0, 2 ** 32))).toBe('invalid-field');
    expect(codeOf(() => makeAddr(0, 1.5))).toBe('invalid-field');
  });
});

describe('address bytes', () => {
  it('encodes {0x0001, 0x00020003} big-endian', () => {
    expect(toHex(encodeAddr(makeAddr(0x0001, 0x00020003)))).toBe(toHex(hex(ADDRESS_BYTES)));
    expect(decodeAddr(hex(ADDRESS_BYTES))).toEqual({ network: 1, node: 0x00020003 });
  });

  it('decodes at an offset and rejects short input', () => {
    const buf = new Uint8Array([9, ...hex(ADDRESS_BYTES)]);
    expect(decodeAddr(buf, 1)).toEqual({ network: 1, node: 0x00020003 });
    expect(codeOf(() => decodeAddr(buf.subarray(0, ADDR_SIZE), 1))).toBe('truncated');
  });

  it('keeps the top node bit unsigned', () => {
    expect(decodeAddr(encodeAddr(makeAddr(0xffff, 0xffffffff)))).toEqual({
      network: 0xffff,
      node: 0xffffffff,
    });
  });
});

describe('socket addresses', () => {
  it.each([
    ['0:0000.0000.0001:1000', 0, 1, 1000],
    ['1:0001.F291.0004:80', 1, 0xf2910004, 80],
    ['0:0000.0000.002A:65535', 0, 0x2a, 65535],
  ])('parses %s', (text, network, node, port) => {
    const sa = parseSocketAddr(text);
    expect(sa).toEqual({ addr: { network, node }, port });
    expect(formatSocketAddr(sa)).toBe(text);
  });

  it.each(['0:0000.0000.0001:', '0:0000.0000.0001:99999', '0:0000.0000.0001:-1', 'x'])(
    'rejects %j',
    (text) => {
      expect(['invalid-port', 'invalid-address']).toContain(codeOf(() => parseSocketAddr(text)));
    },
  );

  it('rejects an empty or oversized port specifically', () => {
    expect(codeOf(() => parseSocketAddr('0:0000.0000.0001:'))).toBe('invalid-port');
    expect(codeOf(() => parseSocketAddr('0:0000.0000.0001:99999'))).toBe('invalid-port');
  });
});

describe('ports', () => {
  it('has the well-known ports', () => {
    expect([Port.ECHO, Port.HANDSHAKE, Port.STDIO, Port.DATA_EXCHANGE, Port.EVENT_STREAM]).toEqual([
      7, 444, 1000, 1001, 1002,
    ]);
  });

  it('classifies ranges at their edges', () => {
    expect(portRange(0)).toBe('reserved');
    expect(portRange(1023)).toBe('reserved');
    expect(portRange(1024)).toBe('registered');
    expect(portRange(49151)).toBe('registered');
    expect(portRange(49152)).toBe('ephemeral');
    expect(portRange(65535)).toBe('ephemeral');
    expect(codeOf(() => portRange(65536))).toBe('invalid-port');
  });
});
