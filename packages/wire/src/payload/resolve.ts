import { checkBytes, checkMinLength, checkUint } from '../bytes/check.js';
import { alloc } from '../bytes/alloc.js';
import { Reader, copyBytes, putBytes, readU32, writeU32 } from '../bytes/reader.js';
import { isAscii, utf8Encode } from '../bytes/utf8.js';
import type { Utf8Field } from '../bytes/writer.js';
import { Writer } from '../bytes/writer.js';
import { WireError } from '../errors/wire-error.js';

/** Decoded resolve request (frame type `RESOLVE`, 0x03). */
export interface ResolveReq {
  /** Target node id (uint32). */
  nodeId: number;
  /** Requesting node id (uint32). */
  requesterId: number;
  /** 64-byte Ed25519 signature over `resolve:<requester>:<target>` (a copy). */
  signature: Uint8Array;
}

/** Decoded resolve response (frame type `RESOLVE_OK`, 0x83). */
export interface ResolveResult {
  /** Node id (uint32). */
  nodeId: number;
  /** Public endpoint, `host:port` (at most 65535 UTF-8 bytes). */
  realAddr: string;
  /** LAN endpoints (at most 65535 of them, each at most 65535 UTF-8 bytes). */
  lanAddrs: string[];
  /** Key age in days, 0..0xFFFFFFFE, or −1 when unknown (0xFFFFFFFF on the wire). */
  keyAgeDays: number;
}

const SIG_LEN = 64;

/** ASCII text as is, anything else as UTF-8 bytes; `.length` is the byte length either way. */
function asField(text: string): Utf8Field {
  return isAscii(text) ? text : utf8Encode(text);
}
const UNKNOWN_AGE = 0xffffffff;

/**
 * Encodes a resolve request payload: `[4B target][4B requester][64B signature]`. A signature shorter than
 * 64 bytes is zero-padded as the reference does; a longer one throws OUT_OF_RANGE.
 *
 * @example
 * ```ts
 * encodeResolveReq(5, 7, signature); // 72 bytes
 * ```
 */
export function encodeResolveReq(
  nodeId: number,
  requesterId: number,
  signature: Uint8Array,
): Uint8Array {
  checkUint(nodeId, 0xffffffff, 'nodeId');
  checkUint(requesterId, 0xffffffff, 'requesterId');
  checkBytes(signature, 'signature');
  if (signature.length > SIG_LEN) {
    throw new WireError(
      'OUT_OF_RANGE',
      `signature must be at most ${SIG_LEN} bytes, got ${signature.length}`,
    );
  }
  const out = alloc(8 + SIG_LEN);
  writeU32(out, 0, nodeId);
  writeU32(out, 4, requesterId);
  putBytes(out, 8, signature);
  return out;
}

/**
 * Decodes a resolve request payload (at least 72 bytes; extra bytes are ignored).
 *
 * @example
 * ```ts
 * const { nodeId, requesterId, signature } = decodeResolveReq(frame.payload);
 * ```
 */
export function decodeResolveReq(p: Uint8Array): ResolveReq {
  checkMinLength(p, 8 + SIG_LEN, 'resolve request');
  return {
    nodeId: readU32(p, 0),
    requesterId: readU32(p, 4),
    signature: copyBytes(p, 8, 8 + SIG_LEN),
  };
}

/**
 * Encodes a resolve response payload:
 * `[4B node_id][2B len][real_addr][2B lan_count]{[2B len][addr]}*[4B key_age_days]`.
 * `keyAgeDays` −1 encodes as 0xFFFFFFFF (unknown); any other value outside 0..0xFFFFFFFE, and any
 * address or count over 65535, throws OUT_OF_RANGE (the reference would wrap it).
 *
 * @example
 * ```ts
 * encodeResolveResp({ nodeId: 77, realAddr: '10.0.0.1:5000', lanAddrs: ['192.168.1.1:5000'], keyAgeDays: 42 });
 * ```
 */
export function encodeResolveResp(r: ResolveResult): Uint8Array {
  checkUint(r.nodeId, 0xffffffff, 'nodeId');
  const realAddr = asField(r.realAddr);
  checkUint(realAddr.length, 0xffff, 'realAddr byte length');
  checkUint(r.lanAddrs.length, 0xffff, 'lanAddrs.length');
  const lans = new Array<Utf8Field>(r.lanAddrs.length);
  let lanBytes = 0;
  for (let i = 0; i < lans.length; i++) {
    const a = asField(r.lanAddrs[i]);
    checkUint(a.length, 0xffff, `lanAddrs[${i}] byte length`);
    lans[i] = a;
    lanBytes += 2 + a.length;
  }
  if (r.keyAgeDays !== -1)
    checkUint(r.keyAgeDays, UNKNOWN_AGE - 1, 'keyAgeDays (or -1 for unknown)');
  const w = new Writer(4 + 2 + realAddr.length + 2 + lanBytes + 4);
  w.u32(r.nodeId);
  w.u16(realAddr.length);
  w.text(realAddr);
  w.u16(lans.length);
  for (const a of lans) {
    w.u16(a.length);
    w.text(a);
  }
  w.u32(r.keyAgeDays === -1 ? UNKNOWN_AGE : r.keyAgeDays);
  return w.bytes;
}

/**
 * Decodes a resolve response payload (at least 12 bytes); 0xFFFFFFFF key age decodes to −1.
 *
 * @example
 * ```ts
 * const { realAddr, lanAddrs, keyAgeDays } = decodeResolveResp(frame.payload);
 * ```
 */
export function decodeResolveResp(p: Uint8Array): ResolveResult {
  checkMinLength(p, 12, 'resolve response');
  const rd = new Reader(p);
  const nodeId = rd.u32('node_id');
  const realAddr = rd.string(rd.u16('addr length'), 'addr data');
  const lanCount = rd.u16('lan_addrs count');
  rd.need(lanCount * 2, 'lan_addrs'); // each entry needs at least its length prefix
  const lanAddrs = new Array<string>(lanCount);
  for (let i = 0; i < lanCount; i++) {
    lanAddrs[i] = rd.string(rd.u16(`lan addr length at index ${i}`), `lan addr data at index ${i}`);
  }
  const raw = rd.u32('key_age_days');
  return { nodeId, realAddr, lanAddrs, keyAgeDays: raw === UNKNOWN_AGE ? -1 : raw };
}
