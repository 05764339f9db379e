/**
 * Stable machine-readable reasons a {@link WireError} is thrown.
 *
 * - `TOO_SHORT`: a payload is below its layout's minimum size, or a frame/message length is 0.
 * - `TRUNCATED`: a field or frame runs past the end of the available bytes (or the stream ended).
 * - `TOO_LARGE`: a length exceeds `MAX_MESSAGE_SIZE` (checked before any allocation).
 * - `BAD_JSON`: a JSON message body is not valid JSON or not a JSON object.
 * - `BAD_MAGIC`: a binary preamble does not start with `PILT`.
 * - `BAD_VERSION`: a binary preamble carries a version other than `VERSION`.
 * - `OUT_OF_RANGE`: an integer does not fit its wire field (rejected, never wrapped).
 * - `INVALID`: any other malformed input: rules, blueprints, durations, arguments.
 * - `TIMEOUT`: a write did not complete within its deadline.
 * - `WRITE_FAILED` / `READ_FAILED`: the sink or source itself failed (see `cause`).
 */
export type WireErrorCode =
  | 'TOO_SHORT'
  | 'TRUNCATED'
  | 'TOO_LARGE'
  | 'BAD_JSON'
  | 'BAD_MAGIC'
  | 'BAD_VERSION'
  | 'OUT_OF_RANGE'
  | 'INVALID'
  | 'TIMEOUT'
  | 'WRITE_FAILED'
  | 'READ_FAILED';

const WIRE_ERROR_BRAND: unique symbol = Symbol.for('@mesh/wire/WireError') as never;
/** The brand every mesh error carries (`@mesh/daemonapi`'s `isMeshError`), set without importing it. */
const MESH_ERROR: unique symbol = Symbol.for('@mesh/error') as never;
/** Codes where the input was fine but the I/O failed, so the same call may succeed later. */
const RETRYABLE: ReadonlySet<WireErrorCode> = new Set(['TIMEOUT', 'WRITE_FAILED', 'READ_FAILED']);

/**
 * The one error class of `@mesh/wire`. Every decoder, encoder and validator throws only this.
 *
 * @example
 * ```ts
 * try { decodeLookupReq(new Uint8Array(2)); } catch (e) { if (isWireError(e)) console.log(e.code); } // TOO_SHORT
 * ```
 */
export class WireError extends Error {
  /** Class name, kept stable under minification. */
  static override readonly name: string = 'WireError';
  /** Stable reason code; match on this, not on the message. */
  readonly code: WireErrorCode;
  /**
   * Whether the same call may succeed later: `true` for `TIMEOUT`, `WRITE_FAILED` and `READ_FAILED`
   * (the I/O failed), `false` for malformed input, which stays malformed.
   */
  readonly retryable: boolean;
  /** Brand checked by {@link isWireError}, so two installed copies still recognise each other. */
  readonly [WIRE_ERROR_BRAND] = true as const;
  /** The mesh-wide error brand (`Symbol.for('@mesh/error')`), read by `isMeshError`. */
  readonly [MESH_ERROR] = true as const;

  /**
   * @param code - stable reason code
   * @param message - what went wrong and, where possible, what to do about it
   * @param options - `cause` of the failure, if any
   */
  constructor(code: WireErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'WireError';
    this.code = code;
    this.retryable = RETRYABLE.has(code);
  }
}

/**
 * Whether `value` is a {@link WireError}, also when it comes from another copy of this package.
 *
 * @example
 * ```ts
 * if (isWireError(err) && err.code === 'TIMEOUT') socket.destroy();
 * ```
 */
export function isWireError(value: unknown): value is WireError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[WIRE_ERROR_BRAND] === true
  );
}
