// The trust state the plugin keeps: trusted peers, pending requests, post-revoke cooldowns.

/** A trusted peer. */
export interface TrustedEntry {
  /** The peer. */
  readonly nodeId: number;
  /** Its Ed25519 key, standard base64; empty until backfilled from the registry. */
  publicKey: string;
  /** When trust was granted, Unix ms. */
  readonly approvedAt: number;
  /** Whether both sides asked (mutual). */
  readonly mutual: boolean;
  /** The shared network that granted trust, 0 when none. */
  readonly network: number;
}

/** A request waiting for the operator. */
export interface PendingEntry {
  /** The requester. */
  readonly nodeId: number;
  /** Its key as it claimed it (checked against the registry); empty for relayed requests. */
  readonly publicKey: string;
  /** Its justification, sanitised. */
  readonly justification: string;
  /** When it arrived, Unix ms. */
  readonly receivedAt: number;
  /** The node that delivered it (stream source, or the requester for relayed ones); 0 unknown. */
  readonly source: number;
}

/** Everything `trust.json` holds. */
export interface TrustState {
  /** Trusted peers by node id. */
  readonly trusted: Map<number, TrustedEntry>;
  /** Pending requests by node id. */
  readonly pending: Map<number, PendingEntry>;
  /** Post-revoke cooldowns: node id → until (Unix ms). */
  readonly revoked: Map<number, number>;
  /** Own unanswered requests: node id → sent at (Unix ms). */
  readonly outgoing: Map<number, number>;
}

/** An empty state. */
export function emptyTrustState(): TrustState {
  return { trusted: new Map(), pending: new Map(), revoked: new Map(), outgoing: new Map() };
}
