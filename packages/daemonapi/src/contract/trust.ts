/** Answer of {@link TrustChecker.isTrusted}. */
export type TrustCheckResult =
  | { readonly trusted: true; /** The trusted agent's display name. */ readonly name: string }
  | { readonly trusted: false };

/**
 * The daemon-facing surface of the trusted-agents plugin; the handshake plugin consults it
 * to auto-approve requests from well-known agents.
 */
export interface TrustChecker {
  /** Whether `nodeId` is a trusted agent, and under which name. */
  isTrusted(nodeId: number): TrustCheckResult;
}
