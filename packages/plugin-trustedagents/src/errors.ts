// The trusted-agents plugin's errors: stable UPPER_SNAKE codes, a retryable flag, the mesh brand.
import { MESH_ERROR } from '@mesh/daemonapi';

/** Codes of {@link TrustedAgentsError}; each is also the `reason` a failed refresh reports. */
export type TrustedAgentsErrorCode =
  | 'LIST_TOO_LARGE'
  | 'LIST_MALFORMED'
  | 'LIST_UNSIGNED'
  | 'LIST_BAD_SIGNATURE'
  | 'LIST_FETCH_FAILED'
  | 'LIST_TIMEOUT'
  | 'CONFIG_INVALID';

/** A failure to load or refresh the trusted-agents list. */
export class TrustedAgentsError extends Error {
  /** Stable code. */
  readonly code: TrustedAgentsErrorCode;
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
    code: TrustedAgentsErrorCode,
    message: string,
    options: { retryable?: boolean; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TrustedAgentsError';
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}
