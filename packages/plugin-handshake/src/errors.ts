// The handshake plugin's errors: stable UPPER_SNAKE codes, a retryable flag, the mesh brand.
import { MESH_ERROR } from '@mesh/daemonapi';

/** Codes of {@link HandshakeError}. */
export type HandshakeErrorCode =
  | 'TRUST_STORE_CORRUPT'
  | 'TRUST_STORE_IO'
  | 'NOT_TRUSTED'
  | 'NO_PENDING_REQUEST'
  | 'NO_REGISTRY'
  | 'RELAY_FAILED'
  | 'INVALID_PEER';

/** A failure of the trust handshake plugin. */
export class HandshakeError extends Error {
  /** Stable code. */
  readonly code: HandshakeErrorCode;
  /** Whether retrying may succeed. */
  readonly retryable: boolean;
  /** The mesh error brand. */
  readonly [MESH_ERROR] = true as const;

  /**
   * @param code - stable code.
   * @param message - what went wrong and what to do.
   * @param options - `retryable` and the `cause`.
   */
  constructor(
    code: HandshakeErrorCode,
    message: string,
    options: { retryable?: boolean; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HandshakeError';
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}
