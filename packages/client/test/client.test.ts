import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AttachTokens, IpcServer, MethodRegistry } from '@mesh/ipc';
import { connect } from '../src/client/mesh-client.js';
import type { MeshClient } from '../src/client/mesh-client.js';
import type { MeshStream } from '../src/stream/mesh-stream.js';
import { startLoopbackDaemon, SELF_ADDR } from './loopback-daemon.js';

let daemon: Awaited<ReturnType<typeof startLoopbackDaemon>>;
const clients: MeshClient[] = [];

async function client(): Promise<MeshClient> {
  const c = await connect(daemon.socketPath);
  clients.push(c);
  return c;
}

async function readAll(stream: MeshStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

beforeEach(async () => {
  daemon = await startLoopbackDaemon();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await daemon.stop();
});

describe('@mesh/client', () => {
  it('dials a listener and moves 3 MiB both ways with FIN at the end', async () => {
    const server = await client();
    const dialer = await client();
    const listener = await server.listen(1000);
    const echoed = (async () => {
      const s = (await listener.accept())!;
      expect(s.localPort).toBe(1000);
      s.on('data', (chunk: Buffer) => s.write(chunk));
      await once(s, 'end');
      s.end();
    })();
    const stream = await dialer.dial(SELF_ADDR, 1000);
    expect(stream).toMatchObject({ remoteAddr: SELF_ADDR, remotePort: 1000 });
    const payload = randomBytes(3 * 1024 * 1024);
    const back = readAll(stream);
    stream.end(payload);
    expect(sha(await back)).toBe(sha(payload));
    await echoed;
    await expect.poll(() => stream.closed).toBe(true);
    await expect.poll(() => daemon.conns.size).toBe(0);
  });

  it('half-close: the README example (end, then read the reply) works 20 times in a row with no error event', async () => {
    const server = await client();
    const dialer = await client();
    const errors: unknown[] = [];
    const listener = await server.listen(1000);
    void (async () => {
      for await (const s of listener) {
        s.on('error', (e) => errors.push(e));
        s.pipe(s); // echo, ending our side when the dialer's FIN arrives
      }
    })();
    for (let i = 0; i < 20; i++) {
      const stream = await dialer.dial(SELF_ADDR, 1000);
      stream.on('error', (e) => errors.push(e));
      stream.end(`hello ${i}`);
      let reply = '';
      for await (const chunk of stream) reply += String(chunk);
      expect(reply).toBe(`hello ${i}`);
    }
    expect(errors).toEqual([]);
    await expect.poll(() => daemon.conns.size).toBe(0);
  });

  it('accepts an address value and a hostname-like target as the dial target', async () => {
    const server = await client();
    const dialer = await client();
    const listener = await server.listen(2000);
    const a = await dialer.dial({ network: 0, node: 5 }, 2000);
    const b = await dialer.dial('some-host', 2000);
    const accepted = [(await listener.accept())!, (await listener.accept())!];
    expect(accepted.map((s) => s.remotePort)).toEqual([49152, 49152]);
    a.destroy();
    b.destroy();
    for (const s of accepted) s.destroy();
  });

  it('delivers datagrams to the listening client', async () => {
    const server = await client();
    const sender = await client();
    await server.listen(3000);
    const got = new Promise((resolve) => server.onDatagram(resolve));
    expect(await sender.sendTo(SELF_ADDR, 3000, 'ping')).toBe(4);
    expect(await got).toMatchObject({
      srcAddr: SELF_ADDR,
      dstPort: 3000,
      data: Buffer.from('ping'),
    });
  });

  it('surfaces daemon errors as IpcError with the stable code and hint', async () => {
    const c = await client();
    await expect(c.handshake.pending()).rejects.toMatchObject({
      name: 'IpcError',
      code: 'unavailable',
      hint: 'start meshd with the handshake plugin',
    });
    await expect(c.dial(SELF_ADDR, 4444)).rejects.toMatchObject({ code: 'connection_failed' });
    const other = await client();
    await other.listen(5000);
    await expect(c.listen(5000)).rejects.toMatchObject({ code: 'already_exists' });
  });

  it('fails to connect with not_running when no daemon listens', async () => {
    await expect(connect(`${daemon.socketPath}.missing`)).rejects.toMatchObject({
      code: 'not_running',
    });
  });

  it('closing a listener releases its port and ends iteration', async () => {
    const c = await client();
    const listener = await c.listen(6000);
    const done = (async () => {
      const seen: MeshStream[] = [];
      for await (const s of listener) seen.push(s);
      return seen.length;
    })();
    await listener.close();
    expect(await done).toBe(0);
    expect(daemon.ports.has(6000)).toBe(false);
    const again = await client();
    await again.listen(6000);
  });

  it('a listener closed while the client closes resolves instead of rejecting', async () => {
    const c = await client();
    const listener = await c.listen(6001);
    const closing = listener.close(); // port.unlisten in flight…
    await c.close(); // …when the connection goes
    await expect(closing).resolves.toBeUndefined();
    await expect.poll(() => daemon.ports.has(6001)).toBe(false);
  });

  it("a vanished client resets its peers' streams and frees its port", async () => {
    const server = await client();
    const dialer = await client();
    await server.listen(7000);
    const listener = await dialer.listen(7001);
    const stream = await server.dial(SELF_ADDR, 7001);
    const accepted = (await listener.accept())!;
    accepted.write('hello');
    const [first] = (await once(stream, 'data')) as [Buffer];
    expect(first.toString()).toBe('hello');
    const errored = once(stream, 'error');
    await dialer.close();
    const [err] = (await errored) as [Error & { code: string }];
    expect(err.code).toBe('connection_failed');
    expect(daemon.ports.has(7001)).toBe(false);
    expect(accepted.destroyed).toBe(true);
  });

  it('a stream reset while it waits in the accept queue raises no unhandled error and is skipped', async () => {
    const server = await client();
    const dialer = await client();
    const listener = await server.listen(8000);
    const doomed = await dialer.dial(SELF_ADDR, 8000);
    await expect.poll(() => daemon.conns.size).toBe(2);
    // Queued at the listener (nobody accepted yet) when the dialer resets it.
    doomed.on('error', () => {});
    doomed.destroy(new Error('give up'));
    await expect.poll(() => daemon.conns.size).toBe(0);
    const next = await dialer.dial(SELF_ADDR, 8000);
    const accepted = (await listener.accept())!;
    next.end('second');
    expect((await readAll(accepted)).toString()).toBe('second');
  });

  it('keeps bytes the daemon sends right after the attach answer, before the first read', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mesh-client-early-'));
    const registry = new MethodRegistry();
    const tokens = new AttachTokens<number>();
    // A daemon whose first bytes and FIN go out in the same write as the attach answer.
    registry.handleAttach((token) =>
      tokens.take(token) === undefined ? undefined : (socket) => socket.end('early'),
    );
    registry.register('conn.dial', () => ({
      conn_id: 42,
      local_port: 49152,
      remote_addr: SELF_ADDR,
      remote_port: 7,
      attach_token: tokens.issue(42),
    }));
    registry.register('conn.reset', () => ({ conn_id: 42 }));
    const server = new IpcServer({
      socketPath: path.join(dir, 'mesh.sock'),
      registry,
      daemonVersion: 't',
    });
    await server.listen();
    try {
      const c = await connect(path.join(dir, 'mesh.sock'));
      clients.push(c);
      const stream = await c.dial(SELF_ADDR, 7);
      stream.end();
      expect((await readAll(stream)).toString()).toBe('early');
    } finally {
      await Promise.all(clients.splice(0).map((c) => c.close()));
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
