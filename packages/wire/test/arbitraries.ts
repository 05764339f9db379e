// fast-check arbitraries for every payload; strings stay within their field's limits so that a round
// trip is exact (truncation is covered by example tests).
import fc from 'fast-check';

const utf8 = new TextEncoder();
const fitsBytes = (max: number) => (s: string) => utf8.encode(s).length <= max;

export const u32 = fc.integer({ min: 0, max: 0xffffffff });
export const u16 = fc.integer({ min: 0, max: 0xffff });
export const sig = fc.uint8Array({ minLength: 64, maxLength: 64 });
const short = fc.string({ unit: 'grapheme', maxLength: 40 }).filter(fitsBytes(255));
const wide = fc.string({ unit: 'grapheme', maxLength: 80 });

export const heartbeatReq = fc.record({ nodeId: u32, signature: sig });
export const heartbeatResp = fc.record({
  unixTime: fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
  keyExpiryWarning: fc.boolean(),
});
export const lookupResult = fc.record({
  nodeId: u32,
  public: fc.boolean(),
  taskExec: fc.boolean(),
  networks: fc.array(u16, { maxLength: 20 }),
  pubKey: fc.uint8Array({ maxLength: 255 }),
  hostname: short,
  tags: fc.array(short, { maxLength: 12 }),
  realAddr: wide,
  externalId: short,
});
export const resolveReq = fc.record({ nodeId: u32, requesterId: u32, signature: sig });
export const resolveResult = fc.record({
  nodeId: u32,
  realAddr: wide,
  lanAddrs: fc.array(wide, { maxLength: 8 }),
  keyAgeDays: fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 0xfffffffe })),
});
export const errorMessage = fc.string({ unit: 'grapheme', maxLength: 200 });
export const jsonObject = fc.dictionary(
  fc.string({ maxLength: 10 }),
  fc.jsonValue({ maxDepth: 2 }),
  { maxKeys: 6 },
) as fc.Arbitrary<Record<string, unknown>>;
