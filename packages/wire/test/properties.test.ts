import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FrameDecoder,
  MessageDecoder,
  WireError,
  decodeError,
  decodeFrame,
  decodeHeartbeatReq,
  decodeHeartbeatResp,
  decodeLookupReq,
  decodeLookupResp,
  decodeMessage,
  decodeResolveReq,
  decodeResolveResp,
  encodeError,
  encodeFrame,
  encodeHeartbeatReq,
  encodeHeartbeatResp,
  encodeLookupReq,
  encodeLookupResp,
  encodeMessage,
  encodeResolveReq,
  encodeResolveResp,
} from '../src/index.js';
import * as arb from './arbitraries.js';
import { codecs, strictDecoders } from './codecs.js';
import { goldenFrames, hex } from './fixtures/goldens.js';

const RUNS = { numRuns: 300 };

/** Runs `fn`; passes if it returns or throws a WireError, fails on any other throw. */
function onlyWireErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof WireError))
      throw new Error(`non-WireError thrown: ${String(e)}`, { cause: e });
  }
}

describe('round trips: decode(encode(x)) = x', () => {
  it('heartbeat request', () => {
    fc.assert(
      fc.property(arb.heartbeatReq, (v) => {
        expect(decodeHeartbeatReq(encodeHeartbeatReq(v.nodeId, v.signature))).toEqual(v);
      }),
      RUNS,
    );
  });
  it('heartbeat response', () => {
    fc.assert(
      fc.property(arb.heartbeatResp, (v) => {
        expect(decodeHeartbeatResp(encodeHeartbeatResp(v.unixTime, v.keyExpiryWarning))).toEqual(v);
      }),
      RUNS,
    );
  });
  it('lookup request', () => {
    fc.assert(
      fc.property(arb.u32, (v) => {
        expect(decodeLookupReq(encodeLookupReq(v))).toBe(v);
      }),
      RUNS,
    );
  });
  it('lookup response', () => {
    fc.assert(
      fc.property(arb.lookupResult, (v) => {
        expect(decodeLookupResp(encodeLookupResp(v))).toEqual(v);
      }),
      RUNS,
    );
  });
  it('resolve request', () => {
    fc.assert(
      fc.property(arb.resolveReq, (v) => {
        expect(decodeResolveReq(encodeResolveReq(v.nodeId, v.requesterId, v.signature))).toEqual(v);
      }),
      RUNS,
    );
  });
  it('resolve response', () => {
    fc.assert(
      fc.property(arb.resolveResult, (v) => {
        expect(decodeResolveResp(encodeResolveResp(v))).toEqual(v);
      }),
      RUNS,
    );
  });
  it('error', () => {
    fc.assert(
      fc.property(arb.errorMessage, (v) => {
        expect(decodeError(encodeError(v))).toBe(v);
      }),
      RUNS,
    );
  });
  it('frame', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 255 }),
        fc.uint8Array({ maxLength: 300 }),
        (type, payload) => {
          expect(decodeFrame(encodeFrame(type, payload))).toEqual({ type, payload });
        },
      ),
      RUNS,
    );
  });
  it('JSON message', () => {
    fc.assert(
      fc.property(arb.jsonObject, (v) => {
        expect(decodeMessage(encodeMessage(v))).toEqual(JSON.parse(JSON.stringify(v)));
      }),
      RUNS,
    );
  });
});

describe('every truncation of every golden frame throws WireError', () => {
  for (const g of goldenFrames) {
    it(g.name, () => {
      const full = hex(g.frame);
      for (let cut = 0; cut < full.length; cut++) {
        const partial = full.subarray(0, cut);
        expect(() => decodeFrame(partial), `cut at ${cut}`).toThrow(WireError);
        // Stream decoders hold the partial frame back, then report it at end of stream.
        const decoder = new FrameDecoder();
        expect(decoder.push(partial)).toEqual([]);
        if (cut > 0)
          expect(() => decoder.end()).toThrow(expect.objectContaining({ code: 'TRUNCATED' }));
      }
    });
    const codec = codecs[g.type];
    if (g.type !== 0x00 && g.type !== 0xff) {
      it(`${g.name}: every truncated payload throws WireError`, () => {
        const payload = decodeFrame(hex(g.frame)).payload;
        for (let cut = 0; cut < payload.length; cut++) {
          expect(() => codec.decode(payload.subarray(0, cut)), `cut at ${cut}`).toThrow(WireError);
        }
      });
    }
  }
});

describe('random bytes throw only WireError', () => {
  const bytes = fc.uint8Array({ maxLength: 200 });
  for (const [name, decode] of strictDecoders) {
    it(name, () =>
      fc.assert(
        fc.property(bytes, (b) => onlyWireErrors(() => decode(b))),
        RUNS,
      ),
    );
  }
  it('decodeError never throws', () => {
    fc.assert(
      fc.property(bytes, (b) => {
        expect(typeof decodeError(b)).toBe('string');
      }),
      RUNS,
    );
  });
  it('decodeFrame / decodeMessage', () => {
    fc.assert(
      fc.property(bytes, (b) => {
        onlyWireErrors(() => decodeFrame(b));
        onlyWireErrors(() => decodeMessage(b));
      }),
      RUNS,
    );
  });
  it('FrameDecoder / MessageDecoder over random chunks', () => {
    fc.assert(
      fc.property(fc.array(bytes, { maxLength: 5 }), (chunks) => {
        const frames = new FrameDecoder({ maxSize: 4096 });
        const messages = new MessageDecoder({ maxSize: 4096 });
        onlyWireErrors(() => chunks.forEach((c) => frames.push(c)));
        onlyWireErrors(() => chunks.forEach((c) => messages.push(c)));
      }),
      RUNS,
    );
  });
  it('mutated goldens into their own decoders', () => {
    const payloads = goldenFrames.map((g) => ({ g, payload: decodeFrame(hex(g.frame)).payload }));
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: payloads.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
        (which, edits) => {
          const { g, payload } = payloads[which];
          const mutated = payload.slice();
          if (mutated.length === 0) return;
          for (const [pos, value] of edits) mutated[pos % mutated.length] = value;
          if (g.type === 0x00) return; // JSON passthrough is parsed by the caller
          onlyWireErrors(() => codecs[g.type].decode(mutated));
        },
      ),
      RUNS,
    );
  });
});
