import { isRetryableRegistryCode } from '@mesh/wire';
import type { RegistryErrorCode } from '@mesh/wire';

/** The brand every mesh error carries (`isMeshError` in `@mesh/daemonapi`). */
export const MESH_ERROR: unique symbol = Symbol.for('@mesh/error') as never;

/**
 * Stable codes of {@link RegistryRequestError}: why a request was refused. The same code goes to
 * JSON-mode clients in the `code` field of the error reply. See `RegistryErrorCode` in
 * `@mesh/wire` for the meaning of each.
 */
export type RegistryRequestErrorCode = RegistryErrorCode;

/** A refused request; its message is sent to the client as the error text, its code beside it. */
export class RegistryRequestError extends Error {
  /** Class name, kept stable under minification. */
  static override readonly name: string = 'RegistryRequestError';
  /** Stable reason code. */
  readonly code: RegistryRequestErrorCode;
  /** Whether the same request may succeed later (`RATE_LIMITED`, `STORE`, `BUSY`). */
  readonly retryable: boolean;
  /** The mesh-wide error brand. */
  readonly [MESH_ERROR] = true as const;

  /**
   * @param code - stable reason code
   * @param message - text sent to the client
   * @param options - `cause`, if any
   */
  constructor(code: RegistryRequestErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RegistryRequestError';
    this.code = code;
    this.retryable = isRetryableRegistryCode(code);
  }
}

/**
 * Stable codes of {@link RegistryServerError}.
 *
 * - `STORE_UNAVAILABLE`: the store could not be opened (e.g. better-sqlite3 is not installed).
 * - `STORE_FAILED`: the store failed while loading or writing.
 * - `STORE_DAMAGED`: the store lost acknowledged data (fewer node records, or a lower node-id
 *   high-water mark, than it recorded); the server refuses to start unless `acceptDataLoss`.
 * - `LISTEN_FAILED`: a listening socket could not be bound.
 * - `NOT_LISTENING`: `address()` was called before `listen()`.
 * - `BAD_OPTION`: an option value is invalid.
 */
export type RegistryServerErrorCode =
  | 'STORE_UNAVAILABLE'
  | 'STORE_FAILED'
  | 'STORE_DAMAGED'
  | 'LISTEN_FAILED'
  | 'NOT_LISTENING'
  | 'BAD_OPTION';

/** A failure of the server itself (not of one request). */
export class RegistryServerError extends Error {
  /** Class name, kept stable under minification. */
  static override readonly name: string = 'RegistryServerError';
  /** Stable reason code. */
  readonly code: RegistryServerErrorCode;
  /** Whether retrying may help: only for a store failure (`STORE_FAILED`). */
  readonly retryable: boolean;
  /** The mesh-wide error brand. */
  readonly [MESH_ERROR] = true as const;

  /**
   * @param code - stable reason code
   * @param message - what went wrong and what to do
   * @param options - `cause`, if any
   */
  constructor(code: RegistryServerErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RegistryServerError';
    this.code = code;
    this.retryable = code === 'STORE_FAILED';
  }
}
