import { MESH_ERROR } from '@mesh/daemonapi';
import type { MeshErrorLike } from '@mesh/daemonapi';

/** Stable codes of {@link ExprError}. */
export type ExprErrorCode = 'EXPR_SYNTAX' | 'EXPR_UNSUPPORTED' | 'EXPR_TYPE' | 'EXPR_BUDGET';

/**
 * An expression that does not parse (`EXPR_SYNTAX`), uses a construct outside the supported
 * subset (`EXPR_UNSUPPORTED`), fails at evaluation (`EXPR_TYPE`) or exceeds its time or size
 * budget (`EXPR_BUDGET`).
 */
export class ExprError extends Error implements MeshErrorLike {
  /** Stable code. */
  readonly code: ExprErrorCode;
  /** Never worth retrying: the expression itself is at fault. */
  readonly retryable = false;
  /** The mesh error brand. */
  readonly [MESH_ERROR] = true as const;

  /**
   * @param code - stable code
   * @param message - what is wrong, with the position where one applies
   */
  constructor(code: ExprErrorCode, message: string) {
    super(message);
    this.name = 'ExprError';
    this.code = code;
  }
}
