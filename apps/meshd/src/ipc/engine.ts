// The narrowest views of the engine each group of IPC handlers needs; @mesh/daemon's Daemon satisfies them all.
import type { Duplex } from 'node:stream';
import type { DaemonSnapshot, LoadedPlugin } from '@mesh/daemon';
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

/** The registry operations meshd performs itself (node settings go through the engine). */
export interface RegistryOps {
  /** Hostname → node. */
  resolveHostname(hostname: string): Promise<{
    readonly nodeId: number;
    readonly address: string;
    readonly public: boolean;
    readonly hostname: string;
  }>;
  /** Removes the node. */
  deregister(): Promise<void>;
}

/**
 * Identity, counters, node settings and the registry for `info`, `peers`, `connections`,
 * `resolve` and `set.*`. The engine owns the node settings: `set.*` and SIGHUP reload change
 * them only through these methods, so its trust gate and re-registrations see the same values.
 */
export interface NodeEngine {
  /** The typed snapshot (reference InfoOK fields plus the node settings). */
  snapshot(): DaemonSnapshot;
  /** This node's address. */
  addr(): Addr;
  /** The registry client, when registered. */
  rawRegistryClient(): RegistryOps | undefined;
  /** Sets or clears the hostname; returns the name now registered. */
  setHostname(hostname: string): Promise<string>;
  /** Makes the node public or private (registry and trust gate). */
  setVisibility(isPublic: boolean): Promise<void>;
  /** Replaces the node tags; returns the tags now registered. */
  setTags(tags: readonly string[]): Promise<string[]>;
  /** Hot-swaps the webhook URL; throws code `SERVICE_UNAVAILABLE` without a webhook plugin. */
  setWebhookUrl(url: string): void;
}

/** The handshake plugin's service, when one is loaded. */
export interface HandshakeEngine {
  /** The registered service, if any. */
  handshakeService(): HandshakeService | undefined;
}

/** Loaded plugins and the methods they registered. */
export interface PluginEngine {
  /** Loaded plugins (name and version) in load order. */
  pluginList(): LoadedPlugin[];
  /** Plugin-registered method names. */
  methodNames(): string[];
  /** A plugin-registered method. */
  method(
    name: string,
  ): ((params: unknown, context: { readonly signal: AbortSignal }) => unknown) | undefined;
}
