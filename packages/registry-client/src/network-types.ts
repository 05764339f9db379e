import type { CallOptions } from './types.js';

/** Options of administrative calls: the admin token, or (absent) a signed request by this node. */
export interface AdminCallOptions extends CallOptions {
  /** Registry (or network) admin token; without it this node signs and its RBAC role counts. */
  readonly adminToken?: string;
}

/** The legacy per-network policy (`set_network_policy`). */
export interface NetworkPolicy {
  /** Member cap (0 = none). */
  readonly maxMembers?: number;
  /** Allowed virtual ports (empty = all). */
  readonly allowedPorts?: readonly number[];
  /** Free text. */
  readonly description?: string;
}

/** Result of `get_expr_policy`. */
export interface ExprPolicyResult {
  /** The policy document as JSON text ('' when the network has none). */
  readonly policyJson: string;
  /** `expr`, `rules` (converted managed-network rules), `allowed_ports` or `none`. */
  readonly source: string;
}

/** One audit log entry. */
export interface AuditLogEntry {
  /** RFC 3339 time. */
  readonly timestamp: string;
  /** Message type that made the change. */
  readonly action: string;
  /** Network concerned. */
  readonly networkId?: number;
  /** Acting or affected node. */
  readonly nodeId?: number;
  /** Free text. */
  readonly details?: string;
}

/** Result of `provision_network`. */
export interface ProvisionResult {
  /** The network's id. */
  readonly networkId: number;
  /** Its name. */
  readonly name: string;
  /** Whether the blueprint created it (false: updated). */
  readonly created: boolean;
  /** Role entries whose external id matched no node. */
  readonly unmatchedRoles: string[];
}
