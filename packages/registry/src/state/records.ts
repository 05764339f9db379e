/** One registered node, as stored. Times are unix milliseconds. */
export interface NodeRecord {
  /** Node id. */
  id: number;
  /** Base64 Ed25519 public key ('' for legacy keyless nodes). */
  publicKey: string;
  /** Owner / e-mail for key recovery. */
  owner?: string;
  /** Endpoint: the registry connection's source IP with the port of `listen_addr`. */
  realAddr: string;
  /** LAN endpoints reported by the node. */
  lanAddrs: string[];
  /** Member networks, always including 0 (backbone). */
  networks: number[];
  /** Endpoint visible to anyone. */
  public: boolean;
  /** Hostname ('' for none). */
  hostname: string;
  /** Tags. */
  tags: string[];
  /** Accepts tasks. */
  taskExec: boolean;
  /** Reachable only via relay: the endpoint is never handed out. */
  relayOnly: boolean;
  /** Software version string. */
  version?: string;
  /** External identity. */
  externalId?: string;
  /** Last register or heartbeat. */
  lastSeen: number;
  /** When the current key was registered or rotated. */
  keyCreatedAt: number;
  /** When the key expires (undefined = never). */
  keyExpiresAt?: number;
  /**
   * The node has authenticated a request with a request envelope (timestamp + nonce): from then
   * on its bare replayable signatures are refused (docs/security/registry.md).
   */
  reqsig?: boolean;
}

/** A custom network, as stored (membership lives on the node records). */
export interface NetworkRecord {
  /** Network id, 1..65535. */
  id: number;
  /** Unique name. */
  name: string;
  /** `open`, `token` or `invite`. */
  joinRule: 'open' | 'token' | 'invite';
  /** Join token for `token` networks. */
  token?: string;
  /** Managed-network rules, as validated JSON. */
  rules?: unknown;
  /** Creation time. */
  created: number;
  /** Enterprise network (RBAC features on). */
  enterprise?: boolean;
  /** RBAC roles by node id (`owner`, `admin`; members are implicit). */
  roles?: Record<string, 'owner' | 'admin'>;
  /** Admin-assigned member tags by node id. */
  memberTags?: Record<string, string[]>;
  /** Legacy network policy (`max_members`, `allowed_ports`, `description`). */
  policy?: NetworkPolicyRecord;
  /** Expression policy document, as JSON text. */
  exprPolicy?: string;
  /** Per-network admin token (blueprints). */
  networkAdminToken?: string;
}

/** The legacy per-network policy of `set_network_policy`. */
export interface NetworkPolicyRecord {
  /** Member cap (0 = none). */
  maxMembers: number;
  /** Allowed virtual ports (empty = all). */
  allowedPorts: number[];
  /** Free text. */
  description: string;
}

/** One audit log entry of a network administration change. Times are unix ms. */
export interface AuditEntry {
  /** Monotonic sequence number. */
  seq: number;
  /** When it happened. */
  timestamp: number;
  /** The message type that made the change, e.g. `kick_member`. */
  action: string;
  /** Network concerned, if any. */
  networkId?: number;
  /** Acting or affected node, if any. */
  nodeId?: number;
  /** Short free text. */
  details?: string;
}

/** A relayed handshake request waiting in the target's inbox. */
export interface InboxRequest {
  /** Requesting node. */
  fromNodeId: number;
  /** Requester's free text. */
  justification: string;
  /** Unix seconds. */
  timestamp: number;
}

/** A relayed handshake answer waiting in the requester's inbox. */
export interface InboxResponse {
  /** Responding node. */
  fromNodeId: number;
  /** Accepted or not. */
  accept: boolean;
  /** Unix seconds. */
  timestamp: number;
}

/** A network invitation waiting for the invited node's answer. */
export interface InboxInvite {
  /** Network the node is invited to. */
  networkId: number;
  /** Member who sent the invitation. */
  inviterId: number;
  /** Unix seconds. */
  timestamp: number;
}

/** A node's standing consent to a trust pair with the inbox owner, waiting for the owner's. */
export interface InboxConsent {
  /** The node that consented (by `report_trust` or `request_handshake`). */
  fromNodeId: number;
  /** Unix seconds. */
  timestamp: number;
}

/** Both handshake inboxes of one node, plus its pending network invitations. */
export interface Inbox {
  /** Requests addressed to the node. */
  requests: InboxRequest[];
  /** Answers to the node's own requests. */
  responses: InboxResponse[];
  /** Pending network invitations (absent = none). */
  invites?: InboxInvite[];
  /**
   * Nodes that consented to a trust pair with this node (absent = none). Not drained by
   * `poll_handshakes`: a consent lasts until this node answers it or the other side revokes.
   */
  consents?: InboxConsent[];
}
