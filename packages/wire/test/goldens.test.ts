import { describe, expect, it } from 'vitest';
import {
  MAGIC,
  MAX_MESSAGE_SIZE,
  MsgType,
  PREAMBLE,
  VERSION,
  WRITE_MESSAGE_DEADLINE_MS,
  WireError,
  decodeError,
  decodeFrame,
  decodeMessage,
  detectProtocol,
  encodeFrame,
  encodeMessage,
} from '../src/index.js';
import type { HeartbeatResp, LookupResult } from '../src/index.js';
import { codecs, strictDecoders } from './codecs.js';
import {
  goldenErrorDecodes,
  goldenFrames,
  goldenMessages,
  goldenPreamble,
  hex,
  toHex,
} from './fixtures/goldens.js';

describe('constants', () => {
  it('match the reference', () => {
    expect(toHex(MAGIC)).toBe('50494c54');
    expect(VERSION).toBe(1);
    expect(toHex(PREAMBLE)).toBe(goldenPreamble.replace(' ', ''));
    expect(MAX_MESSAGE_SIZE).toBe(64 * 1024 * 1024);
    expect(WRITE_MESSAGE_DEADLINE_MS).toBe(5000);
    expect(MsgType).toEqual({
      JSON: 0x00,
      HEARTBEAT: 0x01,
      HEARTBEAT_OK: 0x81,
      LOOKUP: 0x02,
      LOOKUP_OK: 0x82,
      RESOLVE: 0x03,
      RESOLVE_OK: 0x83,
      ERROR: 0xff,
    });
  });
});

describe('golden frames', () => {
  for (const g of goldenFrames) {
    const codec = codecs[g.type];
    it(`${g.name}: encodes to the golden bytes`, () => {
      expect(toHex(encodeFrame(g.type, codec.encode(g.value)))).toBe(g.frame.replace(/\s+/g, ''));
    });
    it(`${g.name}: decodes from the golden bytes`, () => {
      const frame = decodeFrame(hex(g.frame));
      expect(frame.type).toBe(g.type);
      expect(codec.decode(frame.payload)).toEqual(g.value);
    });
  }

  it('covers every frame type', () => {
    expect(new Set(goldenFrames.map((g) => g.type))).toEqual(new Set(Object.values(MsgType)));
  });
});

describe('golden error decodes', () => {
  for (const g of goldenErrorDecodes) {
    it(g.name, () => expect(decodeError(hex(g.payload))).toBe(g.value));
  }
});

describe('golden JSON messages', () => {
  for (const g of goldenMessages) {
    it(`${g.name} round-trips`, () => {
      expect(toHex(encodeMessage(g.value))).toBe(g.bytes.replace(/\s+/g, ''));
      expect(decodeMessage(hex(g.bytes))).toEqual(g.value);
    });
  }
});

describe('byte-for-byte strings (leading U+FEFF)', () => {
  it('a resolve response keeps a BOM in real_addr and LAN addresses', () => {
    // [4B node 2][2B len 6][EF BB BF "1:2"][2B 1 lan][2B len 3][EF BB BF][4B key age 0]
    expect(
      codecs[0x83].decode(hex('00000002 0006 efbbbf313a32 0001 0003 efbbbf 00000000')),
    ).toEqual({
      nodeId: 2,
      realAddr: '\ufeff1:2',
      lanAddrs: ['\ufeff'],
      keyAgeDays: 0,
    });
  });
  it('a JSON string value keeps a BOM; a body that starts with one is BAD_JSON, as Go json.Unmarshal rejects it', () => {
    // {"h":"\ufeff"} as raw UTF-8
    expect(decodeMessage(hex('0000000b 7b2268223a22efbbbf227d'))).toEqual({ h: '\ufeff' });
    expect(() => decodeMessage(hex('00000005 efbbbf7b7d'))).toThrow(
      expect.objectContaining({ code: 'BAD_JSON' }),
    );
  });
});

describe('detectProtocol', () => {
  it('recognises the magic and anything else as JSON', () => {
    expect(detectProtocol(hex(goldenPreamble))).toBe('binary');
    expect(detectProtocol(MAGIC)).toBe('binary');
    expect(detectProtocol(hex('0000001e'))).toBe('json');
    expect(detectProtocol(hex('50494c53'))).toBe('json'); // PILS is not the registry magic
  });
  it('needs 4 bytes', () => {
    expect(() => detectProtocol(hex('5049'))).toThrow(
      expect.objectContaining({ code: 'TOO_SHORT' }),
    );
  });
});

describe('payload edge cases', () => {
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(WireError);
      return (e as WireError).code;
    }
    return 'no error';
  };

  it('rejects payloads below each minimum with TOO_SHORT', () => {
    const minimums: Record<string, number> = {
      decodeHeartbeatReq: 68,
      decodeHeartbeatResp: 9,
      decodeLookupReq: 4,
      decodeLookupResp: 11,
      decodeResolveReq: 72,
      decodeResolveResp: 12,
    };
    for (const [name, decode] of strictDecoders) {
      expect(
        code(() => decode(new Uint8Array(minimums[name] - 1))),
        name,
      ).toBe('TOO_SHORT');
    }
  });

  it('lookup request: 00 00 ca fe → 0xcafe', () => {
    expect(codecs[0x02].decode(hex('0000cafe'))).toBe(0xcafe);
  });

  it('names the truncated field', () => {
    // lookup response claiming 3 networks but carrying one
    expect(() => codecs[0x82].decode(hex('0000002a 01 00000000 0003 0001'))).toThrow(/networks/);
    // resolve response whose LAN address overruns
    expect(() => codecs[0x83].decode(hex('00000001 0000 0001 0009 6162 00000000'))).toThrow(
      /lan addr data at index 0/,
    );
  });

  it('heartbeat response reads only flag bit 0 and rejects times beyond safe integers', () => {
    expect(codecs[0x81].decode(hex('0000000000000001 fe'))).toEqual({
      unixTime: 1,
      keyExpiryWarning: false,
    });
    expect(code(() => codecs[0x81].decode(hex('7fffffffffffffff 00')))).toBe('OUT_OF_RANGE');
    expect(codecs[0x81].decode(hex('001fffffffffffff 00'))).toEqual({
      unixTime: Number.MAX_SAFE_INTEGER,
      keyExpiryWarning: false,
    });
    expect((codecs[0x81].decode(hex('ffe0000000000001 00')) as HeartbeatResp).unixTime).toBe(
      Number.MIN_SAFE_INTEGER,
    );
  });

  it('ignores trailing bytes after a payload, as the reference does', () => {
    expect(codecs[0x02].decode(hex('0000002a ffff'))).toBe(42);
  });

  it('pads short signatures with zeros and rejects long ones', () => {
    const req = codecs[0x01].encode({ nodeId: 1, signature: Uint8Array.of(9) });
    expect(toHex(req)).toBe('00000001' + '09' + '00'.repeat(63));
    expect(code(() => codecs[0x01].encode({ nodeId: 1, signature: new Uint8Array(65) }))).toBe(
      'OUT_OF_RANGE',
    );
    expect(
      code(() => codecs[0x03].encode({ nodeId: 1, requesterId: 2, signature: new Uint8Array(65) })),
    ).toBe('OUT_OF_RANGE');
  });

  it('rejects integers outside their field on encode instead of wrapping', () => {
    const lookup = {
      nodeId: 1,
      public: false,
      taskExec: false,
      networks: [],
      pubKey: new Uint8Array(0),
      hostname: '',
      tags: [],
      realAddr: '',
      externalId: '',
    };
    const cases: [string, () => unknown][] = [
      ['node id 2^32', () => codecs[0x02].encode(2 ** 32)],
      ['node id -1', () => codecs[0x02].encode(-1)],
      ['node id 1.5', () => codecs[0x02].encode(1.5)],
      [
        'requester NaN',
        () => codecs[0x03].encode({ nodeId: 1, requesterId: NaN, signature: new Uint8Array(64) }),
      ],
      [
        'unix time unsafe',
        () => codecs[0x81].encode({ unixTime: 2 ** 53, keyExpiryWarning: false }),
      ],
      ['network 65536', () => codecs[0x82].encode({ ...lookup, networks: [65536] })],
      [
        '65536 networks',
        () => codecs[0x82].encode({ ...lookup, networks: new Array(65536).fill(1) }),
      ],
      [
        'real addr 65536 bytes',
        () => codecs[0x82].encode({ ...lookup, realAddr: 'a'.repeat(65536) }),
      ],
      [
        'key age -2',
        () => codecs[0x83].encode({ nodeId: 1, realAddr: '', lanAddrs: [], keyAgeDays: -2 }),
      ],
      [
        'key age 2^32-1',
        () =>
          codecs[0x83].encode({ nodeId: 1, realAddr: '', lanAddrs: [], keyAgeDays: 0xffffffff }),
      ],
      [
        'lan addr 65536 bytes',
        () =>
          codecs[0x83].encode({
            nodeId: 1,
            realAddr: '',
            lanAddrs: ['x'.repeat(65536)],
            keyAgeDays: 0,
          }),
      ],
      ['frame type 256', () => encodeFrame(256, new Uint8Array(0))],
    ];
    for (const [name, fn] of cases) expect(code(fn), name).toBe('OUT_OF_RANGE');
  });

  it('truncates 1-byte-length fields to 255 bytes and tags to 255 entries, like the reference', () => {
    const long = 'h'.repeat(300);
    const bytes = codecs[0x82].encode({
      nodeId: 1,
      public: true,
      taskExec: false,
      networks: [],
      pubKey: new Uint8Array(300).fill(7),
      hostname: long,
      tags: new Array(300).fill('t'.repeat(256)),
      realAddr: 'r'.repeat(300),
      externalId: 'é'.repeat(200), // 400 UTF-8 bytes: cut at byte 255, mid-character
    });
    const r = codecs[0x82].decode(bytes) as LookupResult;
    expect(r.pubKey.length).toBe(255);
    expect(r.hostname).toBe('h'.repeat(255));
    expect(r.tags).toHaveLength(255);
    expect(r.tags[0]).toBe('t'.repeat(255));
    expect(r.realAddr).toBe('r'.repeat(300)); // 2-byte length: not truncated
    expect(r.externalId).toBe('é'.repeat(127) + '\ufffd'); // 254 bytes of é + half of one
  });

  it('truncates error messages to 65000 bytes', () => {
    const bytes = codecs[0xff].encode('x'.repeat(70000));
    expect(bytes.length).toBe(65002);
    expect(decodeError(bytes)).toBe('x'.repeat(65000));
  });
});

describe('frame and message envelopes', () => {
  it('rejects length 0 and lengths over MAX_MESSAGE_SIZE before allocating', () => {
    expect(() => decodeFrame(hex('00000000'))).toThrow(
      expect.objectContaining({ code: 'TOO_SHORT' }),
    );
    expect(() => decodeFrame(hex('04000001 00'))).toThrow(
      expect.objectContaining({ code: 'TOO_LARGE' }),
    );
    expect(() => decodeMessage(hex('00000000'))).toThrow(
      expect.objectContaining({ code: 'TOO_SHORT' }),
    );
    expect(() => decodeMessage(hex('ffffffff 7b'))).toThrow(
      expect.objectContaining({ code: 'TOO_LARGE' }),
    );
    // the magic read as a length is far above the limit
    expect(() => decodeMessage(hex('50494c54 01'))).toThrow(
      expect.objectContaining({ code: 'TOO_LARGE' }),
    );
  });

  it('accepts a frame of exactly MAX_MESSAGE_SIZE and refuses one byte more', () => {
    const payload = new Uint8Array(MAX_MESSAGE_SIZE - 1);
    const frame = encodeFrame(0x00, payload);
    expect(decodeFrame(frame).payload.length).toBe(MAX_MESSAGE_SIZE - 1);
    expect(() => encodeFrame(0x00, new Uint8Array(MAX_MESSAGE_SIZE))).toThrow(
      expect.objectContaining({ code: 'TOO_LARGE' }),
    );
  });

  it('rejects JSON messages that are not objects', () => {
    for (const body of ['[]', 'null', '42', '"s"', 'true', '{not json']) {
      const bytes = new TextEncoder().encode(body);
      const msg = new Uint8Array(4 + bytes.length);
      new DataView(msg.buffer).setUint32(0, bytes.length);
      msg.set(bytes, 4);
      expect(() => decodeMessage(msg), body).toThrow(expect.objectContaining({ code: 'BAD_JSON' }));
    }
    expect(() => encodeMessage([] as never)).toThrow(expect.objectContaining({ code: 'BAD_JSON' }));
    expect(() => encodeMessage({ n: 1n })).toThrow(expect.objectContaining({ code: 'BAD_JSON' }));
  });

  it('rejects trailing bytes after a complete frame', () => {
    expect(() => decodeFrame(hex('00000001 02 00'))).toThrow(
      expect.objectContaining({ code: 'INVALID' }),
    );
  });
});

describe('memory safety of results', () => {
  it('pooled outputs are zero-padded, distinct regions, and decoders honour byteOffset', () => {
    const a = codecs[0x01].encode({ nodeId: 1, signature: Uint8Array.of(1, 2, 3) });
    const b = codecs[0x01].encode({ nodeId: 2, signature: Uint8Array.of(4) });
    expect(toHex(a)).toBe('00000001010203' + '00'.repeat(61));
    expect(toHex(b)).toBe('0000000204' + '00'.repeat(63));
    a.fill(0xaa);
    expect(toHex(b)).toBe('0000000204' + '00'.repeat(63));
    // a payload that is a view at a non-zero offset of a bigger buffer
    const framed = hex(goldenFrames.find((g) => g.type === 0x83)!.frame);
    const view = new Uint8Array(framed.buffer, 5, framed.length - 5);
    expect(codecs[0x83].decode(view)).toEqual(
      goldenFrames.find((g) => g.name.startsWith('resolve response (ref'))!.value,
    );
  });

  it('decoded byte fields are copies, not views of the input', () => {
    const payload = hex(goldenFrames.find((g) => g.type === 0x01)!.frame).subarray(5);
    const decoded = codecs[0x01].decode(payload) as { signature: Uint8Array };
    payload.fill(0);
    expect(decoded.signature[63]).toBe(63);
  });
});
