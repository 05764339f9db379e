// Table of every payload codec by frame type, shared by the golden, property and fuzz suites.
import {
  decodeError,
  decodeHeartbeatReq,
  decodeHeartbeatResp,
  decodeLookupReq,
  decodeLookupResp,
  decodeResolveReq,
  decodeResolveResp,
  encodeError,
  encodeHeartbeatReq,
  encodeHeartbeatResp,
  encodeLookupReq,
  encodeLookupResp,
  encodeResolveReq,
  encodeResolveResp,
} from '../src/index.js';
import type {
  HeartbeatReq,
  HeartbeatResp,
  LookupResult,
  ResolveReq,
  ResolveResult,
} from '../src/index.js';

export interface CodecEntry {
  name: string;
  type: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- one table for differently typed codecs
  encode(value: any): Uint8Array;
  decode(payload: Uint8Array): unknown;
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

export const codecs: Record<number, CodecEntry> = {
  0x00: {
    name: 'json',
    type: 0x00,
    encode: (v: Record<string, unknown>) => utf8.encode(JSON.stringify(v)),
    decode: (p) => JSON.parse(fromUtf8.decode(p)),
  },
  0x01: {
    name: 'heartbeat request',
    type: 0x01,
    encode: (v: HeartbeatReq) => encodeHeartbeatReq(v.nodeId, v.signature),
    decode: decodeHeartbeatReq,
  },
  0x81: {
    name: 'heartbeat response',
    type: 0x81,
    encode: (v: HeartbeatResp) => encodeHeartbeatResp(v.unixTime, v.keyExpiryWarning),
    decode: decodeHeartbeatResp,
  },
  0x02: {
    name: 'lookup request',
    type: 0x02,
    encode: (v: number) => encodeLookupReq(v),
    decode: decodeLookupReq,
  },
  0x82: {
    name: 'lookup response',
    type: 0x82,
    encode: (v: LookupResult) => encodeLookupResp(v),
    decode: decodeLookupResp,
  },
  0x03: {
    name: 'resolve request',
    type: 0x03,
    encode: (v: ResolveReq) => encodeResolveReq(v.nodeId, v.requesterId, v.signature),
    decode: decodeResolveReq,
  },
  0x83: {
    name: 'resolve response',
    type: 0x83,
    encode: (v: ResolveResult) => encodeResolveResp(v),
    decode: decodeResolveResp,
  },
  0xff: { name: 'error', type: 0xff, encode: (v: string) => encodeError(v), decode: decodeError },
};

/** The binary payload decoders that must reject malformed input (error decoding is lenient by design). */
export const strictDecoders: [string, (p: Uint8Array) => unknown][] = [
  ['decodeHeartbeatReq', decodeHeartbeatReq],
  ['decodeHeartbeatResp', decodeHeartbeatResp],
  ['decodeLookupReq', decodeLookupReq],
  ['decodeLookupResp', decodeLookupResp],
  ['decodeResolveReq', decodeResolveReq],
  ['decodeResolveResp', decodeResolveResp],
];
