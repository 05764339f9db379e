/** Stable codes of {@link MemoryDaemonError}. */
export type MemoryDaemonErrorCode =
  | 'PORT_IN_USE'
  | 'INVALID_PORT'
  | 'CONNECTION_REFUSED'
  | 'HOST_UNREACHABLE'
  | 'CONNECTION_CLOSED'
  | 'FOREIGN_CONNECTION'
  | 'DAEMON_STOPPED'
  | 'METHOD_EXISTS'
  | 'METHOD_NOT_FOUND'
  | 'NO_HANDSHAKE_SERVICE'
  | 'NO_REGISTRY';

/** An error of the in-memory daemon; `code` mirrors the failure the real engine reports. */
export class MemoryDaemonError extends Error {
  /** Machine-readable discriminator. */
  readonly code: MemoryDaemonErrorCode;

  /** Creates the error. */
  constructor(code: MemoryDaemonErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MemoryDaemonError';
    this.code = code;
  }
}
