/**
 * Stable codes of {@link RegistryRequestError}: why a request was refused.
 *
 * - `BAD_REQUEST`: a field is missing or malformed.
 * - `NOT_FOUND`: the node, network or pair does not exist.
 * - `DENIED`: the request is valid but not allowed (privacy, membership, join rules).
 * - `UNAUTHORIZED`: a signature or admin token is missing or wrong.
 * - `CONFLICT`: a name or key is already taken.
 * - `RATE_LIMITED`: too many registrations from this address.
 * - `LIMIT`: an inbox or id space is full.
 * - `UNKNOWN_TYPE`: the message type is not served.
 * - `STORE`: the store failed to persist the change.
 */
export type RegistryRequestErrorCode =
  | 'BAD_REQUEST'
  | 'NOT_FOUND'
  | 'DENIED'
  | 'UNAUTHORIZED'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'LIMIT'
  | 'UNKNOWN_TYPE'
  | 'STORE';

/** A refused request; its message is sent to the client as the error text. */
export class RegistryRequestError extends Error {
  /** Class name, kept stable under minification. */
  static override readonly name: string = 'RegistryRequestError';
  /** Stable reason code. */
  readonly code: RegistryRequestErrorCode;

  /**
   * @param code - stable reason code
   * @param message - text sent to the client
   * @param options - `cause`, if any
   */
  constructor(code: RegistryRequestErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RegistryRequestError';
    this.code = code;
  }
}

/**
 * Stable codes of {@link RegistryServerError}.
 *
 * - `STORE_UNAVAILABLE`: the store could not be opened (e.g. better-sqlite3 is not installed).
 * - `STORE_FAILED`: the store failed while loading or writing.
 * - `LISTEN_FAILED`: a listening socket could not be bound.
 * - `NOT_LISTENING`: `address()` was called before `listen()`.
 * - `BAD_OPTION`: an option value is invalid.
 */
export type RegistryServerErrorCode =
  'STORE_UNAVAILABLE' | 'STORE_FAILED' | 'LISTEN_FAILED' | 'NOT_LISTENING' | 'BAD_OPTION';

/** A failure of the server itself (not of one request). */
export class RegistryServerError extends Error {
  /** Class name, kept stable under minification. */
  static override readonly name: string = 'RegistryServerError';
  /** Stable reason code. */
  readonly code: RegistryServerErrorCode;

  /**
   * @param code - stable reason code
   * @param message - what went wrong and what to do
   * @param options - `cause`, if any
   */
  constructor(code: RegistryServerErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RegistryServerError';
    this.code = code;
  }
}
