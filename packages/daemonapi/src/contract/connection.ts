import type { Addr } from './addr.js';

/** Endpoint snapshot of a stream connection, returned by {@link Connection.info}. */
export interface ConnectionInfo {
  /** This daemon's address. */
  readonly localAddr: Addr;
  /** Local virtual port (0..65535). */
  readonly localPort: number;
  /** The peer's address. */
  readonly remoteAddr: Addr;
  /** The peer's virtual port. */
  readonly remotePort: number;
}

/**
 * An opaque handle to a stream connection. Plugins receive it from
 * {@link Daemon.dialConnection} or {@link Listener.accept} and hand it back to `sendData`,
 * `closeConnection` and `newConnReadWriter`. The engine's connection objects (Node `Duplex`
 * streams) satisfy it structurally by carrying an `info()` method.
 */
export interface Connection {
  /** A value snapshot of the endpoints, safe to keep after the connection closes. */
  info(): ConnectionInfo;
}

/**
 * Byte-stream access to a {@link Connection}, built by {@link Daemon.newConnReadWriter}.
 * Reading is async iteration over received chunks (iteration ends at the peer's FIN and throws
 * on reset); writing resolves once the bytes are queued, so awaiting it applies backpressure.
 * Only standard types, so the contract builds for every runtime.
 */
export interface ConnReadWriter extends AsyncIterable<Uint8Array> {
  /** Queues `data` for transmission; resolves when the connection accepted it. */
  write(data: Uint8Array): Promise<void>;
  /** Sends FIN after queued data and releases the adapter. Idempotent. */
  close(): Promise<void>;
}

/**
 * A bound port yielding inbound connections. Iterate it, or call {@link Listener.accept} in a
 * loop; both end when the listener is closed or its port is unbound.
 */
export interface Listener extends AsyncIterable<Connection> {
  /** The bound port; stable for the listener's lifetime. */
  readonly port: number;
  /** Waits for the next inbound connection; `undefined` once the listener is closed. */
  accept(): Promise<Connection | undefined>;
  /** Releases the port and ends pending and future `accept` calls. Idempotent. */
  close(): Promise<void>;
}

/** The daemon's virtual port table, from {@link Daemon.ports}. */
export interface PortAllocator {
  /**
   * Binds `port` (0 asks for a free ephemeral port) and returns its listener. Throws when the
   * port is already bound.
   */
  bind(port: number): Listener;
  /** Releases `port`; its listener stops accepting. Unbinding an unbound port is a no-op. */
  unbind(port: number): void;
}

/** The daemon's encrypted-tunnel table, from {@link Daemon.tunnels}. */
export interface TunnelRegistry {
  /** Drops every piece of per-peer tunnel state (keys, queues, routes). Safe when none exists. */
  removePeer(nodeId: number): void;
}
