// The SDK: typed methods over the daemon's IPC, streams as Duplexes, listeners as async iterables.
import { ErrorCode, IpcClient, IpcError } from '@mesh/ipc';
import type {
  CallOptions,
  DiagResult,
  HandshakeActionResult,
  InfoResult,
  LookupResult,
  RotateKeyResult,
  VersionResult,
  IpcClientOptions,
  MeshMethodName,
  MeshMethods,
  PeerSummary,
  PendingHandshake,
  PluginSummary,
  ResolveResult,
  ConnectionStats,
  TrustedPeer,
} from '@mesh/ipc';
import { MeshStream } from '../stream/mesh-stream.js';
import type { StreamHost } from '../stream/mesh-stream.js';
import { targetText } from '../target/target.js';
import type { Target } from '../target/target.js';
import { MeshListener } from './listener.js';
import { subscribeEvents } from '../events/event-stream.js';
import type { EventStream, EventsOptions } from '../events/event-stream.js';

/** A datagram received on a port this client listens on. */
export interface Datagram {
  /** Sender's address text. */
  readonly srcAddr: string;
  /** Sender's port. */
  readonly srcPort: number;
  /** Our port it arrived on. */
  readonly dstPort: number;
  /** Payload. */
  readonly data: Buffer;
}

/** Options of {@link connect}. */
export type ConnectOptions = IpcClientOptions;

/** Options of {@link MeshClient.dial}. */
export interface DialOptions {
  /** Gives up after this many ms (the daemon's own dial deadline applies too). */
  readonly timeoutMs?: number;
}

const MAX_ORPHAN_MESSAGES = 1024;
const MAX_ORPHAN_BYTES = 8 * 1024 * 1024;

type Orphan =
  | { readonly kind: 'data'; readonly data: Buffer }
  | { readonly kind: 'closed'; readonly reason: string };

/**
 * A connection to the local daemon. Create it with {@link connect}; close it with
 * {@link MeshClient.close}, which also closes every stream and listener it opened (the daemon
 * releases them too when a client goes away).
 */
export class MeshClient {
  /** The underlying IPC transport, for plugin methods (`ipc.callRaw`). */
  readonly ipc: IpcClient;
  readonly #streams = new Map<number, MeshStream>();
  readonly #orphans = new Map<number, Orphan[]>();
  readonly #listeners = new Map<number, MeshListener>();
  readonly #datagramListeners = new Set<(d: Datagram) => void>();
  readonly #backpressured = new Set<MeshStream>();
  readonly #host: StreamHost;
  #dialsInFlight = 0;
  #orphanBytes = 0;

  /** @param ipc - a connected IPC client (use {@link connect} instead). */
  constructor(ipc: IpcClient) {
    this.ipc = ipc;
    this.#host = {
      ipc,
      setBackpressure: (stream, full) => {
        if (full) this.#backpressured.add(stream);
        else this.#backpressured.delete(stream);
        if (this.#backpressured.size > 0) ipc.pauseReading();
        else ipc.resumeReading();
      },
      forget: (stream) => {
        this.#streams.delete(stream.connId);
        this.#backpressured.delete(stream);
        if (this.#backpressured.size === 0) ipc.resumeReading();
      },
    };
    ipc.onNotification('conn.data', (p) => {
      const data = Buffer.from(p.data, 'base64');
      const s = this.#streams.get(p.conn_id);
      if (s) s.deliver(data);
      else this.#orphan(p.conn_id, { kind: 'data', data });
    });
    ipc.onNotification('conn.closed', (p) => {
      const s = this.#streams.get(p.conn_id);
      if (s) s.remoteClose(p.reason);
      else this.#orphan(p.conn_id, { kind: 'closed', reason: p.reason });
    });
    ipc.onNotification('conn.accepted', (p) => {
      const stream = this.#adopt({
        connId: p.conn_id,
        localPort: p.port,
        remoteAddr: p.remote_addr,
        remotePort: p.remote_port,
      });
      const listener = this.#listeners.get(p.port);
      if (listener) listener.enqueue(stream);
      else stream.destroy();
    });
    ipc.onNotification('dgram.received', (p) => {
      const d: Datagram = {
        srcAddr: p.src_addr,
        srcPort: p.src_port,
        dstPort: p.dst_port,
        data: Buffer.from(p.data, 'base64'),
      };
      for (const l of this.#datagramListeners) l(d);
    });
    ipc.onClose((error) => {
      for (const l of this.#listeners.values()) l.end();
      this.#listeners.clear();
      // A deliberate close() ends streams quietly; losing the daemon is an error on each stream.
      for (const s of [...this.#streams.values()]) {
        s.destroy(
          error
            ? new IpcError(ErrorCode.connectionClosed, 'the daemon connection closed', {
                cause: error,
              })
            : undefined,
        );
      }
    });
  }

  // Data can overtake the dial reply; hold it until the stream exists. Only while a dial is
  // pending: anything else for an unknown id is for a stream already finished with (late data
  // after destroy()), and keeping it would leak and crowd out the next dial's early bytes.
  #orphan(connId: number, msg: Orphan): void {
    if (this.#dialsInFlight === 0) return;
    const size = msg.kind === 'data' ? msg.data.length : 0;
    if (this.#orphanBytes + size > MAX_ORPHAN_BYTES) return;
    let list = this.#orphans.get(connId);
    if (!list) {
      if (this.#orphans.size >= MAX_ORPHAN_MESSAGES) return;
      this.#orphans.set(connId, (list = []));
    }
    if (list.length < MAX_ORPHAN_MESSAGES) {
      list.push(msg);
      this.#orphanBytes += size;
    }
  }

  #adopt(info: ConstructorParameters<typeof MeshStream>[1]): MeshStream {
    const stream = new MeshStream(this.#host, info);
    this.#streams.set(info.connId, stream);
    const held = this.#orphans.get(info.connId);
    if (held) {
      this.#orphans.delete(info.connId);
      for (const m of held) {
        if (m.kind === 'data') {
          this.#orphanBytes -= m.data.length;
          stream.deliver(m.data);
        } else stream.remoteClose(m.reason);
      }
    }
    return stream;
  }

  /**
   * Calls a built-in method directly.
   * @param method - method name.
   * @param params - its params.
   * @param options - deadline and abort signal.
   * @returns the result.
   */
  call<M extends MeshMethodName>(
    method: M,
    params: MeshMethods[M]['params'],
    options?: CallOptions,
  ): Promise<MeshMethods[M]['result']> {
    return this.ipc.call(method, params, options);
  }

  /** @returns node, peer and connection summary (reference InfoOK fields). */
  info(): Promise<InfoResult> {
    return this.ipc.call('info', {});
  }

  /** @returns every peer. */
  async peers(): Promise<readonly PeerSummary[]> {
    return (await this.ipc.call('peers', {})).peers;
  }

  /** @returns every connection with transport stats. */
  async connections(): Promise<readonly ConnectionStats[]> {
    return (await this.ipc.call('connections', {})).connections;
  }

  /**
   * Closes any connection by id.
   * @param connId - connection id.
   */
  async disconnect(connId: number): Promise<void> {
    await this.ipc.call('disconnect', { conn_id: connId });
  }

  /**
   * Resolves a hostname through the registry.
   * @param hostname - the name.
   * @returns its node id and address.
   */
  resolve(hostname: string): Promise<ResolveResult> {
    return this.ipc.call('resolve', { hostname });
  }

  /**
   * Opens a stream.
   * @param target - address text or value, node id or hostname.
   * @param port - the peer's port.
   * @param options - deadline.
   * @returns a connected Duplex.
   */
  async dial(target: Target, port: number, options: DialOptions = {}): Promise<MeshStream> {
    this.#dialsInFlight++;
    try {
      const r = await this.ipc.call(
        'conn.dial',
        {
          target: targetText(target),
          port,
          ...(options.timeoutMs !== undefined ? { timeout_ms: options.timeoutMs } : {}),
        },
        options.timeoutMs !== undefined
          ? { timeoutMs: options.timeoutMs + 1000 }
          : { timeoutMs: 0 },
      );
      return this.#adopt({
        connId: r.conn_id,
        localPort: r.local_port,
        remoteAddr: r.remote_addr,
        remotePort: r.remote_port,
      });
    } finally {
      // With no dial pending, nothing held can still be claimed.
      if (--this.#dialsInFlight === 0) {
        this.#orphans.clear();
        this.#orphanBytes = 0;
      }
    }
  }

  /**
   * Binds a port; inbound streams and datagrams for it come to this client.
   * @param port - the port (1..65535).
   * @returns an async iterable of inbound streams.
   */
  async listen(port: number): Promise<MeshListener> {
    const r = await this.ipc.call('port.listen', { port });
    const listener = new MeshListener(r.port, async () => {
      this.#listeners.delete(r.port);
      if (this.ipc.closed) return; // the daemon released the port with the connection
      try {
        await this.ipc.call('port.unlisten', { port: r.port });
      } catch (err) {
        // Gone already: the connection closed meanwhile (the daemon released it then).
        if (!(err instanceof IpcError && err.code === ErrorCode.connectionClosed)) throw err;
      }
    });
    this.#listeners.set(r.port, listener);
    return listener;
  }

  /**
   * Sends one datagram.
   * @param target - address text or value, node id or hostname.
   * @param port - the peer's port.
   * @param data - payload.
   * @returns bytes sent.
   */
  async sendTo(target: Target, port: number, data: Uint8Array | string): Promise<number> {
    const bytes =
      typeof data === 'string'
        ? Buffer.from(data)
        : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    return (
      await this.ipc.call('dgram.send', {
        target: targetText(target),
        port,
        data: bytes.toString('base64'),
      })
    ).bytes;
  }

  /**
   * Receives datagrams for ports this client listens on.
   * @param listener - called per datagram.
   * @returns a function that stops it.
   */
  onDatagram(listener: (datagram: Datagram) => void): () => void {
    this.#datagramListeners.add(listener);
    return () => this.#datagramListeners.delete(listener);
  }

  /**
   * @param hostname - new name, `''` clears it.
   * @returns the name now registered.
   */
  async setHostname(hostname: string): Promise<string> {
    return (await this.ipc.call('set.hostname', { hostname })).hostname;
  }

  /**
   * @param isPublic - true to make the node resolvable by anyone.
   * @returns the visibility now in effect.
   */
  async setVisibility(isPublic: boolean): Promise<boolean> {
    return (await this.ipc.call('set.visibility', { public: isPublic })).public;
  }

  /**
   * @param tags - the new tag set.
   * @returns the tags now registered.
   */
  async setTags(tags: readonly string[]): Promise<readonly string[]> {
    return (await this.ipc.call('set.tags', { tags })).tags;
  }

  /**
   * @param url - webhook URL, `''` clears it.
   * @returns the URL now in effect.
   */
  async setWebhook(url: string): Promise<string> {
    return (await this.ipc.call('set.webhook', { url })).webhook;
  }

  /** Removes this node from the registry. */
  async deregister(): Promise<void> {
    await this.ipc.call('deregister', {});
  }

  /** @returns the daemon's, its plugin contract's and the IPC protocol's versions. */
  async version(): Promise<VersionResult> {
    return this.ipc.call('version', {});
  }

  /**
   * Looks a node up in the registry.
   * @param nodeId - the node id.
   * @returns its registry record; rejects `not_found` ("no such node") when it is not registered.
   */
  async lookup(nodeId: number): Promise<LookupResult> {
    return this.ipc.call('lookup', { node_id: nodeId });
  }

  /**
   * Rotates the node's Ed25519 key: the registry learns the new key (signed with the old one), the
   * daemon swaps it in, keeps the old key as `identity.json.old` and re-keys every tunnel.
   * @returns the node id, the new and the old key, and the files written.
   * @throws IpcError with `details.engine_code` `ROTATION_REFUSED` (old key kept),
   *   `ROTATION_UNKNOWN` (the registry's answer was lost; the daemon settles it at its next
   *   heartbeat) or `ROTATION_CONFLICT`.
   */
  async rotateKey(): Promise<RotateKeyResult> {
    return this.ipc.call('rotate_key', {});
  }

  /**
   * Drops every piece of state the daemon holds about a peer (tunnel, keys).
   * @param nodeId - the peer.
   */
  async forgetPeer(nodeId: number): Promise<void> {
    await this.ipc.call('peers.forget', { node_id: nodeId });
  }

  /** Trust-handshake calls; each rejects with code `unavailable` when no handshake plugin is loaded. */
  readonly handshake = {
    /**
     * Asks a peer for trust.
     * @param target - node id, address or hostname.
     * @param justification - why.
     * @returns the result.
     */
    send: (target: Target, justification = ''): Promise<HandshakeActionResult> =>
      this.ipc.call('handshake.send', { target: targetText(target), justification }),
    /**
     * @param nodeId - the requester.
     * @returns the result.
     */
    approve: (nodeId: number): Promise<HandshakeActionResult> =>
      this.ipc.call('handshake.approve', { node_id: nodeId }),
    /**
     * @param nodeId - the requester.
     * @param reason - why.
     * @returns the result.
     */
    reject: (nodeId: number, reason = ''): Promise<HandshakeActionResult> =>
      this.ipc.call('handshake.reject', { node_id: nodeId, reason }),
    /** @returns pending incoming requests. */
    pending: async (): Promise<readonly PendingHandshake[]> =>
      (await this.ipc.call('handshake.pending', {})).pending,
    /** @returns trusted peers. */
    trusted: async (): Promise<readonly TrustedPeer[]> =>
      (await this.ipc.call('handshake.trusted', {})).trusted,
    /**
     * @param nodeId - the peer.
     * @returns the result.
     */
    revoke: (nodeId: number): Promise<HandshakeActionResult> =>
      this.ipc.call('handshake.revoke', { node_id: nodeId }),
  };

  /** @returns loaded plugins and the methods they added. */
  async plugins(): Promise<readonly PluginSummary[]> {
    return (await this.ipc.call('plugins', {})).plugins;
  }

  /**
   * @param sinceMs - only events after this Unix ms time.
   * @returns connection-state diagnostics.
   */
  diag(sinceMs?: number): Promise<DiagResult> {
    return this.ipc.call('diag', sinceMs === undefined ? {} : { since_ms: sinceMs });
  }

  /**
   * Subscribes to the daemon's event bus. Iterate the result with `for await`; `close()` it (or
   * break out of the loop) to unsubscribe.
   * @param pattern - `*` for every topic, `prefix.*` for a family, or one topic. @defaultValue `*`
   * @param options - abort signal and buffer size.
   * @returns the live stream.
   */
  events(pattern = '*', options: EventsOptions = {}): Promise<EventStream> {
    return subscribeEvents(this.ipc, pattern, options);
  }

  /** Closes every stream and listener of this client and the IPC connection. Idempotent. */
  async close(): Promise<void> {
    await this.ipc.close();
  }
}

/**
 * Connects to the local daemon.
 * @param socketPathOrOptions - socket path, or options (default: `MESH_SOCKET`, then `$MESH_HOME/mesh.sock`).
 * @returns a ready client.
 * @throws IpcError `not_running` when no daemon answers.
 */
export async function connect(socketPathOrOptions?: string | ConnectOptions): Promise<MeshClient> {
  const options: ConnectOptions =
    typeof socketPathOrOptions === 'string'
      ? { socketPath: socketPathOrOptions }
      : (socketPathOrOptions ?? {});
  const ipc = await IpcClient.connect({ clientName: '@mesh/client', ...options });
  return new MeshClient(ipc);
}
