/** Counters of a running {@link Beacon}, since {@link Beacon.listen}. */
export interface BeaconStats {
  /** Nodes currently reachable through this beacon (UDP and WebSocket). */
  readonly nodes: number;
  /** Of `nodes`, those bound by a verified ProvenDiscover. */
  readonly provenNodes: number;
  /** Nodes learnt from peer beacons' Sync gossip. */
  readonly remoteNodes: number;
  /** Open WebSocket connections. */
  readonly wsConnections: number;
  /** Discover messages answered. */
  readonly discovers: number;
  /** Punch requests coordinated (commands sent to both sides). */
  readonly punches: number;
  /** Relay frames delivered to a local node. */
  readonly relayed: number;
  /** Relay frames forwarded to a peer beacon. */
  readonly forwarded: number;
  /** Relay frames dropped: unknown destination, spoofed sender, or backpressure. */
  readonly relayDropped: number;
  /** Messages that did not decode, or had a type the beacon does not accept. */
  readonly malformed: number;
  /** Nodes forgotten by the expiry sweep or evicted by the size cap. */
  readonly expired: number;
  /** Successful `beacon_register` calls. */
  readonly registrations: number;
  /** ProvenDiscover messages accepted (signature checked against the registry's key). */
  readonly proofs: number;
  /** ProvenDiscover messages refused: expired, forged or spent cookie, unknown node, bad signature. */
  readonly proofFailures: number;
  /** Unproven claims not bound: the id is proven elsewhere, or an unproven cap is reached. */
  readonly unprovenRefused: number;
  /** UDP requests left unanswered because the answer would be larger than the request. */
  readonly shortUnanswered: number;
}

/** Mutable counters behind {@link BeaconStats}. */
export interface Counters {
  discovers: number;
  punches: number;
  relayed: number;
  forwarded: number;
  relayDropped: number;
  malformed: number;
  expired: number;
  registrations: number;
  proofs: number;
  proofFailures: number;
  unprovenRefused: number;
  shortUnanswered: number;
}

/** Fresh zeroed counters. */
export function zeroCounters(): Counters {
  return {
    discovers: 0,
    punches: 0,
    relayed: 0,
    forwarded: 0,
    relayDropped: 0,
    malformed: 0,
    expired: 0,
    registrations: 0,
    proofs: 0,
    proofFailures: 0,
    unprovenRefused: 0,
    shortUnanswered: 0,
  };
}
