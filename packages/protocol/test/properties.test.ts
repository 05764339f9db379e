// Property tests (fast-check): round trips for every codec, every truncation and bit flip of a
// packet rejected, and arbitrary input only ever throwing ProtocolError.
import fc from 'fast-check';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { BeaconMessage, PacketInit, TunnelFrame } from '../src/index.js';
import {
  DataFrameDecoder,
  EventFrameDecoder,
  ProtocolError,
  classifyDatagram,
  crc32,
  decodeAddr,
  decodeBeaconMessage,
  decodeDataFrame,
  decodeEventFrame,
  decodeFilePayload,
  decodePacket,
  decodeSack,
  decodeTunnelFrame,
  encodeAddr,
  encodeBeaconMessage,
  encodeDataFrame,
  encodeEventFrame,
  encodeFilePayload,
  encodePacket,
  encodeSack,
  encodeTunnelFrame,
  formatAddr,
  formatIp,
  formatSocketAddr,
  makeAddr,
  parseAddr,
  parseIp,
  parseSocketAddr,
  seqAdd,
  seqAfter,
  seqBefore,
  seqDiff,
} from '../src/index.js';

const RUNS = { numRuns: 100 };
const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const bytes = (maxLength: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ maxLength });
const fixed = (n: number): fc.Arbitrary<Uint8Array> =>
  fc.uint8Array({ minLength: n, maxLength: n });
const addr = fc.tuple(u16, u32).map(([n, node]) => makeAddr(n, node));

const packet: fc.Arbitrary<PacketInit> = fc.record({
  flags: fc.integer({ min: 0, max: 15 }),
  proto: u8,
  src: addr,
  dst: addr,
  srcPort: u16,
  dstPort: u16,
  seq: u32,
  ack: u32,
  window: u16,
  payload: bytes(256),
});

/** Runs `fn`; passes when it returns or throws a ProtocolError, fails on anything else. */
function onlyProtocolErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
  }
}

/** Asserts `fn` throws a ProtocolError. */
function rejects(fn: () => unknown): void {
  expect(fn).toThrow(ProtocolError);
}

/** Splits `data` at the given cut points (taken modulo its length). */
function chunk(data: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => (data.length === 0 ? 0 : c % data.length)))].sort(
    (a, b) => a - b,
  );
  const out: Uint8Array[] = [];
  let at = 0;
  for (const p of points) {
    out.push(data.subarray(at, p));
    at = p;
  }
  out.push(data.subarray(at));
  return out;
}

describe('round trips', () => {
  it('addresses: text, bytes and socket addresses', () => {
    fc.assert(
      fc.property(addr, u16, (a, port) => {
        expect(parseAddr(formatAddr(a))).toEqual(a);
        expect(parseAddr(formatAddr(a).toLowerCase())).toEqual(a);
        expect(decodeAddr(encodeAddr(a))).toEqual(a);
        expect(parseSocketAddr(formatSocketAddr({ addr: a, port }))).toEqual({ addr: a, port });
      }),
      RUNS,
    );
  });

  it('packets', () => {
    fc.assert(
      fc.property(packet, (p) => {
        const bytes = encodePacket(p);
        expect(decodePacket(bytes)).toEqual(p);
      }),
      RUNS,
    );
  });

  it('crc32 equals zlib.crc32 and composes', () => {
    fc.assert(
      fc.property(bytes(2048), fc.nat(), (data, cut) => {
        expect(crc32(data)).toBe(zlibCrc32(data));
        const at = data.length === 0 ? 0 : cut % data.length;
        expect(crc32(data.subarray(at), crc32(data.subarray(0, at)))).toBe(crc32(data));
      }),
      RUNS,
    );
  });

  it('tunnel frames', () => {
    const frame: fc.Arbitrary<TunnelFrame> = fc.oneof(
      bytes(128).map((packet) => ({ kind: 'plain' as const, packet })),
      fc.record({
        kind: fc.constant('encrypted' as const),
        sender: u32,
        nonce: fixed(12),
        ciphertext: fc.uint8Array({ minLength: 16, maxLength: 128 }),
      }),
      fc.record({ kind: fc.constant('key-exchange' as const), sender: u32, x25519: fixed(32) }),
      fc.record({
        kind: fc.constant('auth-key-exchange' as const),
        sender: u32,
        x25519: fixed(32),
        ed25519: fixed(32),
        signature: fixed(64),
      }),
      fc.constant({ kind: 'punch' as const }),
      u32.map((sender) => ({ kind: 'punch' as const, sender })),
    );
    fc.assert(
      fc.property(frame, (f) => {
        const encoded = encodeTunnelFrame(f);
        expect(decodeTunnelFrame(encoded)).toEqual(f);
        expect(classifyDatagram(encoded)).toBe('tunnel');
      }),
      RUNS,
    );
  });

  it('SACK blocks', () => {
    const block = fc.record({ left: u32, right: u32 });
    fc.assert(
      fc.property(fc.array(block, { minLength: 1, maxLength: 4 }), (blocks) => {
        expect(decodeSack(encodeSack(blocks))).toEqual(blocks);
      }),
      RUNS,
    );
  });

  it('beacon messages', () => {
    const endpoint = fc
      .tuple(fc.oneof(fixed(4), fixed(16)), u16)
      .map(([ip, port]) => ({ address: formatIp(ip), port }));
    const message: fc.Arbitrary<BeaconMessage> = fc.oneof(
      fc.record({ kind: fc.constant('discover' as const), node: u32 }),
      fc.record({ kind: fc.constant('discover-reply' as const), endpoint }),
      fc.record({ kind: fc.constant('punch-request' as const), requester: u32, target: u32 }),
      fc.record({ kind: fc.constant('punch-command' as const), endpoint }),
      fc.record({ kind: fc.constant('relay' as const), sender: u32, dest: u32, frame: bytes(64) }),
      fc.record({ kind: fc.constant('relay-deliver' as const), sender: u32, frame: bytes(64) }),
      fc.record({
        kind: fc.constant('sync' as const),
        beaconId: u32,
        nodes: fc.array(u32, { maxLength: 32 }),
      }),
    );
    fc.assert(
      fc.property(message, (m) => {
        expect(decodeBeaconMessage(encodeBeaconMessage(m))).toEqual(m);
      }),
      RUNS,
    );
  });

  it('IP addresses', () => {
    fc.assert(
      fc.property(fc.oneof(fixed(4), fixed(16)), (ip) => {
        expect(parseIp(formatIp(ip))).toEqual(ip);
      }),
      RUNS,
    );
  });

  it('data-exchange frames, FILE payloads and the incremental decoder', () => {
    const frame = fc.record({ type: u32, payload: bytes(300) });
    fc.assert(
      fc.property(
        fc.array(frame, { maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (frames, cuts) => {
          const encoded = frames.map(encodeDataFrame);
          encoded.forEach((e, i) => expect(decodeDataFrame(e)).toEqual(frames[i]));
          const stream = new Uint8Array(encoded.reduce((n, e) => n + e.length, 0));
          let at = 0;
          for (const e of encoded) {
            stream.set(e, at);
            at += e.length;
          }
          const decoder = new DataFrameDecoder();
          const out = chunk(stream, cuts).flatMap((c) => decoder.push(c));
          expect(out).toEqual(frames);
          decoder.end();
        },
      ),
      RUNS,
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), bytes(100), (name, data) => {
        expect(decodeFilePayload(encodeFilePayload({ name, data }))).toEqual({ name, data });
      }),
      RUNS,
    );
  });

  it('event frames and the incremental decoder', () => {
    const frame = fc.record({
      topic: fc.string({ maxLength: 64, unit: 'grapheme' }),
      payload: bytes(300),
    });
    fc.assert(
      fc.property(
        fc.array(frame, { maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (frames, cuts) => {
          const encoded = frames.map(encodeEventFrame);
          encoded.forEach((e, i) => expect(decodeEventFrame(e)).toEqual(frames[i]));
          const stream = Uint8Array.from(encoded.flatMap((e) => [...e]));
          const decoder = new EventFrameDecoder();
          const out = chunk(stream, cuts).flatMap((c) => decoder.push(c));
          expect(out).toEqual(frames);
          decoder.end();
        },
      ),
      RUNS,
    );
  });

  it('sequence arithmetic', () => {
    fc.assert(
      fc.property(u32, fc.integer({ min: -(2 ** 31) + 1, max: 2 ** 31 - 1 }), (a, n) => {
        const b = seqAdd(a, n);
        expect(seqDiff(b, a)).toBe(n);
        expect(seqAfter(b, a)).toBe(n > 0);
        expect(seqBefore(b, a)).toBe(n < 0);
        expect(seqAfter(a, b)).toBe(seqBefore(b, a));
      }),
      RUNS,
    );
  });
});

describe('packet corruption', () => {
  it('rejects every truncation', () => {
    fc.assert(
      fc.property(packet, (p) => {
        const encoded = encodePacket(p);
        for (let len = 0; len < encoded.length; len++) {
          rejects(() => decodePacket(encoded.subarray(0, len)));
        }
      }),
      { numRuns: 30 },
    );
  });

  it('rejects every single-bit flip and leaves the input untouched', () => {
    const small = packet.map((p) => ({ ...p, payload: p.payload!.subarray(0, 24) }));
    fc.assert(
      fc.property(small, (p) => {
        const encoded = encodePacket(p);
        for (let bit = 0; bit < encoded.length * 8; bit++) {
          const copy = encoded.slice();
          copy[bit >>> 3] ^= 1 << (bit & 7);
          const before = copy.slice();
          rejects(() => decodePacket(copy));
          expect(copy).toEqual(before);
        }
      }),
      { numRuns: 20 },
    );
  });
});

describe('arbitrary input only throws ProtocolError and is never modified', () => {
  const decoders: ReadonlyArray<readonly [string, (b: Uint8Array) => unknown]> = [
    ['decodePacket', decodePacket],
    ['decodeTunnelFrame', decodeTunnelFrame],
    ['decodeBeaconMessage', decodeBeaconMessage],
    ['decodeSack', decodeSack],
    ['decodeDataFrame', decodeDataFrame],
    ['decodeEventFrame', decodeEventFrame],
    ['decodeFilePayload', decodeFilePayload],
    ['decodeAddr', (b) => decodeAddr(b)],
    ['classifyDatagram', classifyDatagram],
    ['formatIp', formatIp],
  ];
  it.each(decoders)('%s', (_name, decode) => {
    // Bias towards plausible prefixes so the deeper branches are reached.
    const prefix = fc.constantFrom(
      [],
      [0x50, 0x49, 0x4c, 0x54],
      [0x50, 0x49, 0x4c, 0x53],
      [0x50, 0x49, 0x4c, 0x41],
      [0x53, 0x41, 0x43, 0x4b],
      [0x02, 0x04],
      [0x07],
      [0x11, 0x01, 0x00, 0x00],
    );
    fc.assert(
      fc.property(prefix, bytes(200), (head, tail) => {
        const input = Uint8Array.from([...head, ...tail]);
        const before = input.slice();
        onlyProtocolErrors(() => decode(input));
        expect(input).toEqual(before);
      }),
      { numRuns: 200 },
    );
  });

  it('incremental decoders', () => {
    fc.assert(
      fc.property(fc.array(bytes(40), { maxLength: 6 }), (chunks) => {
        for (const decoder of [new DataFrameDecoder(), new EventFrameDecoder()]) {
          onlyProtocolErrors(() => {
            for (const c of chunks) decoder.push(c);
            decoder.end();
          });
        }
      }),
      RUNS,
    );
  });

  it('text parsers', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.stringMatching(/^[0-9]{1,6}:[0-9a-fA-FxZ.]{0,20}(:[0-9-]{0,6})?$/),
      fc.stringMatching(/^[0-9a-fA-F:.%]{0,45}$/),
    );
    fc.assert(
      fc.property(text, (t) => {
        onlyProtocolErrors(() => parseAddr(t));
        onlyProtocolErrors(() => parseSocketAddr(t));
        onlyProtocolErrors(() => parseIp(t));
      }),
      { numRuns: 300 },
    );
  });
});
