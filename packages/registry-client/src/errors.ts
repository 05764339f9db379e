/**
 * Stable codes carried by every {@link RegistryClientError}.
 *
 * - `REMOTE`: the registry answered with an error (`{"type":"error"}` or a binary error frame).
 * - `TRANSPORT`: the connection failed or dropped and reconnecting did not help.
 * - `TIMEOUT`: no answer within the call's deadline (the connection is dropped).
 * - `ABORTED`: the caller's `AbortSignal` fired.
 * - `PROTOCOL`: the registry sent something this client cannot understand.
 * - `NO_IDENTITY`: a signed call was made before the client knew its node id.
 * - `CLOSED`: the client was closed.
 */
export type RegistryClientErrorCode =
  'REMOTE' | 'TRANSPORT' | 'TIMEOUT' | 'ABORTED' | 'PROTOCOL' | 'NO_IDENTITY' | 'CLOSED';

/** Base class of every error thrown by `@mesh/registry-client`; match on `code`. */
export class RegistryClientError extends Error {
  /** Class name, kept stable under minification. */
  static override readonly name: string = 'RegistryClientError';
  /** Stable machine-readable reason. */
  readonly code: RegistryClientErrorCode;
  /** Whether repeating the same call later may succeed. */
  readonly isRetryable: boolean;

  /**
   * @param code - stable reason code
   * @param message - what went wrong
   * @param options - `cause`, if any
   */
  constructor(code: RegistryClientErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RegistryClientError';
    this.code = code;
    this.isRetryable = code === 'TRANSPORT' || code === 'TIMEOUT';
  }
}

/** The registry refused the request; `remoteMessage` is its text (do not parse it). */
export class RegistryRemoteError extends RegistryClientError {
  /** Class name, kept stable under minification. */
  static override readonly name: string = 'RegistryRemoteError';
  /** The registry's own error text. */
  readonly remoteMessage: string;
  /** The request type that failed. */
  readonly requestType: string;

  /**
   * @param requestType - the request type that failed, e.g. `resolve`
   * @param remoteMessage - the registry's error text
   */
  constructor(requestType: string, remoteMessage: string) {
    super('REMOTE', `registry: ${remoteMessage}`);
    this.name = 'RegistryRemoteError';
    this.remoteMessage = remoteMessage;
    this.requestType = requestType;
  }
}

/** Whether `value` is a {@link RegistryClientError} (optionally with the given code). */
export function isRegistryClientError(
  value: unknown,
  code?: RegistryClientErrorCode,
): value is RegistryClientError {
  return value instanceof RegistryClientError && (code === undefined || value.code === code);
}
