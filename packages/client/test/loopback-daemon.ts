// A minimal in-process daemon for SDK tests: real IpcServer, connections looped back between its
// clients, each stream's bytes on its own attached raw connection (RPC version 2).
import { mkdtempSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AttachTokens, IpcError, IpcServer, MethodRegistry, ParamReader } from '@mesh/ipc';
import type { IpcPeer } from '@mesh/ipc';

interface Conn {
  id: number;
  owner: IpcPeer;
  pair?: Conn;
  port: number;
  socket?: Socket;
  head?: Buffer;
  ended: boolean;
  reset: boolean;
  released?: boolean;
}

export const SELF_ADDR = '0:0000.0000.0005';

export async function startLoopbackDaemon(): Promise<{
  socketPath: string;
  ports: Map<number, IpcPeer>;
  conns: Map<number, Conn>;
  stop(): Promise<void>;
}> {
  const dir = mkdtempSync(path.join(tmpdir(), 'mesh-client-'));
  const socketPath = path.join(dir, 'mesh.sock');
  const registry = new MethodRegistry();
  const ports = new Map<number, IpcPeer>();
  const conns = new Map<number, Conn>();
  const tokens = new AttachTokens<Conn>();
  let nextConn = 1;

  const forget = (conn: Conn): void => {
    conns.delete(conn.id);
  };
  // Resets `conn`: its own socket goes, its pair hears `conn.closed` and its socket idles.
  const reset = (conn: Conn, reason: string): void => {
    if (conn.reset) return;
    conn.reset = true;
    conn.socket?.destroy();
    forget(conn);
    const pair = conn.pair;
    if (pair && !pair.reset && !pair.released) {
      pair.reset = true;
      forget(pair);
      pair.socket?.removeAllListeners('data');
      pair.socket?.resume();
      void pair.owner.notify('conn.closed', { conn_id: pair.id, reason });
    }
  };
  const pipe = (from: Conn, to: Conn): void => {
    const src = from.socket!;
    const dst = to.socket!;
    if (from.head && from.head.length > 0) dst.write(from.head);
    src.on('data', (c: Buffer) => {
      if (!dst.write(c)) src.pause();
    });
    dst.on('drain', () => src.resume());
    src.on('end', () => {
      from.ended = true;
      if (!to.reset) dst.end();
      if (to.ended) {
        forget(from);
        forget(to);
      }
    });
    src.resume();
  };
  const own = (peer: IpcPeer, conn: Conn): string => {
    conns.set(conn.id, conn);
    peer.onClose(() => {
      conn.released = true;
      reset(conn, 'reset by peer');
    });
    return tokens.issue(conn, (c) => reset(c, 'reset by peer'));
  };
  registry.handleAttach((token) => {
    const conn = tokens.take(token);
    if (!conn) return undefined;
    return (socket, head) => {
      conn.socket = socket;
      conn.head = head;
      socket.on('error', () => {});
      if (conn.reset) return void socket.resume();
      const pair = conn.pair!;
      if (pair.socket && !pair.reset) {
        pipe(conn, pair);
        pipe(pair, conn);
      }
    };
  });

  registry.handle('info', () => ({ node_id: 5, address: SELF_ADDR }) as never);
  registry.handle('port.listen', (p, ctx) => {
    const port = new ParamReader(p, 'port.listen').int('port', { min: 1, max: 65535 });
    if (ports.has(port)) throw new IpcError('already_exists', `port ${port} is already bound`);
    ports.set(port, ctx.peer);
    ctx.peer.onClose(() => {
      if (ports.get(port) === ctx.peer) ports.delete(port);
    });
    return { port };
  });
  registry.handle('port.unlisten', (p, ctx) => {
    const port = new ParamReader(p, 'port.unlisten').int('port');
    if (ports.get(port) === ctx.peer) ports.delete(port);
    return { port };
  });
  registry.handle('conn.dial', async (p, ctx) => {
    const r = new ParamReader(p, 'conn.dial');
    r.string('target');
    const port = r.int('port');
    const listener = ports.get(port);
    if (!listener) throw new IpcError('connection_failed', `connection refused on port ${port}`);
    const a: Conn = { id: nextConn++, owner: ctx.peer, port: 49152, ended: false, reset: false };
    const b: Conn = { id: nextConn++, owner: listener, port, ended: false, reset: false, pair: a };
    a.pair = b;
    const tokenA = own(ctx.peer, a);
    const tokenB = own(listener, b);
    await listener.notify('conn.accepted', {
      port,
      conn_id: b.id,
      remote_addr: SELF_ADDR,
      remote_port: a.port,
      attach_token: tokenB,
    });
    return {
      conn_id: a.id,
      local_port: a.port,
      remote_addr: SELF_ADDR,
      remote_port: port,
      attach_token: tokenA,
    };
  });
  const mine = (id: number, peer: IpcPeer): Conn => {
    const conn = conns.get(id);
    if (!conn || conn.owner !== peer) throw new IpcError('not_found', `no connection ${id}`);
    return conn;
  };
  registry.handle('conn.close', (p, ctx) => {
    const id = new ParamReader(p, 'conn.close').int('conn_id');
    mine(id, ctx.peer).socket?.end();
    return { conn_id: id };
  });
  registry.handle('conn.reset', (p, ctx) => {
    const id = new ParamReader(p, 'conn.reset').int('conn_id');
    reset(mine(id, ctx.peer), 'reset by peer');
    return { conn_id: id };
  });
  registry.handle('dgram.send', async (p) => {
    const r = new ParamReader(p, 'dgram.send');
    r.string('target');
    const port = r.int('port');
    const data = r.bytes('data');
    await ports.get(port)?.notify('dgram.received', {
      src_addr: SELF_ADDR,
      src_port: 49999,
      dst_port: port,
      data: data.toString('base64'),
    });
    return { bytes: data.length };
  });
  for (const m of ['handshake.send', 'handshake.pending'] as const) {
    registry.handle(m, () => {
      throw new IpcError('unavailable', 'no handshake plugin loaded', {
        hint: 'start meshd with the handshake plugin',
      });
    });
  }
  const server = new IpcServer({ socketPath, registry, daemonVersion: 'loopback' });
  await server.listen();
  return {
    socketPath,
    ports,
    conns,
    stop: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
