import { MESH_ERROR } from '@mesh/daemonapi';

/** Stable machine-readable codes of the transport's errors. */
export type TransportErrorCode =
  | 'CONNECTION_REFUSED'
  | 'CONNECTION_RESET'
  | 'DIAL_TIMEOUT'
  | 'DIAL_ABORTED'
  | 'RETRANSMIT_LIMIT'
  | 'IDLE_TIMEOUT'
  | 'CONNECTION_LIMIT'
  | 'PORT_IN_USE'
  | 'PORTS_EXHAUSTED'
  | 'INVALID_PORT'
  | 'PAYLOAD_TOO_LARGE'
  | 'TRANSPORT_CLOSED'
  | 'NOT_CONNECTED';

/** Every error the stream/datagram transport produces: a stable `code` and an actionable message. */
export class TransportError extends Error {
  /** A stable string callers can branch on. */
  readonly code: TransportErrorCode;
  /** Whether trying the same operation again later can succeed. */
  readonly retryable: boolean;

  /** The mesh error brand (`isMeshError` in `@mesh/daemonapi` checks it across copies). */
  readonly [MESH_ERROR] = true as const;

  /**
   * @param code - the stable error code.
   * @param message - what went wrong and what to do about it.
   * @param options - `cause` and retryability.
   */
  constructor(
    code: TransportErrorCode,
    message: string,
    options: ErrorOptions & { retryable?: boolean } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TransportError';
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/**
 * @param err - any value.
 * @returns true when `err` is a {@link TransportError} (checked structurally, so two copies of
 *   the package agree).
 */
export function isTransportError(err: unknown): err is TransportError {
  return (
    err instanceof Error &&
    err.name === 'TransportError' &&
    typeof (err as { code?: unknown }).code === 'string'
  );
}
