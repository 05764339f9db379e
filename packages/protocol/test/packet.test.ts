import { describe, expect, it } from 'vitest';
import type { PacketInit } from '../src/index.js';
import {
  Flags,
  PACKET_HEADER_SIZE,
  Proto,
  decodePacket,
  encodePacket,
  encodePacketHeaderInto,
  encodePacketInto,
  formatFlags,
  hasFlags,
  makeAddr,
  packetChecksum,
  seqAdd,
  seqAfter,
  seqAfterOrEqual,
  seqBefore,
  seqBeforeOrEqual,
  seqCompare,
  seqDiff,
  seqMax,
} from '../src/index.js';
import { HELLO_PACKET, SYN_PACKET, hex, toHex } from './fixtures/goldens.js';
import { codeOf } from './fixtures/error-code.js';

const base: PacketInit = {
  proto: Proto.STREAM,
  src: makeAddr(0, 1),
  dst: makeAddr(0, 2),
  srcPort: 49152,
  dstPort: 1000,
};

describe('packet golden vectors', () => {
  it('encodes the SYN vector (CRC 145ed874)', () => {
    const bytes = encodePacket({ ...base, flags: Flags.SYN, window: 512 });
    expect(toHex(bytes)).toBe(toHex(hex(SYN_PACKET)));
    expect(packetChecksum(bytes).toString(16)).toBe('145ed874');
  });

  it('encodes the "hello" ACK vector (CRC 5ee872c8)', () => {
    const bytes = encodePacket({
      ...base,
      flags: Flags.ACK,
      seq: 1,
      ack: 1,
      window: 502,
      payload: new TextEncoder().encode('hello'),
    });
    expect(toHex(bytes)).toBe(toHex(hex(HELLO_PACKET)));
  });

  it('decodes both vectors', () => {
    const syn = decodePacket(hex(SYN_PACKET));
    expect(syn).toMatchObject({
      flags: Flags.SYN,
      proto: Proto.STREAM,
      src: { network: 0, node: 1 },
      dst: { network: 0, node: 2 },
      srcPort: 49152,
      dstPort: 1000,
      seq: 0,
      ack: 0,
      window: 512,
    });
    expect(syn.payload.length).toBe(0);
    const hello = decodePacket(hex(HELLO_PACKET));
    expect(new TextDecoder().decode(hello.payload)).toBe('hello');
    expect([hello.flags, hello.seq, hello.ack, hello.window]).toEqual([Flags.ACK, 1, 1, 502]);
  });
});

describe('packet layout', () => {
  it('puts every field at its offset', () => {
    const bytes = encodePacket({
      flags: 0xf,
      proto: 0x02,
      src: makeAddr(0x0102, 0x03040506),
      dst: makeAddr(0x0708, 0x090a0b0c),
      srcPort: 0x0d0e,
      dstPort: 0x0f10,
      seq: 0x11121314,
      ack: 0x15161718,
      window: 0x191a,
    });
    expect(toHex(bytes.subarray(0, 30))).toBe(
      '1f020000010203040506' + '0708090a0b0c' + '0d0e0f10' + '11121314' + '15161718' + '191a',
    );
  });

  it('round-trips every flag nibble and full-range seq/ack', () => {
    for (let flags = 0; flags <= 0xf; flags++) {
      const p = decodePacket(encodePacket({ ...base, flags, seq: 0xdeadbeef, ack: 0xcafebabe }));
      expect(p.flags).toBe(flags);
      expect(p.seq).toBe(0xdeadbeef);
      expect(p.ack).toBe(0xcafebabe);
    }
  });

  it('ignores trailing bytes', () => {
    const bytes = new Uint8Array([...hex(HELLO_PACKET), 0xaa, 0xbb]);
    expect(new TextDecoder().decode(decodePacket(bytes).payload)).toBe('hello');
  });

  it('encodes into a buffer at an offset', () => {
    const target = new Uint8Array(4 + PACKET_HEADER_SIZE);
    expect(encodePacketInto({ ...base, flags: Flags.SYN, window: 512 }, target, 4)).toBe(34);
    expect(toHex(target.subarray(4))).toBe(toHex(hex(SYN_PACKET)));
    expect(codeOf(() => encodePacketInto(base, new Uint8Array(33)))).toBe('invalid-field');
  });

  it('encodes a header whose checksum covers a payload it does not copy', () => {
    const payload = new TextEncoder().encode('hello');
    const packet = { ...base, flags: Flags.ACK, seq: 1, ack: 1, window: 512, payload };
    const header = new Uint8Array(2 + PACKET_HEADER_SIZE);
    expect(encodePacketHeaderInto(packet, header, 2)).toBe(PACKET_HEADER_SIZE);
    const joined = new Uint8Array([...header.subarray(2), ...payload]);
    expect(toHex(joined)).toBe(toHex(encodePacket(packet)));
    expect(decodePacket(joined).payload).toEqual(payload);
    expect(codeOf(() => encodePacketHeaderInto(packet, new Uint8Array(33)))).toBe('invalid-field');
    expect(codeOf(() => encodePacketHeaderInto({ ...packet, window: 1 << 16 }, header))).toBe(
      'invalid-field',
    );
  });
});

describe('packet rejection', () => {
  it('rejects short and truncated input', () => {
    expect(codeOf(() => decodePacket(new Uint8Array(33)))).toBe('truncated');
    expect(() => decodePacket(new Uint8Array(33))).toThrow(/too short/);
    expect(codeOf(() => decodePacket(hex(HELLO_PACKET).subarray(0, 38)))).toBe('truncated');
    expect(() => decodePacket(hex(HELLO_PACKET).subarray(0, 38))).toThrow(/truncated/);
  });

  it('rejects a flipped payload byte without modifying the input', () => {
    const bytes = hex(HELLO_PACKET);
    bytes[36] ^= 0x01;
    const before = toHex(bytes);
    expect(codeOf(() => decodePacket(bytes))).toBe('checksum-mismatch');
    expect(toHex(bytes)).toBe(before);
  });

  it('skips only the checksum when told the bytes were authenticated otherwise', () => {
    const bytes = hex(HELLO_PACKET);
    bytes[31] ^= 0x01; // the checksum field itself
    expect(codeOf(() => decodePacket(bytes))).toBe('checksum-mismatch');
    const p = decodePacket(bytes, { verifyChecksum: false });
    expect(new TextDecoder().decode(p.payload)).toBe('hello');
    expect(codeOf(() => decodePacket(bytes.subarray(0, 38), { verifyChecksum: false }))).toBe(
      'truncated',
    );
    const v2 = hex(HELLO_PACKET);
    v2[0] = 0x21;
    expect(codeOf(() => decodePacket(v2, { verifyChecksum: false }))).toBe('unsupported-version');
  });

  it('rejects another version even with a valid checksum', () => {
    const bytes = hex(SYN_PACKET);
    bytes[0] = 0x21;
    new DataView(bytes.buffer).setUint32(30, packetChecksum(bytes));
    expect(codeOf(() => decodePacket(bytes))).toBe('unsupported-version');
  });

  it('refuses to encode a 65536-byte payload and accepts 65535', () => {
    expect(codeOf(() => encodePacket({ ...base, payload: new Uint8Array(65536) }))).toBe(
      'too-large',
    );
    expect(
      decodePacket(encodePacket({ ...base, payload: new Uint8Array(65535) })).payload.length,
    ).toBe(65535);
  });

  it('range-checks fields', () => {
    expect(codeOf(() => encodePacket({ ...base, flags: 16 }))).toBe('invalid-field');
    expect(codeOf(() => encodePacket({ ...base, seq: -1 }))).toBe('invalid-field');
    expect(codeOf(() => encodePacket({ ...base, window: 65536 }))).toBe('invalid-field');
    expect(codeOf(() => encodePacket({ ...base, srcPort: 70000 }))).toBe('invalid-field');
  });
});

describe('flags', () => {
  it('tests and names flags', () => {
    expect(hasFlags(Flags.SYN | Flags.ACK, Flags.SYN)).toBe(true);
    expect(hasFlags(Flags.SYN, Flags.SYN | Flags.ACK)).toBe(false);
    expect(formatFlags(Flags.SYN | Flags.ACK)).toBe('SYN|ACK');
    expect(formatFlags(0)).toBe('-');
  });
});

describe('sequence arithmetic', () => {
  it('compares across the wrap', () => {
    expect(seqAfter(1, 0xffffffff)).toBe(true);
    expect(seqBefore(0xffffffff, 1)).toBe(true);
    expect(seqAfter(5, 5)).toBe(false);
    expect(seqAfterOrEqual(5, 5)).toBe(true);
    expect(seqBeforeOrEqual(4, 5)).toBe(true);
    expect(seqDiff(2, 0xfffffffe)).toBe(4);
    expect(seqAdd(0xfffffffe, 4)).toBe(2);
    expect(seqAdd(1, -2)).toBe(0xffffffff);
    expect(seqCompare(0, 0x7fffffff)).toBe(-1);
    expect(seqMax(0xfffffff0, 0x10)).toBe(0x10);
    expect([3, 0xfffffffe, 1].sort(seqCompare)).toEqual([0xfffffffe, 1, 3]);
  });
});
