/** A trusted peer, as the handshake service reports it. */
export interface HandshakeTrustRecord {
  /** The peer's node id. */
  readonly nodeId: number;
  /** The peer's Ed25519 public key, standard base64 (may be empty when not yet known). */
  readonly publicKey: string;
  /** When trust was established, Unix epoch milliseconds. */
  readonly approvedAt: number;
  /** Whether both sides requested trust (mutual auto-approve). */
  readonly mutual: boolean;
  /** The shared network that granted trust, 0 when none. */
  readonly network: number;
}

/** An incoming trust request waiting for the operator. */
export interface HandshakePendingRecord {
  /** The requesting peer's node id. */
  readonly nodeId: number;
  /** The requester's Ed25519 public key, standard base64 (may be empty). */
  readonly publicKey: string;
  /** Free-text reason the requester gave. */
  readonly justification: string;
  /** When the request arrived, Unix epoch milliseconds. */
  readonly receivedAt: number;
}

/** Options of {@link HandshakeService.waitForTrust}. */
export interface WaitForTrustOptions {
  /** Gives up after this many milliseconds. */
  readonly timeoutMs?: number;
  /** Gives up when aborted. */
  readonly signal?: AbortSignal;
}

/**
 * The daemon-facing surface of the trust-handshake plugin (port 444). IPC commands, the trust
 * gate and the registry relay poller all go through it.
 */
export interface HandshakeService {
  /** Whether `nodeId` is trusted (this node itself always is). */
  isTrusted(nodeId: number): boolean;
  /** Every trusted peer. */
  trustedPeers(): HandshakeTrustRecord[];
  /** Every pending incoming request. */
  pendingRequests(): HandshakePendingRecord[];
  /** Number of pending incoming requests. */
  pendingCount(): number;
  /** Asks `peerNodeId` for trust, directly on port 444 or relayed through the registry. */
  sendRequest(peerNodeId: number, justification: string): Promise<void>;
  /** Approves a pending request from `peerNodeId`. */
  approveHandshake(peerNodeId: number): Promise<void>;
  /** Rejects a pending request from `peerNodeId`. */
  rejectHandshake(peerNodeId: number, reason: string): Promise<void>;
  /** Removes trust in `peerNodeId` and tears its tunnel down. Rejects when not trusted. */
  revokeTrust(peerNodeId: number): Promise<void>;
  /** Resolves `true` once `peerNodeId` is trusted, `false` on timeout or abort. */
  waitForTrust(peerNodeId: number, options?: WaitForTrustOptions): Promise<boolean>;
  /** Handles a trust request the relay poller took from the registry inbox. */
  processRelayedRequest(fromNodeId: number, justification: string): void;
  /** Handles a relayed approval. */
  processRelayedApproval(fromNodeId: number): void;
  /** Handles a relayed rejection. */
  processRelayedRejection(fromNodeId: number): void;
  /** Drains background RPCs and stops timers. */
  stop(): Promise<void>;
}
