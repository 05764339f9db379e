import type { ConnectionInfo } from '../transport/index.js';

/** One peer row of a {@link DaemonSnapshot}. */
export interface DaemonPeerInfo {
  /** Peer node id. */
  readonly node_id: number;
  /** Direct UDP endpoint or empty. */
  readonly endpoint: string;
  /** Whether a session key exists. */
  readonly encrypted: boolean;
  /** Whether the peer's key was checked against the registry. */
  readonly authenticated: boolean;
  /** Whether frames go through the beacon relay. */
  readonly relay: boolean;
}

/** One connection row of a {@link DaemonSnapshot} (reference §E.6 field names). */
export interface DaemonConnectionInfo {
  /** Connection id. */
  readonly id: number;
  /** Local virtual port. */
  readonly local_port: number;
  /** Remote address text. */
  readonly remote_addr: string;
  /** Remote virtual port. */
  readonly remote_port: number;
  /** State name (`ESTABLISHED` …). */
  readonly state: string;
  /** Congestion window, bytes. */
  readonly cong_win: number;
  /** Slow-start threshold, bytes. */
  readonly ssthresh: number;
  /** Bytes in flight. */
  readonly in_flight: number;
  /** Smoothed RTT, ms. */
  readonly srtt_ms: number;
  /** RTT variance, ms. */
  readonly rttvar_ms: number;
  /** Unacknowledged bytes. */
  readonly unacked: number;
  /** Out-of-order segments buffered. */
  readonly ooo_buf: number;
  /** The peer's receive window, bytes. */
  readonly peer_recv_win: number;
  /** Our receive window, bytes. */
  readonly recv_win: number;
  /** Whether loss recovery is active. */
  readonly in_recovery: boolean;
  /** Payload bytes sent. */
  readonly bytes_sent: number;
  /** Payload bytes received. */
  readonly bytes_recv: number;
  /** Segments sent. */
  readonly segs_sent: number;
  /** Segments received. */
  readonly segs_recv: number;
  /** Retransmissions. */
  readonly retransmits: number;
  /** Fast retransmissions. */
  readonly fast_retx: number;
  /** SACK blocks received. */
  readonly sack_recv: number;
  /** SACK acknowledgements sent. */
  readonly sack_sent: number;
  /** Duplicate ACKs received. */
  readonly dup_acks: number;
}

/**
 * A typed point-in-time view of the engine (reference §E.6 InfoOK field names, plus the node
 * settings the registry session owns). A control plane maps it to its own shape in one place.
 */
export interface DaemonSnapshot {
  /** Node id (0 before registration). */
  readonly node_id: number;
  /** Address text. */
  readonly address: string;
  /** Registered hostname. */
  readonly hostname: string;
  /** Whether the node is public (skips the trust gate). */
  readonly public: boolean;
  /** Registered node tags. */
  readonly tags: readonly string[];
  /** Whether the node accepts tasks. */
  readonly task_exec: boolean;
  /** Seconds since start. */
  readonly uptime_secs: number;
  /** Open connections (SYN_SENT, SYN_RECV, ESTABLISHED). */
  readonly connections: number;
  /** Bound ports. */
  readonly ports: number;
  /** Known peers. */
  readonly peers: number;
  /** Peers with a session key. */
  readonly encrypted_peers: number;
  /** Peers whose identity was verified. */
  readonly authenticated_peers: number;
  /** Whether tunnel encryption is on. */
  readonly encrypt: boolean;
  /** Whether the identity is persisted to a file. */
  readonly identity: boolean;
  /** Ed25519 public key, base64. */
  readonly public_key: string;
  /** Owner string. */
  readonly owner: string;
  /** Tunnel bytes sent. */
  readonly bytes_sent: number;
  /** Tunnel bytes received. */
  readonly bytes_recv: number;
  /** Packets sent. */
  readonly pkts_sent: number;
  /** Packets received. */
  readonly pkts_recv: number;
  /** The public UDP endpoint registered. */
  readonly endpoint: string;
  /** Daemon version. */
  readonly version: string;
  /** Relay transport setting. */
  readonly transport: string;
  /** Webhook plugin counters (zero without one). */
  readonly webhook: {
    readonly dropped: number;
    readonly circuitSkips: number;
    readonly delivered: number;
    readonly failed: number;
  };
  /** Active event-bus subscriptions. */
  readonly bus_subscribers: number;
  /** Per-peer rows. */
  readonly peer_list: readonly DaemonPeerInfo[];
  /** Per-connection rows with transport statistics. */
  readonly conn_list: readonly DaemonConnectionInfo[];
}

/**
 * @deprecated the old name of {@link DaemonSnapshot}.
 */
export type DaemonInfo = DaemonSnapshot;

/**
 * The snapshot row of one connection.
 * @param c the transport connection
 * @returns its row
 */
export function connectionRow(c: ConnectionInfo): DaemonConnectionInfo {
  return {
    id: c.id,
    local_port: c.localPort,
    remote_addr: c.remoteAddrText,
    remote_port: c.remotePort,
    state: c.state,
    cong_win: c.cwnd,
    ssthresh: c.ssthresh,
    in_flight: c.inFlight,
    srtt_ms: c.srtt,
    rttvar_ms: c.rttvar,
    unacked: c.inFlight,
    ooo_buf: c.outOfOrder,
    peer_recv_win: c.peerWindow,
    recv_win: c.receiveWindow,
    in_recovery: c.recovery !== 'none',
    bytes_sent: c.bytesSent,
    bytes_recv: c.bytesReceived,
    segs_sent: c.segmentsSent,
    segs_recv: c.segmentsReceived,
    retransmits: c.retransmits,
    fast_retx: c.fastRetransmits,
    sack_recv: c.sackBlocksReceived,
    sack_sent: c.sackAcksSent,
    dup_acks: c.dupAcks,
  };
}
