import { MESH_ERROR } from '@mesh/daemonapi';

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
  | 'NO_REGISTRY'
  | 'REGISTRY_DENIED'
  | 'REGISTRY_NOT_FOUND';

/**
 * An error of the in-memory daemon; `code` mirrors the failure the real engine reports, and it
 * carries the mesh error brand, so `isMeshError` / `errorCode` from `@mesh/daemonapi` see it.
 */
export class MemoryDaemonError extends Error {
  /** Machine-readable discriminator. */
  readonly code: MemoryDaemonErrorCode;
  /** Whether the same call may succeed later (nothing in memory is transient). */
  readonly retryable = false;
  /** The mesh error brand. */
  readonly [MESH_ERROR] = true as const;

  /** Creates the error. */
  constructor(code: MemoryDaemonErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MemoryDaemonError';
    this.code = code;
  }
}
