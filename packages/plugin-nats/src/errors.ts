// The plugin's typed errors (code, retryable, mesh brand).
import { MESH_ERROR } from '@mesh/daemonapi';

/** Stable codes of {@link NatsPluginError}. */
export type NatsPluginErrorCode =
  | 'NATS_CONFIG_INVALID'
  | 'NATS_CREDENTIALS_INVALID'
  | 'NATS_REFRESH_UNAUTHORIZED'
  | 'NATS_REFRESH_FAILED'
  | 'METHOD_NOT_ALLOWED'
  | 'INVALID_COMMAND';

const RETRYABLE: ReadonlySet<NatsPluginErrorCode> = new Set(['NATS_REFRESH_FAILED']);

/** An error of the NATS bridge with a stable `code`. */
export class NatsPluginError extends Error {
  /** Stable machine-readable code. */
  readonly code: NatsPluginErrorCode;
  /** Whether retrying may help (a transient refresh failure). */
  readonly retryable: boolean;
  /** The mesh error brand. */
  readonly [MESH_ERROR] = true as const;

  /**
   * @param code - the stable code.
   * @param message - what went wrong and what to do.
   * @param options - the cause.
   */
  constructor(code: NatsPluginErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'NatsPluginError';
    this.code = code;
    this.retryable = RETRYABLE.has(code);
  }
}
