// conn.* / port.* / dgram.* / disconnect: engine streams and ports bridged to IPC clients, owned per client.
import { ErrorCode, IpcError, ParamReader } from '@mesh/ipc';
import type { IpcPeer, MethodRegistry } from '@mesh/ipc';
import { formatAddr } from '@mesh/protocol';
import type { EngineConnection, EngineListener, NodeEngine, StreamEngine } from '../engine.js';
import { engineError } from '../errors.js';
import { resolveTarget } from '../target.js';

interface Owned {
  readonly conn: EngineConnection;
  readonly peer: IpcPeer;
}

/** Counters for tests and `diag`. */
export interface StreamHubStats {
  /** Connections owned by IPC clients now. */
  readonly connections: number;
  /** Ports bound by IPC clients now. */
  readonly ports: number;
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

  /**
   * @param engine - streams, ports, datagrams and the registry for hostnames.
   * @param options - `dialTimeoutMs`: the deadline of dials whose client gives none.
   */
  constructor(
    engine: StreamEngine & Pick<NodeEngine, 'rawRegistryClient'>,
    options: { readonly dialTimeoutMs?: number } = {},
  ) {
    this.#engine = engine;
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
    return { connections: this.#conns.size, ports: this.#ports.size };
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
        this.#adopt(conn, ctx.peer);
        return {
          conn_id: conn.id,
          local_port: conn.localPort,
          remote_addr: formatAddr(conn.remoteAddr),
          remote_port: conn.remotePort,
        };
      }),
      registry.handle('conn.send', async (params, ctx) => {
        const r = new ParamReader(params, 'conn.send');
        const owned = this.#own(r.int('conn_id'), ctx.peer);
        const data = r.bytes('data');
        const { conn } = owned;
        if (!conn.writable)
          throw new IpcError(
            ErrorCode.connectionFailed,
            `connection ${conn.id} is closed for writing`,
          );
        await new Promise<void>((resolve, reject) => {
          conn.write(data, (err) =>
            err ? reject(engineError(err, `send on ${conn.id}`)) : resolve(),
          );
        });
        return { bytes: data.length };
      }),
      registry.handle('conn.close', (params, ctx) => {
        const id = new ParamReader(params, 'conn.close').int('conn_id');
        const { conn } = this.#own(id, ctx.peer);
        if (!conn.writableEnded) conn.end();
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
      // The accepted notification goes out before any data of the connection.
      await peer.notify('conn.accepted', {
        port: listener.port,
        conn_id: conn.id,
        remote_addr: formatAddr(conn.remoteAddr),
        remote_port: conn.remotePort,
      });
      this.#adopt(conn, peer);
    }
    done();
  }

  // Pumps engine data to the client with backpressure and releases the connection with the client.
  #adopt(conn: EngineConnection, peer: IpcPeer): void {
    const owned: Owned = { conn, peer };
    this.#conns.set(conn.id, owned);
    let closedSent = false;
    const sendClosed = (reason: string): void => {
      if (closedSent) return;
      closedSent = true;
      void peer.notify('conn.closed', { conn_id: conn.id, reason });
    };
    const offPeer = peer.onClose(() => {
      // A client that vanished mid-transfer gets its peer reset; a daemon stop ends cleanly.
      if (!this.#stopping) conn.destroy();
      else if (!conn.writableEnded) conn.end();
    });
    conn.on('data', (chunk: Buffer) => {
      conn.pause();
      void peer
        .notify('conn.data', { conn_id: conn.id, data: chunk.toString('base64') })
        .then(() => {
          if (!peer.closed && !conn.destroyed) conn.resume();
        });
    });
    conn.on('end', () => sendClosed('fin'));
    conn.on('error', (err: Error) => sendClosed(err.message || 'reset'));
    conn.on('close', () => {
      sendClosed('closed');
      offPeer();
      if (this.#conns.get(conn.id) === owned) this.#conns.delete(conn.id);
    });
  }
}
