import { WireError } from '../errors/wire-error.js';

/** Throws OUT_OF_RANGE unless `value` is an integer in [0, max]. */
export function checkUint(value: number, max: number, field: string): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new WireError(
      'OUT_OF_RANGE',
      `${field} must be an integer in 0..${max}, got ${String(value)}`,
    );
  }
}

/** Throws INVALID unless `value` is a Uint8Array. */
export function checkBytes(value: unknown, field: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new WireError('INVALID', `${field} must be a Uint8Array`);
  }
}

/** Throws TOO_SHORT when a payload is below its layout's minimum. */
export function checkMinLength(payload: Uint8Array, min: number, what: string): void {
  checkBytes(payload, `${what} payload`);
  if (payload.length < min) {
    throw new WireError(
      'TOO_SHORT',
      `${what} too short: ${payload.length} bytes (need at least ${min})`,
    );
  }
}

/** A DataView over exactly the bytes of `bytes`. */
export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
