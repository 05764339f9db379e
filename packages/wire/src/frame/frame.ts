import { checkBytes, checkUint } from '../bytes/check.js';
import { alloc } from '../bytes/alloc.js';
import { copyBytes, putBytes } from '../bytes/reader.js';
import { MAGIC, MAX_MESSAGE_SIZE } from '../constants.js';
import { WireError } from '../errors/wire-error.js';

/** One binary frame: its type byte and payload. */
export interface Frame {
  /** Frame type byte, usually one of `MsgType`. */
  type: number;
  /** Payload bytes (a fresh copy when decoded; never aliases the input). */
  payload: Uint8Array;
}

/** What the first 4 bytes of a registry connection say it speaks. */
export type WireProtocol = 'binary' | 'json';

/** Throws TOO_SHORT / TOO_LARGE for a length prefix that can never be valid. */
export function checkLength(length: number, what: string, max: number): void {
  if (length === 0) throw new WireError('TOO_SHORT', `${what} too short: length prefix is 0`);
  if (length > max) {
    throw new WireError(
      'TOO_LARGE',
      `${what} too large: ${length} bytes (max ${max}); close the connection`,
    );
  }
}

/**
 * Encodes one binary frame: `[4B length][1B type][payload]`, where length counts the type byte plus payload.
 *
 * @example
 * ```ts
 * encodeFrame(MsgType.LOOKUP, encodeLookupReq(42)); // 00 00 00 05 02 00 00 00 2a
 * ```
 */
export function encodeFrame(type: number, payload: Uint8Array): Uint8Array {
  checkUint(type, 0xff, 'frame type');
  checkBytes(payload, 'payload');
  const length = 1 + payload.length;
  if (length > MAX_MESSAGE_SIZE) {
    throw new WireError('TOO_LARGE', `frame too large: ${length} bytes (max ${MAX_MESSAGE_SIZE})`);
  }
  const out = alloc(5 + payload.length);
  out[0] = length >>> 24;
  out[1] = (length >>> 16) & 0xff;
  out[2] = (length >>> 8) & 0xff;
  out[3] = length & 0xff;
  out[4] = type;
  putBytes(out, 5, payload);
  return out;
}

/**
 * Decodes exactly one complete binary frame from `bytes` (for buffers already in hand; use
 * `FrameDecoder` or `readFrame` for streams). Throws TRUNCATED when bytes are missing and INVALID when
 * bytes follow the frame.
 *
 * @example
 * ```ts
 * const { type, payload } = decodeFrame(encodeFrame(MsgType.LOOKUP, encodeLookupReq(42)));
 * ```
 */
export function decodeFrame(bytes: Uint8Array): Frame {
  checkBytes(bytes, 'frame');
  if (bytes.length < 4)
    throw new WireError('TRUNCATED', `truncated frame header: ${bytes.length} of 4 bytes`);
  const length = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
  checkLength(length, 'binary frame', MAX_MESSAGE_SIZE);
  if (bytes.length < 4 + length) {
    throw new WireError(
      'TRUNCATED',
      `truncated frame: header says ${length} bytes, ${bytes.length - 4} present`,
    );
  }
  if (bytes.length > 4 + length) {
    throw new WireError(
      'INVALID',
      `${bytes.length - 4 - length} unexpected byte(s) after the frame`,
    );
  }
  return { type: bytes[4], payload: copyBytes(bytes, 5, bytes.length) };
}

/**
 * Tells a binary connection (first bytes are `MAGIC`) from a JSON one (first bytes are a length prefix).
 * Needs at least 4 bytes; only the first 4 are read.
 *
 * @example
 * ```ts
 * detectProtocol(PREAMBLE); // 'binary'
 * detectProtocol(Uint8Array.of(0, 0, 0, 2)); // 'json'
 * ```
 */
export function detectProtocol(first4Bytes: Uint8Array): WireProtocol {
  checkBytes(first4Bytes, 'first4Bytes');
  if (first4Bytes.length < 4) {
    throw new WireError('TOO_SHORT', `protocol detection needs 4 bytes, got ${first4Bytes.length}`);
  }
  for (let i = 0; i < 4; i++) if (first4Bytes[i] !== MAGIC[i]) return 'json';
  return 'binary';
}
