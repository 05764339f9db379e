// The narrowest views of the engine each group of IPC handlers needs; @mesh/daemon's Daemon satisfies them all.
import type { Duplex } from 'node:stream';
import type { HandshakeService } from '@mesh/daemonapi';
import type { Addr } from '@mesh/protocol';

/** An engine stream connection: a Duplex with its endpoints. */
export interface EngineConnection extends Duplex {
  /** Transport-wide connection id. */
  readonly id: number;
  /** Local port. */
  readonly localPort: number;
  /** Peer address. */
  readonly remoteAddr: Addr;
  /** Peer port. */
  readonly remotePort: number;
}

/** A bound engine port. */
export interface EngineListener {
  /** The port. */
  readonly port: number;
  /** Next inbound connection; rejects once closed. */
  accept(): Promise<EngineConnection>;
  /** Stops listening. */
  close(): void;
}

/** A received datagram. */
export interface EngineDatagram {
  /** Sender. */
  readonly src: Addr;
  /** Sender port. */
  readonly srcPort: number;
  /** Destination port. */
  readonly dstPort: number;
  /** Payload. */
  readonly data: Uint8Array;
}

/** Streams, ports and datagrams. */
export interface StreamEngine {
  /** Opens a stream. */
  dial(
    dst: Addr,
    port: number,
    options?: { readonly signal?: AbortSignal; readonly timeoutMs?: number },
  ): Promise<EngineConnection>;
  /** Binds a port. */
  listen(port: number): EngineListener;
  /** Sends a datagram. */
  sendDatagram(dst: Addr, port: number, data: Uint8Array): Promise<void>;
  /** Receives every inbound datagram. */
  onAnyDatagram(fn: (datagram: EngineDatagram) => void): () => void;
  /** Every engine connection by id (services' too), for `disconnect`; optional. */
  transport?(): EngineConnectionTable;
}

/** A connection as `disconnect` sees it. */
export interface EngineTableConnection {
  /** Sends RST and drops the connection. */
  destroy(): unknown;
}

/** The engine's connection table. */
export interface EngineConnectionTable {
  /** A connection by id. */
  connection(id: number): EngineTableConnection | undefined;
}

/** The registry operations the daemon performs for its clients. */
export interface RegistryOps {
  /** Hostname → node. */
  resolveHostname(hostname: string): Promise<{
    readonly nodeId: number;
    readonly address: string;
    readonly public: boolean;
    readonly hostname: string;
  }>;
  /** Sets or clears the hostname; returns the name now registered. */
  setHostname(hostname: string): Promise<string>;
  /** Sets visibility. */
  setVisibility(isPublic: boolean): Promise<void>;
  /** Replaces tags; returns the tags now registered. */
  setTags(tags: readonly string[]): Promise<string[]>;
  /** Removes the node. */
  deregister(): Promise<void>;
}

/** Identity, counters and the registry for `info`, `peers`, `connections`, `resolve` and `set.*`. */
export interface NodeEngine {
  /** The info snapshot (reference InfoOK fields). */
  info(): {
    readonly node_id: number;
    readonly address: string;
    readonly peer_list: readonly object[];
    readonly conn_list: readonly object[];
  };
  /** This node's address. */
  addr(): Addr;
  /** The registry client, when registered. */
  rawRegistryClient(): RegistryOps | undefined;
  /** Hot-swaps the webhook URL. */
  setWebhookUrl(url: string): void;
}

/** The handshake plugin's service, when one is loaded. */
export interface HandshakeEngine {
  /** The registered service, if any. */
  handshakeService(): HandshakeService | undefined;
}

/** Loaded plugins and the methods they registered. */
export interface PluginEngine {
  /** Plugin names in load order. */
  pluginNames(): string[];
  /** Plugin-registered method names. */
  methodNames(): string[];
  /** A plugin-registered method. */
  method(
    name: string,
  ): ((params: unknown, context: { readonly signal: AbortSignal }) => unknown) | undefined;
}
