import { checkBytes, checkMinLength, checkUint } from '../bytes/check.js';
import { alloc } from '../bytes/alloc.js';
import { copyBytes, putBytes, readU32, writeU32 } from '../bytes/reader.js';
import { WireError } from '../errors/wire-error.js';

/** Decoded heartbeat request (frame type `HEARTBEAT`, 0x01). */
export interface HeartbeatReq {
  /** Node id of the sender (uint32). */
  nodeId: number;
  /** 64-byte Ed25519 signature (a copy, never aliasing the payload). */
  signature: Uint8Array;
}

/** Decoded heartbeat response (frame type `HEARTBEAT_OK`, 0x81). */
export interface HeartbeatResp {
  /** Registry time in Unix seconds (int64 on the wire; must be a safe integer here). */
  unixTime: number;
  /** Flags bit 0: the node's key is about to expire. */
  keyExpiryWarning: boolean;
}

const SIG_LEN = 64;
const TWO_32 = 4294967296;

/**
 * Encodes a heartbeat request payload: `[4B node_id][64B signature]`.
 * A signature shorter than 64 bytes is zero-padded, as the reference encoder does; a longer one
 * is rejected (the reference would silently drop bytes).
 *
 * @example
 * ```ts
 * const payload = encodeHeartbeatReq(5, signature); // 68 bytes
 * ```
 */
export function encodeHeartbeatReq(nodeId: number, signature: Uint8Array): Uint8Array {
  checkUint(nodeId, 0xffffffff, 'nodeId');
  checkBytes(signature, 'signature');
  if (signature.length > SIG_LEN) {
    throw new WireError(
      'OUT_OF_RANGE',
      `signature must be at most ${SIG_LEN} bytes, got ${signature.length}`,
    );
  }
  const out = alloc(4 + SIG_LEN);
  writeU32(out, 0, nodeId);
  putBytes(out, 4, signature);
  return out;
}

/**
 * Decodes a heartbeat request payload (at least 68 bytes; extra bytes are ignored, as the reference does).
 *
 * @example
 * ```ts
 * const { nodeId, signature } = decodeHeartbeatReq(frame.payload);
 * ```
 */
export function decodeHeartbeatReq(p: Uint8Array): HeartbeatReq {
  checkMinLength(p, 4 + SIG_LEN, 'heartbeat request');
  return { nodeId: readU32(p, 0), signature: copyBytes(p, 4, 4 + SIG_LEN) };
}

/**
 * Encodes a heartbeat response payload: `[8B unix seconds, two's complement][1B flags, bit0 = warning]`.
 * `unixTime` must be a safe integer (it is an int64 on the wire).
 *
 * @example
 * ```ts
 * encodeHeartbeatResp(1_700_000_000, true); // 00 00 00 00 65 53 f1 00 01
 * ```
 */
export function encodeHeartbeatResp(unixTime: number, keyExpiryWarning: boolean): Uint8Array {
  if (!Number.isSafeInteger(unixTime)) {
    throw new WireError('OUT_OF_RANGE', `unixTime must be a safe integer, got ${String(unixTime)}`);
  }
  const out = new Uint8Array(9);
  // Two's complement int64 as two 32-bit halves: exact for every safe integer, no BigInt needed.
  const hi = Math.floor(unixTime / TWO_32);
  writeU32(out, 0, hi >>> 0);
  writeU32(out, 4, unixTime - hi * TWO_32);
  out[8] = keyExpiryWarning ? 1 : 0;
  return out;
}

/**
 * Decodes a heartbeat response payload (at least 9 bytes). Only flag bit 0 is read.
 * A time outside the safe-integer range throws OUT_OF_RANGE rather than losing precision.
 *
 * @example
 * ```ts
 * const { unixTime, keyExpiryWarning } = decodeHeartbeatResp(frame.payload);
 * ```
 */
export function decodeHeartbeatResp(p: Uint8Array): HeartbeatResp {
  checkMinLength(p, 9, 'heartbeat response');
  const hi = readU32(p, 0) | 0;
  const lo = readU32(p, 4);
  // |value| <= 2^53 exactly when hi fits in 22 signed bits; beyond that a number cannot hold it.
  const value = hi * TWO_32 + lo;
  if (hi < -0x200000 || hi > 0x1fffff || !Number.isSafeInteger(value)) {
    throw new WireError('OUT_OF_RANGE', 'heartbeat response time does not fit a safe integer');
  }
  return { unixTime: value, keyExpiryWarning: (p[8] & 1) !== 0 };
}
