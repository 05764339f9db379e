/** How a peer's identity reached this node. */
export type PeerInfoSource = 'direct' | 'routed';

/** A peer's identity was learned or refreshed. */
export interface PeerSeenEvent {
  /** Discriminator. */
  readonly type: 'seen';
  /** The peer's node id. */
  readonly nodeId: number;
  /** The peer's 32-byte X25519 public key. */
  readonly x25519PublicKey: Uint8Array;
  /** The peer's advertised name (may be empty). */
  readonly name: string;
  /** Whether the identity arrived on a direct session or was routed. */
  readonly via: PeerInfoSource;
}

/** A peer was forgotten (e.g. `peers.forget`). */
export interface PeerForgottenEvent {
  /** Discriminator. */
  readonly type: 'forgotten';
  /** The forgotten peer. */
  readonly nodeId: number;
}

/** An event of {@link PeerDirectory.subscribe}. */
export type PeerDirectoryEvent = PeerSeenEvent | PeerForgottenEvent;

/**
 * Read access to the daemon's keystore of known peers. An optional service: engines that
 * keep no keystore leave {@link PluginContext.peers} undefined.
 */
export interface PeerDirectory {
  /** The latest X25519 public key of `nodeId`, if known. */
  lookupX25519(nodeId: number): Promise<Uint8Array | undefined>;
  /** The latest advertised name of `nodeId`, if known. */
  lookupName(nodeId: number): Promise<string | undefined>;
  /**
   * Calls `listener` for every event emitted after this call. Returns the function that
   * unsubscribes; plugins call it in `shutdown`.
   */
  subscribe(listener: (event: PeerDirectoryEvent) => void): () => void;
}

/** A plugin payload: an opaque body in a plugin-owned `kind` namespace. */
export interface PluginPayload {
  /** The payload kind, by convention prefixed with the plugin name (`chat.msg`). */
  readonly kind: string;
  /** Opaque body. */
  readonly body: Uint8Array;
}

/** Sends plugin payloads to peers. An optional service. */
export interface ControlSender {
  /** Sends to a directly connected peer. Best-effort; transport failures are logged. */
  sendDirect(nodeId: number, payload: PluginPayload): Promise<void>;
  /** Sends through the routing table; `true` when a next hop was attempted, `false` when no route exists. */
  sendRouted(nodeId: number, payload: PluginPayload): Promise<boolean>;
}
