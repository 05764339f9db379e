// A minimal in-process daemon for SDK tests: real IpcServer, connections looped back between its clients.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { IpcError, IpcServer, MethodRegistry, ParamReader } from '@mesh/ipc';
import type { IpcPeer } from '@mesh/ipc';

interface Conn {
  id: number;
  owner: IpcPeer;
  pair?: Conn;
  port: number;
  closed: boolean;
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
  let nextConn = 1;

  const own = (peer: IpcPeer, conn: Conn): void => {
    conns.set(conn.id, conn);
    peer.onClose(() => {
      conn.released = true;
      if (!conn.closed) {
        conn.closed = true;
        if (conn.pair && !conn.pair.released)
          void conn.pair.owner.notify('conn.closed', {
            conn_id: conn.pair.id,
            reason: 'reset by peer',
          });
      }
      conns.delete(conn.id);
    });
  };

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
    const a: Conn = { id: nextConn++, owner: ctx.peer, port: 49152, closed: false };
    const b: Conn = { id: nextConn++, owner: listener, port, closed: false, pair: a };
    a.pair = b;
    own(ctx.peer, a);
    own(listener, b);
    await listener.notify('conn.accepted', {
      port,
      conn_id: b.id,
      remote_addr: SELF_ADDR,
      remote_port: a.port,
    });
    return { conn_id: a.id, local_port: a.port, remote_addr: SELF_ADDR, remote_port: port };
  });
  registry.handle('conn.send', async (p, ctx) => {
    const r = new ParamReader(p, 'conn.send');
    const conn = conns.get(r.int('conn_id'));
    if (!conn || conn.owner !== ctx.peer || conn.closed)
      throw new IpcError('not_found', 'no such connection');
    const data = r.bytes('data');
    const pair = conn.pair!;
    if (!pair.released)
      await pair.owner.notify('conn.data', { conn_id: pair.id, data: data.toString('base64') });
    return { bytes: data.length };
  });
  registry.handle('conn.close', async (p, ctx) => {
    const id = new ParamReader(p, 'conn.close').int('conn_id');
    const conn = conns.get(id);
    if (!conn || conn.owner !== ctx.peer) throw new IpcError('not_found', `no connection ${id}`);
    if (!conn.closed) {
      conn.closed = true;
      if (conn.pair?.closed) {
        conns.delete(conn.id);
        conns.delete(conn.pair.id);
      }
      if (conn.pair && !conn.pair.released)
        await conn.pair.owner.notify('conn.closed', { conn_id: conn.pair.id, reason: 'fin' });
    }
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
