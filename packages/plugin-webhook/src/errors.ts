// The plugin's typed errors (code, retryable, mesh brand).
import { MESH_ERROR } from '@mesh/daemonapi';

/** Stable codes of {@link WebhookError}. */
export type WebhookErrorCode =
  'INVALID_WEBHOOK_URL' | 'WEBHOOK_TARGET_FORBIDDEN' | 'INVALID_ARGUMENT' | 'WEBHOOK_STATE_INVALID';

/** A webhook configuration or delivery error with a stable `code`. */
export class WebhookError extends Error {
  /** Stable machine-readable code. */
  readonly code: WebhookErrorCode;
  /** Configuration errors never succeed on retry. */
  readonly retryable = false;
  /** The mesh error brand. */
  readonly [MESH_ERROR] = true as const;

  /**
   * @param code - the stable code.
   * @param message - what went wrong and what to do.
   * @param options - the cause.
   */
  constructor(code: WebhookErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'WebhookError';
    this.code = code;
  }
}
