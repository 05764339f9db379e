// The registry calls a beacon needs: announce itself and learn its peers (reference §D.3).

/** One beacon as the registry lists it. */
export interface BeaconListing {
  /** Non-zero beacon id. */
  readonly id: number;
  /** `host:port` of the beacon's UDP socket. */
  readonly addr: string;
}

/**
 * What the beacon needs from a registry connection. A `RegistryClient` from
 * `@mesh/registry-client` can be adapted in one line; tests can pass anything that answers.
 */
export interface BeaconRegistrar {
  /** Sends `beacon_register` (`beacon_id`, `addr`); the registry keeps the entry for 60 s. */
  beaconRegister(beaconId: number, addr: string): Promise<void>;
  /** Sends `beacon_list`; used to find peer beacons for gossip. Optional. */
  beaconList?(): Promise<readonly BeaconListing[]>;
  /**
   * The node's Ed25519 public key (32 raw bytes) as the registry holds it, for checking a
   * ProvenDiscover; undefined for an unknown node. Optional.
   */
  nodeKey?(nodeId: number): Promise<Uint8Array | undefined>;
  /** Releases the connection when the beacon closes. Optional. */
  close?(): Promise<void> | void;
}
