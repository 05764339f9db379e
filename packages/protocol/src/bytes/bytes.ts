// Small internal helpers shared by the codecs (not exported from the package).
import { ProtocolError } from '../errors/protocol-error.js';

/** A DataView over exactly the bytes of `u8` (respects byteOffset). */
export function viewOf(u8: Uint8Array): DataView {
  return new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
}

/** Throws `truncated` unless `bytes` holds at least `need` bytes. */
export function requireLength(bytes: Uint8Array, need: number, what: string): void {
  if (bytes.length < need) {
    throw new ProtocolError('truncated', `${what}: need ${need} bytes, have ${bytes.length}`);
  }
}

/** Throws `invalid-field` unless `value` is an integer in [0, max]. */
export function checkUint(value: number, max: number, field: string): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new ProtocolError(
      'invalid-field',
      `${field} must be an integer in 0..${max}, got ${String(value)}`,
    );
  }
}

/** Throws `invalid-field` unless `bytes` is a Uint8Array of exactly `size` bytes. */
export function checkFixed(bytes: Uint8Array, size: number, field: string): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== size) {
    throw new ProtocolError(
      'invalid-field',
      `${field} must be ${size} bytes, got ${bytes instanceof Uint8Array ? bytes.length : typeof bytes}`,
    );
  }
}

/** Concatenates byte arrays into one fresh array. */
export function concatBytes(parts: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** UTF-8 encodes text. */
export function utf8(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}

/** Decodes strict UTF-8, throwing `invalid-utf8` on malformed input. */
export function fromUtf8(bytes: Uint8Array, field: string): string {
  try {
    return utf8Decoder.decode(bytes);
  } catch (cause) {
    throw new ProtocolError('invalid-utf8', `${field} is not valid UTF-8`, { cause });
  }
}
