/** Per-call options of {@link RegistryClient} methods. */
export interface RegistryCallOptions {
  /** Cancels the call. */
  readonly signal?: AbortSignal;
}

/** A node as the registry's `lookup` reports it. */
export interface RegistryNodeInfo {
  /** Node id. */
  readonly nodeId: number;
  /** Backbone address text, `0:XXXX.YYYY.YYYY`. */
  readonly address: string;
  /** Networks the node is a member of. */
  readonly networks: readonly number[];
  /** Ed25519 public key, standard base64. */
  readonly publicKey: string;
  /** Whether the node is public (its endpoint is resolvable by anyone). */
  readonly public: boolean;
  /** Registered hostname, if any. */
  readonly hostname?: string;
  /** Registered tags, if any. */
  readonly tags?: readonly string[];
  /** Whether the node executes tasks. */
  readonly taskExec?: boolean;
  /** Real UDP endpoint `host:port`; only reported for public nodes. */
  readonly realAddr?: string;
}

/** One member of a network, as `list_nodes` reports it. */
export interface RegistryListedNode {
  /** Node id. */
  readonly nodeId: number;
  /** Network-scoped address text. */
  readonly address: string;
  /** Registered hostname, if any. */
  readonly hostname?: string;
  /** Per-network member tags, if any. */
  readonly tags?: readonly string[];
  /** Whether the node executes tasks. */
  readonly taskExec?: boolean;
  /** Real endpoint; only for public nodes. */
  readonly realAddr?: string;
}

/** Options of {@link RegistryClient.listNodes}. */
export interface ListNodesOptions extends RegistryCallOptions {
  /** Admin token for privileged listings (required for network 0). */
  readonly adminToken?: string;
}

/** A relayed trust request found in this node's registry inbox. */
export interface RelayedHandshakeRequest {
  /** Requesting node id. */
  readonly fromNodeId: number;
  /** The requester's justification. */
  readonly justification: string;
  /** When the registry stored it, Unix epoch milliseconds. */
  readonly timestamp: number;
}

/** A relayed answer to a trust request this node sent. */
export interface RelayedHandshakeResponse {
  /** Answering node id. */
  readonly fromNodeId: number;
  /** Whether trust was granted. */
  readonly accept: boolean;
  /** When the registry stored it, Unix epoch milliseconds. */
  readonly timestamp: number;
}

/** Result of {@link RegistryClient.pollHandshakes}; polling clears both inboxes. */
export interface HandshakeInbox {
  /** Incoming trust requests. */
  readonly requests: readonly RelayedHandshakeRequest[];
  /** Answers to requests this node sent. */
  readonly responses: readonly RelayedHandshakeResponse[];
}

/**
 * The registry calls the handshake, policy and trust plugins make. The engine's client signs
 * each request with the daemon identity, so plugins never handle signatures here. Every method
 * rejects with the registry's error when the registry refuses.
 */
export interface RegistryClient {
  /** Looks a node up by id. */
  lookup(nodeId: number, options?: RegistryCallOptions): Promise<RegistryNodeInfo>;
  /** Resolves a hostname to a node id. */
  resolveHostname(hostname: string, options?: RegistryCallOptions): Promise<number>;
  /** Lists the members of a network. */
  listNodes(networkId: number, options?: ListNodesOptions): Promise<RegistryListedNode[]>;
  /** Records a trust pair between this node and `peerNodeId` (`report_trust`). */
  reportTrust(peerNodeId: number, options?: RegistryCallOptions): Promise<void>;
  /** Removes the trust pair with `peerNodeId` (`revoke_trust`). */
  revokeTrust(peerNodeId: number, options?: RegistryCallOptions): Promise<void>;
  /** Whether a trust pair with `peerNodeId` exists (`check_trust`). */
  checkTrust(peerNodeId: number, options?: RegistryCallOptions): Promise<boolean>;
  /** Stores a trust request in `toNodeId`'s registry inbox (`request_handshake`). */
  requestHandshake(
    toNodeId: number,
    justification: string,
    options?: RegistryCallOptions,
  ): Promise<void>;
  /** Takes and clears this node's relay inboxes (`poll_handshakes`). */
  pollHandshakes(options?: RegistryCallOptions): Promise<HandshakeInbox>;
  /** Sets this node's tags in network `networkId` (`set_member_tags`, signed). */
  setMemberTags(
    networkId: number,
    tags: readonly string[],
    options?: RegistryCallOptions,
  ): Promise<void>;
  /** The member tags of `nodeId` in network `networkId` (`get_member_tags`). */
  getMemberTags(
    networkId: number,
    nodeId: number,
    options?: RegistryCallOptions,
  ): Promise<string[]>;
  /** Answers a relayed request from `peerNodeId` (`respond_handshake`). */
  respondHandshake(
    peerNodeId: number,
    accept: boolean,
    options?: RegistryCallOptions,
  ): Promise<void>;
}
