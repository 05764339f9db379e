// The method and notification map shared by meshd (server) and @mesh/client (SDK).
// Field names are snake_case like the reference network's JSON (§E.6), so CLI output matches it.

/** Parameters of `rpc.hello`, the first call on every connection. */
export interface HelloParams {
  /** The protocol version the client speaks ({@link RPC_VERSION}). */
  readonly rpc_version: number;
  /** Free-text client name for logs, e.g. `meshctl/0.1.0`. */
  readonly client?: string;
}

/** Result of `rpc.hello`. */
export interface HelloResult {
  /** The protocol version the server speaks. */
  readonly rpc_version: number;
  /** The daemon's version. */
  readonly daemon_version: string;
  /** The daemon's process id. */
  readonly pid: number;
  /** Every method name the daemon answers, plugin methods included. */
  readonly methods: readonly string[];
}

/** One peer in `info.peer_list` / `peers`. */
export interface PeerSummary {
  /** The peer's node id. */
  readonly node_id: number;
  /** Its tunnel endpoint `host:port` (the beacon's when relayed). */
  readonly endpoint: string;
  /** Whether the tunnel is encrypted. */
  readonly encrypted: boolean;
  /** Whether the peer's identity key was verified. */
  readonly authenticated: boolean;
  /** Whether traffic goes through the beacon relay. */
  readonly relay?: boolean;
}

/** Per-connection transport statistics (`info.conn_list` / `connections`), §E.6. */
export interface ConnectionStats {
  /** Connection id. */
  readonly id: number;
  /** Local virtual port. */
  readonly local_port: number;
  /** Remote address text. */
  readonly remote_addr: string;
  /** Remote virtual port. */
  readonly remote_port: number;
  /** State name, e.g. `ESTABLISHED`. */
  readonly state: string;
  /** Congestion window, bytes. */
  readonly cong_win: number;
  /** Slow-start threshold, bytes. */
  readonly ssthresh: number;
  /** Bytes sent and not yet acknowledged. */
  readonly in_flight: number;
  /** Smoothed RTT, ms. */
  readonly srtt_ms: number;
  /** RTT variance, ms. */
  readonly rttvar_ms: number;
  /** Unacknowledged segments. */
  readonly unacked: number;
  /** Out-of-order segments buffered. */
  readonly ooo_buf: number;
  /** The peer's advertised receive window, bytes. */
  readonly peer_recv_win: number;
  /** Our receive window, bytes. */
  readonly recv_win: number;
  /** Whether fast recovery is active. */
  readonly in_recovery: boolean;
  /** Payload bytes sent. */
  readonly bytes_sent: number;
  /** Payload bytes received. */
  readonly bytes_recv: number;
  /** Segments sent. */
  readonly segs_sent: number;
  /** Segments received. */
  readonly segs_recv: number;
  /** Retransmitted segments. */
  readonly retransmits: number;
  /** Fast retransmits. */
  readonly fast_retx: number;
  /** SACK blocks received. */
  readonly sack_recv: number;
  /** SACK blocks sent. */
  readonly sack_sent: number;
  /** Duplicate ACKs seen. */
  readonly dup_acks: number;
}

/** Result of `info`: the reference InfoOK fields plus the daemon's own. */
export interface InfoResult {
  /** This node's id. */
  readonly node_id: number;
  /** This node's address text. */
  readonly address: string;
  /** Registered hostname, `''` when none. */
  readonly hostname: string;
  /** Seconds since start. */
  readonly uptime_secs: number;
  /** Connections in SYN_SENT, SYN_RECV or ESTABLISHED. */
  readonly connections: number;
  /** Bound virtual ports. */
  readonly ports: number;
  /** Known peers. */
  readonly peers: number;
  /** Peers with an encrypted tunnel. */
  readonly encrypted_peers: number;
  /** Peers whose identity was verified. */
  readonly authenticated_peers: number;
  /** Whether tunnel encryption is on. */
  readonly encrypt: boolean;
  /** Whether the identity is persisted to a file. */
  readonly identity: boolean;
  /** Ed25519 public key, standard base64. */
  readonly public_key: string;
  /** Owner string, `''` when none. */
  readonly owner: string;
  /** Tunnel bytes sent. */
  readonly bytes_sent: number;
  /** Tunnel bytes received. */
  readonly bytes_recv: number;
  /** Tunnel packets sent. */
  readonly pkts_sent: number;
  /** Tunnel packets received. */
  readonly pkts_recv: number;
  /** Every peer. */
  readonly peer_list: readonly PeerSummary[];
  /** Every connection with transport stats. */
  readonly conn_list: readonly ConnectionStats[];
  /** Daemon version. */
  readonly version: string;
  /** Daemon process id. */
  readonly pid: number;
  /** Whether the node is public. */
  readonly public: boolean;
  /** The node's tags. */
  readonly tags: readonly string[];
  /** Webhook URL, `''` when none. */
  readonly webhook: string;
  /** The webhook plugin's counters (all zero without the plugin or a URL). */
  readonly webhook_stats: {
    readonly dropped: number;
    readonly circuit_skips: number;
    readonly delivered: number;
    readonly failed: number;
  };
  /** Registry connection state: `connected`, `connecting` or `disconnected`. */
  readonly registry_state: string;
}

/** Result of `resolve`. */
export interface ResolveResult {
  /** The name asked for. */
  readonly hostname: string;
  /** Its node id. */
  readonly node_id: number;
  /** Its address text. */
  readonly address: string;
  /** Whether it is public. */
  readonly public: boolean;
}

/** Result of `version`. */
export interface VersionResult {
  /** The daemon's version. */
  readonly daemon_version: string;
  /** The plugin contract (`@mesh/daemonapi`) version the daemon implements. */
  readonly contract_version: string;
  /** The IPC protocol version. */
  readonly rpc_version: number;
  /** Build commit, `''` when unknown. */
  readonly commit: string;
  /** Build time, `''` when unknown. */
  readonly build_time: string;
}

/** Result of `rotate_key`. */
export interface RotateKeyResult {
  /** The node id (unchanged by a rotation). */
  readonly node_id: number;
  /** The new Ed25519 public key, base64. */
  readonly public_key: string;
  /** The replaced public key, base64. */
  readonly old_public_key: string;
  /** The identity file now holding the new key, `''` when the daemon keeps its key in memory. */
  readonly identity_path: string;
  /** The backup of the old key (`identity.json.old`), `''` without an identity file. */
  readonly backup_path: string;
}

/** Result of `lookup`: what the registry says about a node. */
export interface LookupResult {
  /** The node id. */
  readonly node_id: number;
  /** Its address text. */
  readonly address: string;
  /** Its hostname, `''` when none or hidden. */
  readonly hostname: string;
  /** Whether it is public. */
  readonly public: boolean;
  /** Its tags. */
  readonly tags: readonly string[];
  /** Its networks. */
  readonly networks: readonly number[];
  /** Its Ed25519 public key, base64. */
  readonly public_key: string;
}

/** Result of `conn.dial`. */
export interface DialResult {
  /** The connection id; use it with `conn.send` / `conn.close`. */
  readonly conn_id: number;
  /** The local ephemeral port. */
  readonly local_port: number;
  /** The peer's address text. */
  readonly remote_addr: string;
  /** The peer's port. */
  readonly remote_port: number;
}

/** A pending trust request (`handshake.pending`). */
export interface PendingHandshake {
  /** Requester node id. */
  readonly node_id: number;
  /** Requester public key (base64, may be empty). */
  readonly public_key: string;
  /** The reason given. */
  readonly justification: string;
  /** Arrival, Unix seconds. */
  readonly received_at: number;
}

/** A trusted peer (`handshake.trusted`). */
export interface TrustedPeer {
  /** Peer node id. */
  readonly node_id: number;
  /** Peer public key (base64, may be empty). */
  readonly public_key: string;
  /** Approval time, Unix seconds. */
  readonly approved_at: number;
  /** Whether trust is mutual. */
  readonly mutual: boolean;
  /** The network that granted trust, 0 when none. */
  readonly network: number;
}

/** Result of the handshake commands that act on one peer. */
export interface HandshakeActionResult {
  /** `sent`, `approved`, `rejected` or `revoked`. */
  readonly status: string;
  /** The peer. */
  readonly node_id: number;
}

/** One loaded plugin (`plugins`). */
export interface PluginSummary {
  /** Plugin name. */
  readonly name: string;
  /** Plugin version, `''` when unknown. */
  readonly version: string;
  /** IPC methods the plugin added. */
  readonly methods: readonly string[];
  /** For an out-of-process plugin: its process (state, pid, restarts after crashes, last error). */
  readonly process?: {
    readonly state: string;
    readonly pid: number;
    readonly restarts: number;
    readonly last_error?: string;
  };
}

/** One registry/beacon connection-state event (`diag`). */
export interface ConnectionEventRecord {
  /** Schema version, 1. */
  readonly v: number;
  /** `connect`, `disconnect`, `reconnect`, `closed`, `wake`, `daemon_start`, `daemon_stop`, … */
  readonly type: string;
  /** ISO 8601 UTC time. */
  readonly at: string;
  /** Which link: `registry`, `beacon` or `daemon`. */
  readonly link: string;
  /** Why, for disconnects and closes. */
  readonly reason?: string;
}

/** Result of `diag`. */
export interface DiagResult {
  /** Current state per link. */
  readonly summary: Readonly<Record<string, { readonly state: string; readonly since: string }>>;
  /** Recent events, oldest first. */
  readonly events: readonly ConnectionEventRecord[];
  /** Events persisted on disk (all generations). */
  readonly on_disk_count: number;
  /** Disconnects in the last hour. */
  readonly drops_last_hour: number;
}

/**
 * Every built-in method: `params` and `result` per name. Plugins add methods outside this map
 * (call them with `callRaw`).
 */
export interface MeshMethods {
  /** Version handshake; must come first. */
  'rpc.hello': { params: HelloParams; result: HelloResult };
  /** Node, peer and connection summary. */
  info: { params: Record<string, never>; result: InfoResult };
  /** Every peer. */
  peers: { params: Record<string, never>; result: { readonly peers: readonly PeerSummary[] } };
  /** Every connection with transport stats. */
  connections: {
    params: Record<string, never>;
    result: { readonly connections: readonly ConnectionStats[] };
  };
  /** Closes any connection by id (not only this client's). */
  disconnect: { params: { readonly conn_id: number }; result: { readonly conn_id: number } };
  /** Opens a stream to `target` (address, node id or hostname) on `port`. */
  'conn.dial': {
    params: { readonly target: string; readonly port: number; readonly timeout_ms?: number };
    result: DialResult;
  };
  /** Writes base64 `data`; resolves once the engine queued it. */
  'conn.send': {
    params: { readonly conn_id: number; readonly data: string };
    result: { readonly bytes: number };
  };
  /** Sends FIN on one of this client's connections. */
  'conn.close': { params: { readonly conn_id: number }; result: { readonly conn_id: number } };
  /** Binds `port` for this client; inbound connections arrive as `conn.accepted`. */
  'port.listen': { params: { readonly port: number }; result: { readonly port: number } };
  /** Releases a port this client bound. */
  'port.unlisten': { params: { readonly port: number }; result: { readonly port: number } };
  /** Sends one datagram. */
  'dgram.send': {
    params: { readonly target: string; readonly port: number; readonly data: string };
    result: { readonly bytes: number };
  };
  /** Resolves a hostname through the registry. */
  resolve: { params: { readonly hostname: string }; result: ResolveResult };
  /** Sets (or with `''` clears) the hostname. */
  'set.hostname': { params: { readonly hostname: string }; result: { readonly hostname: string } };
  /** Makes the node public or private. */
  'set.visibility': { params: { readonly public: boolean }; result: { readonly public: boolean } };
  /** Replaces the node's tags. */
  'set.tags': {
    params: { readonly tags: readonly string[] };
    result: { readonly tags: readonly string[] };
  };
  /** Sets (or with `''` clears) the webhook URL. */
  'set.webhook': { params: { readonly url: string }; result: { readonly webhook: string } };
  /** Removes this node from the registry. */
  deregister: { params: Record<string, never>; result: { readonly status: string } };
  /** Daemon, contract and IPC versions. */
  version: { params: Record<string, never>; result: VersionResult };
  /** Looks a node up in the registry by id. */
  lookup: { params: { readonly node_id: number }; result: LookupResult };
  /**
   * Rotates the node's Ed25519 key (registry first, then every tunnel). Fails with engine code
   * `ROTATION_REFUSED`, `ROTATION_UNKNOWN` or `ROTATION_CONFLICT` in `details.engine_code`.
   */
  rotate_key: { params: Record<string, never>; result: RotateKeyResult };
  /** Drops every piece of state about a peer (tunnel, keys); it is learned again on next contact. */
  'peers.forget': {
    params: { readonly node_id: number };
    result: { readonly node_id: number; readonly forgotten: boolean };
  };
  /** Asks a peer for trust. */
  'handshake.send': {
    params: { readonly target: string; readonly justification: string };
    result: HandshakeActionResult;
  };
  /** Approves a pending request. */
  'handshake.approve': { params: { readonly node_id: number }; result: HandshakeActionResult };
  /** Rejects a pending request. */
  'handshake.reject': {
    params: { readonly node_id: number; readonly reason: string };
    result: HandshakeActionResult;
  };
  /** Pending incoming requests. */
  'handshake.pending': {
    params: Record<string, never>;
    result: { readonly pending: readonly PendingHandshake[] };
  };
  /** Trusted peers. */
  'handshake.trusted': {
    params: Record<string, never>;
    result: { readonly trusted: readonly TrustedPeer[] };
  };
  /** Revokes trust in a peer. */
  'handshake.revoke': { params: { readonly node_id: number }; result: HandshakeActionResult };
  /** Loaded plugins. */
  plugins: {
    params: Record<string, never>;
    result: { readonly plugins: readonly PluginSummary[] };
  };
  /** Connection-state diagnostics; `since_ms` limits events to those after it (Unix ms). */
  diag: { params: { readonly since_ms?: number }; result: DiagResult };
  /**
   * Streams bus events matching `pattern` to this client as `events.event` notifications until
   * `events.unsubscribe` or disconnect.
   */
  'events.subscribe': { params: EventsSubscribeParams; result: EventsSubscribeResult };
  /** Ends one of this client's event subscriptions. */
  'events.unsubscribe': {
    params: { readonly subscription: string };
    result: { readonly subscription: string; readonly dropped: number };
  };
}

/** Parameters of `events.subscribe`. */
export interface EventsSubscribeParams {
  /** `*` (default) for every topic, `prefix.*` for a family, anything else for one topic. */
  readonly pattern?: string;
  /**
   * Events the daemon buffers for this subscription while the client reads slowly; beyond it
   * events are dropped and counted. @defaultValue 1024 (at most 65 536)
   */
  readonly buffer_size?: number;
}

/** Result of `events.subscribe`. */
export interface EventsSubscribeResult {
  /** The subscription id carried by every `events.event` notification. */
  readonly subscription: string;
  /** The pattern in effect. */
  readonly pattern: string;
}

/** One bus event pushed to a subscriber (`events.event`). */
export interface EventNotification {
  /** The subscription it belongs to. */
  readonly subscription: string;
  /** Dotted topic. */
  readonly topic: string;
  /** The publishing node (0 before registration). */
  readonly node_id: number;
  /** Publication time, Unix epoch ms. */
  readonly time: number;
  /** Event data. */
  readonly payload: Readonly<Record<string, unknown>>;
  /** Events this subscription lost so far because its buffer was full. */
  readonly dropped: number;
}

/** Every server push: `params` per name. */
export interface MeshNotifications {
  /** An inbound connection on a port this client listens on. */
  'conn.accepted': {
    readonly port: number;
    readonly conn_id: number;
    readonly remote_addr: string;
    readonly remote_port: number;
  };
  /** Bytes (base64) received on one of this client's connections. */
  'conn.data': { readonly conn_id: number; readonly data: string };
  /** The peer closed (FIN) or the connection was reset; no more `conn.data` follows. */
  'conn.closed': { readonly conn_id: number; readonly reason: string };
  /** A datagram for a port this client listens on. */
  'dgram.received': {
    readonly src_addr: string;
    readonly src_port: number;
    readonly dst_port: number;
    readonly data: string;
  };
  /** A bus event for one of this client's `events.subscribe` subscriptions. */
  'events.event': EventNotification;
}

/** A built-in method name. */
export type MeshMethodName = keyof MeshMethods;
/** A notification name. */
export type MeshNotificationName = keyof MeshNotifications;
