/** Event payload data: a JSON-shaped record. */
export type EventPayload = Readonly<Record<string, unknown>>;

/** One event on the daemon's in-process bus (reference §E.5). */
export interface Event {
  /** Dotted topic, for example `conn.established` or `handshake.approved`. */
  readonly topic: string;
  /** The publishing daemon's node id (0 before registration). */
  readonly nodeId: number;
  /** Publication time, Unix epoch milliseconds (UTC). */
  readonly time: number;
  /** Event data. */
  readonly payload: EventPayload;
}

/** Options of {@link EventBus.subscribe}. */
export interface SubscribeOptions {
  /** Closes the subscription when aborted. */
  readonly signal?: AbortSignal;
  /**
   * Events buffered for a slow reader before new ones are dropped (and counted).
   * @defaultValue 1024
   */
  readonly bufferSize?: number;
}

/**
 * A live subscription: iterate it to receive events; iteration ends after {@link close}.
 */
export interface EventSubscription extends AsyncIterable<Event> {
  /** The pattern given to `subscribe`. */
  readonly pattern: string;
  /** Events dropped so far because the buffer was full. */
  readonly dropped: number;
  /** Stops delivery, discards buffered events and ends iteration. Idempotent. */
  close(): void;
}

/**
 * The payloads of the engine's own topics (reference §E.4), so publishers and subscribers
 * of these topics are type-checked. Plugin topics are plain strings with {@link EventPayload}
 * data; a plugin package may widen this map with declaration merging for its own topics.
 */
export interface MeshEventMap {
  /** The daemon finished starting and serves traffic. */
  'daemon.ready': { readonly node_id: number; readonly address: string };
  /** Registered with the registry for the first time in this run. */
  'node.registered': { readonly address: string; readonly endpoint?: string };
  /** Registered again after the registry forgot the node or the link dropped. */
  'node.reregistered': { readonly address: string };
  /** Deregistered from the registry. */
  'node.deregistered': EventPayload;
  /** The registry link came up (first answer); `reason` names the call that got it. */
  'registry.connected': { readonly registry: string; readonly reason: string };
  /** The registry link dropped; `reason` names the call that failed and why. */
  'registry.disconnected': { readonly registry: string; readonly reason: string };
  /** The registry link came back after a drop. */
  'registry.reconnected': {
    readonly registry: string;
    readonly reason: string;
    readonly lost_reason: string;
    readonly down_ms: number;
  };
  /** The registry warned that this node's key is about to expire (on a heartbeat). */
  'identity.key_expiry_warning': { readonly node_id: number };
  /** The node's identity key was replaced; peers learn the new key from the registry. */
  'identity.rotated': {
    readonly node_id: number;
    readonly public_key: string;
    readonly old_public_key: string;
  };
  /** A tunnel session was established with a peer. */
  'tunnel.established': {
    readonly peer_node_id: number;
    readonly authenticated: boolean;
    readonly relay: boolean;
    readonly rekeyed: boolean;
  };
  /** A new peer entered the tunnel table. */
  'tunnel.peer_added': { readonly peer_node_id: number; readonly endpoint: string };
  /** Traffic to a peer now goes through the beacon relay. */
  'tunnel.relay_activated': { readonly peer_node_id: number };
  /** A relayed peer's frames arrive directly again: traffic to it leaves the relay. */
  'tunnel.direct_restored': { readonly peer_node_id: number; readonly endpoint: string };
  /** A stream was established. */
  'conn.established': {
    readonly src_addr: string;
    readonly src_port: number;
    readonly dst_port: number;
    readonly conn_id: number;
  };
  /** An inbound SYN was refused by the admission gate (`reason`: `trust` or `policy`), §E.1. */
  'syn.rejected': {
    readonly src_node_id: number;
    readonly dst_port: number;
    readonly reason: string;
  };
  /** An inbound datagram was refused by the admission gate (`reason`: `trust` or `policy`). */
  'datagram.rejected': {
    readonly src_node_id: number;
    readonly src_port: number;
    readonly dst_port: number;
    readonly reason: string;
  };
  /** A datagram arrived. */
  'data.datagram': {
    readonly src_addr: string;
    readonly src_port: number;
    readonly dst_port: number;
    readonly size: number;
  };
  /** A handshake request arrived. */
  'handshake.received': { readonly peer_node_id: number; readonly justification: string };
  /** A handshake request waits for the operator. */
  'handshake.pending': { readonly peer_node_id: number; readonly justification: string };
  /** A handshake request was approved automatically. */
  'handshake.auto_approved': { readonly peer_node_id: number; readonly reason: string };
  /** A handshake request was approved. */
  'handshake.approved': { readonly peer_node_id: number };
  /** A handshake request was rejected. */
  'handshake.rejected': { readonly peer_node_id: number; readonly reason: string };
  /** The set of trusted peers changed. */
  'trust.changed': { readonly peer_node_id: number; readonly trusted: boolean };
  /** This node revoked trust in a peer. */
  'trust.revoked': { readonly peer_node_id: number };
  /** A peer revoked its trust in this node. */
  'trust.revoked_by_peer': { readonly peer_node_id: number };
  /** A plugin finished `init`. */
  'plugin.loaded': { readonly name: string; readonly version?: string };
}

/** A topic of the engine's own {@link MeshEventMap}. */
export type MeshTopic = keyof MeshEventMap;

/**
 * The in-process pub/sub surface. Patterns: `*` (or empty) matches every topic, `prefix.*`
 * matches topics starting with `prefix.`, anything else matches exactly.
 */
export interface EventBus {
  /** Delivers an engine topic to every matching subscriber, type-checked against {@link MeshEventMap}. */
  publish<K extends MeshTopic>(topic: K, payload: MeshEventMap[K]): void;
  /** Delivers to every matching subscriber. Never blocks; full subscribers drop the event. */
  publish(topic: string, payload?: EventPayload): void;
  /** Subscribes to topics matching `pattern`. */
  subscribe(pattern: string, options?: SubscribeOptions): EventSubscription;
}
