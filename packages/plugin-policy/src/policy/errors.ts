import { MESH_ERROR } from '@mesh/daemonapi';
import type { MeshErrorLike } from '@mesh/daemonapi';

/** Stable codes of {@link PolicyError}. */
export type PolicyErrorCode =
  'POLICY_INVALID' | 'POLICY_NOT_FOUND' | 'POLICY_STATE' | 'POLICY_NO_REGISTRY';

/**
 * A policy that does not load (`POLICY_INVALID`: the message names the rule and field), a
 * network without a policy (`POLICY_NOT_FOUND`), a state file that cannot be written
 * (`POLICY_STATE`, retryable) or a registry call without a registry (`POLICY_NO_REGISTRY`).
 */
export class PolicyError extends Error implements MeshErrorLike {
  /** Stable code. */
  readonly code: PolicyErrorCode;
  /** Whether retrying may help. */
  readonly retryable: boolean;
  /** The mesh error brand. */
  readonly [MESH_ERROR] = true as const;

  /**
   * @param code - stable code
   * @param message - what is wrong and where
   * @param options - cause
   */
  constructor(code: PolicyErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PolicyError';
    this.code = code;
    this.retryable = code === 'POLICY_STATE' || code === 'POLICY_NO_REGISTRY';
  }
}
