import { describe, expect, it } from 'vitest';
import {
  AUTH_CHALLENGE_SIZE,
  ENCRYPTED_FRAME_OVERHEAD,
  Flags,
  Proto,
  TunnelMagic,
  authChallenge,
  classifyDatagram,
  decodeNonce,
  decodePacket,
  decodeTunnelFrame,
  encodeNonce,
  encodePlainPacketFrame,
  encodeTunnelFrame,
  makeAddr,
  nodeIdBytes,
} from '../src/index.js';
import { SYN_PACKET, hex, toHex } from './fixtures/goldens.js';
import { codeOf } from './fixtures/error-code.js';

const fill = (n: number, v: number): Uint8Array => new Uint8Array(n).fill(v);

describe('tunnel frames', () => {
  it('has the magics of the reference', () => {
    const ascii = (n: number): string =>
      String.fromCharCode(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
    expect(Object.values(TunnelMagic).map(ascii)).toEqual(['PILT', 'PILS', 'PILK', 'PILA', 'PILP']);
  });

  it('frames a plaintext packet as PILT ‖ packet', () => {
    const bytes = encodePlainPacketFrame({
      flags: Flags.SYN,
      proto: Proto.STREAM,
      src: makeAddr(0, 1),
      dst: makeAddr(0, 2),
      srcPort: 49152,
      dstPort: 1000,
      window: 512,
    });
    expect(toHex(bytes)).toBe('50494c54' + toHex(hex(SYN_PACKET)));
    expect(toHex(encodeTunnelFrame({ kind: 'plain', packet: hex(SYN_PACKET) }))).toBe(toHex(bytes));
    const frame = decodeTunnelFrame(bytes);
    expect(frame.kind).toBe('plain');
    if (frame.kind === 'plain') expect(decodePacket(frame.packet).window).toBe(512);
  });

  it('lays out PILS as [node][nonce][ciphertext+tag]', () => {
    const bytes = encodeTunnelFrame({
      kind: 'encrypted',
      sender: 0x01020304,
      nonce: fill(12, 0xaa),
      ciphertext: fill(20, 0xbb),
    });
    expect(toHex(bytes)).toBe('50494c53' + '01020304' + 'aa'.repeat(12) + 'bb'.repeat(20));
    expect(bytes.length).toBe(ENCRYPTED_FRAME_OVERHEAD - 16 + 20);
    expect(decodeTunnelFrame(bytes)).toEqual({
      kind: 'encrypted',
      sender: 0x01020304,
      nonce: fill(12, 0xaa),
      ciphertext: fill(20, 0xbb),
    });
  });

  it('requires PILS to hold node, nonce and a full tag', () => {
    const min = hex('50494c53' + '00000001' + '00'.repeat(12 + 16));
    expect(decodeTunnelFrame(min).kind).toBe('encrypted');
    expect(codeOf(() => decodeTunnelFrame(min.subarray(0, min.length - 1)))).toBe('truncated');
    expect(
      codeOf(() =>
        encodeTunnelFrame({
          kind: 'encrypted',
          sender: 1,
          nonce: fill(12, 0),
          ciphertext: fill(15, 0),
        }),
      ),
    ).toBe('invalid-field');
  });

  it('lays out PILK and PILA', () => {
    const pilk = encodeTunnelFrame({ kind: 'key-exchange', sender: 7, x25519: fill(32, 1) });
    expect(toHex(pilk)).toBe('50494c4b' + '00000007' + '01'.repeat(32));
    const pila = encodeTunnelFrame({
      kind: 'auth-key-exchange',
      sender: 7,
      x25519: fill(32, 1),
      ed25519: fill(32, 2),
      signature: fill(64, 3),
    });
    expect(pila.length).toBe(4 + 4 + 32 + 32 + 64);
    expect(toHex(pila)).toBe(
      '50494c41' + '00000007' + '01'.repeat(32) + '02'.repeat(32) + '03'.repeat(64),
    );
    expect(decodeTunnelFrame(pila)).toEqual({
      kind: 'auth-key-exchange',
      sender: 7,
      x25519: fill(32, 1),
      ed25519: fill(32, 2),
      signature: fill(64, 3),
    });
    expect(codeOf(() => decodeTunnelFrame(pila.subarray(0, pila.length - 1)))).toBe('truncated');
    expect(codeOf(() => decodeTunnelFrame(pilk.subarray(0, 39)))).toBe('truncated');
    expect(
      codeOf(() => encodeTunnelFrame({ kind: 'key-exchange', sender: 7, x25519: fill(31, 1) })),
    ).toBe('invalid-field');
  });

  it('accepts PILP with and without a sender', () => {
    expect(toHex(encodeTunnelFrame({ kind: 'punch' }))).toBe('50494c50');
    expect(toHex(encodeTunnelFrame({ kind: 'punch', sender: 9 }))).toBe('50494c5000000009');
    expect(decodeTunnelFrame(hex('50494c50'))).toEqual({ kind: 'punch' });
    expect(decodeTunnelFrame(hex('50494c5000000009'))).toEqual({ kind: 'punch', sender: 9 });
  });

  it('rejects unknown magics and short input', () => {
    expect(codeOf(() => decodeTunnelFrame(hex('50494c58')))).toBe('unknown-magic');
    expect(codeOf(() => decodeTunnelFrame(hex('5049')))).toBe('truncated');
  });

  it('decodes without copying or modifying the input', () => {
    const bytes = encodeTunnelFrame({ kind: 'key-exchange', sender: 7, x25519: fill(32, 1) });
    const frame = decodeTunnelFrame(bytes);
    if (frame.kind !== 'key-exchange') throw new Error('wrong kind');
    expect(frame.x25519.buffer).toBe(bytes.buffer);
  });
});

describe('auth challenge and nonces', () => {
  it('is auth ‖ node BE ‖ x25519 (40 bytes)', () => {
    const key = new Uint8Array(32).map((_, i) => i);
    const challenge = authChallenge(0x0000002a, key);
    expect(challenge.length).toBe(AUTH_CHALLENGE_SIZE);
    expect(toHex(challenge)).toBe('61757468' + '0000002a' + toHex(key));
  });

  it('encodes the node-id AAD and nonces', () => {
    expect(toHex(nodeIdBytes(0xf2910004))).toBe('f2910004');
    const nonce = encodeNonce(hex('deadbeef'), 1n);
    expect(toHex(nonce)).toBe('deadbeef0000000000000001');
    expect(decodeNonce(nonce)).toEqual({ prefix: hex('deadbeef'), counter: 1n });
    expect(codeOf(() => encodeNonce(hex('dead'), 1n))).toBe('invalid-field');
    expect(codeOf(() => encodeNonce(hex('deadbeef'), 2n ** 64n))).toBe('invalid-field');
  });
});

describe('classifyDatagram', () => {
  it.each([
    ['01 0000002a', 'beacon'],
    ['0f', 'beacon'],
    ['00', 'beacon'],
    ['50494c54 00', 'tunnel'],
    ['50494c53', 'tunnel'],
    ['50494c4b', 'tunnel'],
    ['50494c41', 'tunnel'],
    ['50494c50', 'tunnel'],
    ['50494c58', 'unknown'],
    ['5049', 'unknown'],
    ['10', 'unknown'],
    ['', 'unknown'],
    ['68656c6c6f', 'unknown'],
  ])('%s → %s', (bytes, kind) => {
    expect(classifyDatagram(hex(bytes))).toBe(kind);
  });
});
