import { checkBytes } from '../bytes/check.js';
import { alloc } from '../bytes/alloc.js';
import { putBytes } from '../bytes/reader.js';
import { utf8Decode, utf8Encode } from '../bytes/utf8.js';

/** Longest error message sent, in UTF-8 bytes; longer messages are cut, as the reference does. */
export const MAX_ERROR_MESSAGE_BYTES = 65000;

/**
 * Encodes an error payload: `[2B len][UTF-8 message]`. Messages over 65000 UTF-8 bytes are truncated to
 * their first 65000 bytes, exactly as the reference encoder does (this may split a character).
 *
 * @example
 * ```ts
 * encodeError('node not registered');
 * ```
 */
export function encodeError(message: string): Uint8Array {
  let body = utf8Encode(message);
  if (body.length > MAX_ERROR_MESSAGE_BYTES) body = body.subarray(0, MAX_ERROR_MESSAGE_BYTES);
  const out = alloc(2 + body.length);
  out[0] = body.length >>> 8;
  out[1] = body.length & 0xff;
  putBytes(out, 2, body);
  return out;
}

/**
 * Decodes an error payload. Never fails on content: a length that overruns the payload is clamped to
 * the bytes present, and a payload shorter than 2 bytes decodes to `"unknown error"` (as the reference).
 *
 * @example
 * ```ts
 * decodeError(Uint8Array.of(0x00, 0x64, 0x68, 0x65, 0x6c, 0x6c, 0x6f)); // 'hello'
 * ```
 */
export function decodeError(p: Uint8Array): string {
  checkBytes(p, 'error payload');
  if (p.length < 2) return 'unknown error';
  const len = Math.min((p[0] << 8) | p[1], p.length - 2);
  return utf8Decode(p, 2, 2 + len);
}
