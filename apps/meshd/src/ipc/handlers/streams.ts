// conn.* / port.* / dgram.* / disconnect: engine streams and ports bridged to IPC clients, owned per client.
// Control stays JSON-RPC; each stream's bytes travel on its own raw connection (attach token).
import { AttachTokens, ErrorCode, IpcError, ParamReader } from '@mesh/ipc';
import type { IpcPeer, MethodRegistry } from '@mesh/ipc';
import { formatAddr } from '@mesh/protocol';
import type { EngineConnection, EngineListener, NodeEngine, StreamEngine } from '../engine.js';
import { StreamBridge } from '../bridge/stream-bridge.js';
import { engineError } from '../errors.js';
import { resolveTarget } from '../target.js';

interface Owned {
  readonly conn: EngineConnection;
  readonly peer: IpcPeer;
  readonly bridge: StreamBridge;
}

/** Counters for tests and `diag`. */
export interface StreamHubStats {
  /** Connections owned by IPC clients now. */
  readonly connections: number;
  /** Ports bound by IPC clients now. */
  readonly ports: number;
  /** Attach tokens issued and not yet claimed or expired. */
  readonly pendingAttaches: number;
}

/**
 * Owns every connection and port IPC clients opened. A client's resources are released when
 * it disconnects: its connections are destroyed and its ports unbound.
 */
export class StreamHub {
  readonly #engine: StreamEngine & Pick<NodeEngine, 'rawRegistryClient'>;
  readonly #conns = new Map<number, Owned>();
  readonly #ports = new Map<number, { listener: EngineListener; peer: IpcPeer }>();
  readonly #offDatagram: () => void;
  #stopping = false;
  readonly #dialTimeoutMs: number | undefined;
  readonly #tokens: AttachTokens<Owned>;

  /**
   * @param engine - streams, ports, datagrams and the registry for hostnames.
   * @param options - `dialTimeoutMs`: the deadline of dials whose client gives none;
   *   `attachTtlMs`: how long an attach token is valid (default 5 s).
   */
  constructor(
    engine: StreamEngine & Pick<NodeEngine, 'rawRegistryClient'>,
    options: { readonly dialTimeoutMs?: number; readonly attachTtlMs?: number } = {},
  ) {
    this.#engine = engine;
    this.#tokens = new AttachTokens<Owned>(options.attachTtlMs);
    this.#dialTimeoutMs = options.dialTimeoutMs;
    this.#offDatagram = engine.onAnyDatagram((d) => {
      const owner = this.#ports.get(d.dstPort);
      if (!owner) return;
      void owner.peer.notify('dgram.received', {
        src_addr: formatAddr(d.src),
        src_port: d.srcPort,
        dst_port: d.dstPort,
        data: Buffer.from(d.data.buffer, d.data.byteOffset, d.data.byteLength).toString('base64'),
      });
    });
  }

  /** @returns current counts. */
  stats(): StreamHubStats {
    return {
      connections: this.#conns.size,
      ports: this.#ports.size,
      pendingAttaches: this.#tokens.size,
    };
  }

  /**
   * Stops forwarding datagrams. From then on a departing client's connections are ended with
   * FIN instead of reset: the daemon is stopping, and the engine's stop delivers those FINs
   * before it closes the tunnel. Call it before closing the IPC server.
   */
  dispose(): void {
    this.#stopping = true;
    this.#offDatagram();
  }

  /**
   * Registers the stream methods.
   * @param registry - the IPC method table.
   * @returns a function that unregisters them.
   */
  register(registry: MethodRegistry): () => void {
    const offs = [
      registry.handle('conn.dial', async (params, ctx) => {
        const r = new ParamReader(params, 'conn.dial');
        const target = r.string('target', { nonEmpty: true });
        const port = r.int('port', { min: 0, max: 65535 });
        const timeoutMs = r.optionalInt('timeout_ms', { min: 1 }) ?? this.#dialTimeoutMs;
        const dst = await resolveTarget(this.#engine, target);
        let conn: EngineConnection;
        try {
          conn = await this.#engine.dial(dst, port, {
            signal: ctx.signal,
            ...(timeoutMs !== undefined ? { timeoutMs } : {}),
          });
        } catch (err) {
          throw engineError(err, `dial ${target}:${port}`);
        }
        conn.allowHalfOpen = true;
        if (ctx.peer.closed) {
          conn.destroy();
          throw new IpcError(ErrorCode.connectionClosed, 'client went away during the dial');
        }
        const token = this.#adopt(conn, ctx.peer);
        return {
          conn_id: conn.id,
          local_port: conn.localPort,
          remote_addr: formatAddr(conn.remoteAddr),
          remote_port: conn.remotePort,
          attach_token: token,
        };
      }),
      registry.handle('conn.close', (params, ctx) => {
        const id = new ParamReader(params, 'conn.close').int('conn_id');
        this.#own(id, ctx.peer).bridge.end();
        return { conn_id: id };
      }),
      registry.handle('conn.reset', (params, ctx) => {
        const id = new ParamReader(params, 'conn.reset').int('conn_id');
        const owned = this.#own(id, ctx.peer);
        this.#tokens.revoke((o) => o === owned);
        owned.bridge.destroy();
        return { conn_id: id };
      }),
      registry.handle('disconnect', (params) => {
        const id = new ParamReader(params, 'disconnect').int('conn_id');
        const owned = this.#conns.get(id);
        if (owned) {
          owned.conn.destroy();
          return { conn_id: id };
        }
        // Not opened through IPC (a service's connection): ask the engine's table.
        const engineConn = this.#engine.transport?.().connection(id);
        if (!engineConn) {
          throw new IpcError(ErrorCode.notFound, `no connection ${id}`, {
            hint: 'list them with: meshctl connections',
          });
        }
        engineConn.destroy();
        return { conn_id: id };
      }),
      registry.handle('port.listen', (params, ctx) => {
        const port = new ParamReader(params, 'port.listen').int('port', { min: 1, max: 65535 });
        if (this.#ports.has(port))
          throw new IpcError(
            ErrorCode.alreadyExists,
            `port ${port} is already bound by another client`,
          );
        let listener: EngineListener;
        try {
          listener = this.#engine.listen(port);
        } catch (err) {
          throw engineError(err, `listen on ${port}`);
        }
        const entry = { listener, peer: ctx.peer };
        this.#ports.set(port, entry);
        const release = (): void => {
          if (this.#ports.get(port) === entry) this.#ports.delete(port);
          listener.close();
        };
        const offClose = ctx.peer.onClose(release);
        void this.#acceptLoop(listener, ctx.peer, () => {
          offClose();
          release();
        });
        return { port };
      }),
      registry.handle('port.unlisten', (params, ctx) => {
        const port = new ParamReader(params, 'port.unlisten').int('port');
        const entry = this.#ports.get(port);
        if (!entry || entry.peer !== ctx.peer)
          throw new IpcError(ErrorCode.notFound, `this client has not bound port ${port}`);
        this.#ports.delete(port);
        entry.listener.close();
        return { port };
      }),
      registry.handle('dgram.send', async (params) => {
        const r = new ParamReader(params, 'dgram.send');
        const target = r.string('target', { nonEmpty: true });
        const port = r.int('port', { min: 0, max: 65535 });
        const data = r.bytes('data');
        const dst = await resolveTarget(this.#engine, target);
        try {
          await this.#engine.sendDatagram(dst, port, data);
        } catch (err) {
          throw engineError(err, `datagram to ${target}:${port}`);
        }
        return { bytes: data.length };
      }),
    ];
    offs.push(
      registry.handleAttach((token) => {
        const owned = this.#tokens.take(token);
        if (owned === undefined || owned.peer.closed) return undefined;
        return (socket, head) => owned.bridge.attach(socket, head);
      }),
    );
    return () => offs.forEach((off) => off());
  }

  #own(id: number, peer: IpcPeer): Owned {
    const owned = this.#conns.get(id);
    if (!owned || owned.peer !== peer)
      throw new IpcError(ErrorCode.notFound, `this client has no connection ${id}`);
    return owned;
  }

  async #acceptLoop(listener: EngineListener, peer: IpcPeer, done: () => void): Promise<void> {
    for (;;) {
      let conn: EngineConnection;
      try {
        conn = await listener.accept();
      } catch {
        break; // closed
      }
      // Half-close for SDK streams: the peer's FIN ends reading only; the client ends writing.
      conn.allowHalfOpen = true;
      if (peer.closed) {
        conn.destroy();
        break;
      }
      const token = this.#adopt(conn, peer);
      await peer.notify('conn.accepted', {
        port: listener.port,
        conn_id: conn.id,
        remote_addr: formatAddr(conn.remoteAddr),
        remote_port: conn.remotePort,
        attach_token: token,
      });
    }
    done();
  }

  // Bridges the stream to the client's raw connection once it attaches (the token is the claim)
  // and releases it with the client; an unclaimed stream is reset when its token expires.
  #adopt(conn: EngineConnection, peer: IpcPeer): string {
    const owned: Owned = {
      conn,
      peer,
      bridge: new StreamBridge(conn, {
        closed: (reason) => void peer.notify('conn.closed', { conn_id: conn.id, reason }),
        done: () => {
          offPeer();
          if (this.#conns.get(conn.id) === owned) this.#conns.delete(conn.id);
        },
      }),
    };
    this.#conns.set(conn.id, owned);
    const offPeer = peer.onClose(() => {
      this.#tokens.revoke((o) => o === owned);
      // A client that vanished mid-transfer gets its peer reset; a daemon stop ends cleanly.
      if (this.#stopping) owned.bridge.stop();
      else owned.bridge.destroy();
    });
    return this.#tokens.issue(owned, (o) => o.bridge.destroy());
  }
}
