import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { Packet } from '@mesh/protocol';
import { Flags, Proto, encodePacket, makeAddr } from '@mesh/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { Connection } from '../src/transport/index.js';
import { TransportError } from '../src/transport/index.js';
import { Harness, randomBytesSeeded, readAll } from './transport-harness.js';

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

let h: Harness;
afterEach(async () => {
  await h.closeAll();
});

function echo(conn: Connection): void {
  conn.pipe(conn);
}

/** Resolves when the connection reaches `state`. */
function reach(conn: Connection, state: string): Promise<void> {
  if (conn.state === state) return Promise.resolve();
  return new Promise((resolve) => {
    const on = (s: string): void => {
      if (s === state) {
        conn.off('stateChange', on);
        resolve();
      }
    };
    conn.on('stateChange', on);
  });
}

describe('streams over loopback UDP', () => {
  it('exchanges data both ways (SYN / SYN-ACK / ACK, then data)', async () => {
    h = new Harness();
    const { b, client, server } = await h.connected(1000);
    expect(client.state).toBe('ESTABLISHED');
    expect(server.state).toBe('ESTABLISHED');
    expect(server.remotePort).toBe(client.localPort);
    expect(client.localPort).toBeGreaterThanOrEqual(49152);

    client.write('hello');
    const [got] = (await once(server, 'data')) as [Buffer];
    expect(got.toString()).toBe('hello');
    server.write('world');
    const [back] = (await once(client, 'data')) as [Buffer];
    expect(back.toString()).toBe('world');
    expect(client.info().srtt).toBeGreaterThan(0);
    expect(b.events.map((e) => e.topic)).toEqual(['conn.syn_received', 'conn.established']);
  });

  it('rejects a dial to a closed port with CONNECTION_REFUSED (RST)', async () => {
    h = new Harness();
    const [a, b] = await h.pair();
    const err = await a.transport.dial(b.addr, 4242).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).code).toBe('CONNECTION_REFUSED');
    expect(b.transport.stats().synRefused).toBe(1);
    expect(a.transport.connections()).toEqual([]);
  });

  it('delivers EOF after the remote FIN and cleans up after TIME_WAIT', async () => {
    h = new Harness();
    const [a, b] = await h.pair();
    const listener = b.transport.listen(1000);
    listener.on('connection', (c) => {
      c.end('goodbye');
      c.resume();
    });
    const client = await a.transport.dial(b.addr, 1000);
    const body = await readAll(client);
    expect(body.toString()).toBe('goodbye');
    expect(['CLOSE_WAIT', 'TIME_WAIT', 'CLOSED']).toContain(client.state);
    await once(client, 'close');
    await reach(client, 'CLOSED');
    expect(a.transport.connections()).toEqual([]);
    expect(a.events.some((e) => e.topic === 'conn.fin')).toBe(true);
  });

  it('closes cleanly when both sides close at once', async () => {
    h = new Harness();
    const { client, server } = await h.connected(1000);
    const ends = Promise.all([readAll(client), readAll(server)]);
    const closes = Promise.all([once(client, 'close'), once(server, 'close')]);
    client.end('from client');
    server.end('from server');
    const [fromServer, fromClient] = await ends;
    expect(fromServer.toString()).toBe('from server');
    expect(fromClient.toString()).toBe('from client');
    await closes;
    await Promise.all([reach(client, 'CLOSED'), reach(server, 'CLOSED')]);
    expect(client.errored).toBeNull();
    expect(server.errored).toBeNull();
  });

  it('carries many messages on one connection and many connections at once', async () => {
    h = new Harness();
    const [a, b] = await h.pair();
    const listener = b.transport.listen(7);
    listener.on('connection', echo);
    const conns = await Promise.all(Array.from({ length: 40 }, () => a.transport.dial(b.addr, 7)));
    expect(new Set(conns.map((c) => c.localPort)).size).toBe(40);
    const results = await Promise.all(
      conns.map(async (c, i) => {
        const done = readAll(c);
        for (let m = 0; m < 20; m++) c.write(`c${i}m${m};`);
        c.end();
        return (await done).toString();
      }),
    );
    results.forEach((r, i) => {
      expect(r).toBe(Array.from({ length: 20 }, (_, m) => `c${i}m${m};`).join(''));
    });
  });

  it('segments a large write and delivers it intact', async () => {
    h = new Harness();
    const { client, server } = await h.connected(1001);
    const data = randomBytesSeeded(2 * 1024 * 1024 + 17);
    const got = readAll(server);
    client.end(data);
    expect(sha256(await got)).toBe(sha256(data));
    const info = client.info();
    expect(info.segmentsSent).toBeGreaterThanOrEqual(Math.ceil(data.length / 1152));
    expect(info.bytesSent).toBe(data.length);
  });

  it('stops a sender with a zero window while the reader is slow, then resumes', async () => {
    h = new Harness();
    const { client, server } = await h.connected(1001);
    server.pause();
    const data = randomBytesSeeded(3 * 1024 * 1024, 3);
    const zero = once(client, 'zeroWindow');
    const probe = once(client, 'zeroWindowProbe');
    // A well-behaved producer: waits for 'drain' whenever write() pushes back.
    let offset = 0;
    const writer = (async () => {
      while (offset < data.length) {
        const ok = client.write(data.subarray(offset, offset + 65536));
        offset += 65536;
        if (!ok) await once(client, 'drain');
      }
      client.end();
    })();
    await zero;
    await probe;
    const si = server.info();
    expect(si.receiveWindow).toBe(0);
    expect(si.receiveQueued).toBeLessThanOrEqual(512);
    expect(client.info().peerWindow).toBe(0);
    expect(client.info().zeroWindowProbes).toBeGreaterThan(0);
    // The writer is held back and nothing is buffered without bound.
    expect(client.writableNeedDrain).toBe(true);
    expect(offset).toBeLessThan(data.length);
    expect(client.info().unsentBytes).toBeLessThan(512 * 1024);

    const got = readAll(server);
    await writer;
    expect(sha256(await got)).toBe(sha256(data));
  });

  it('coalesces small writes with Nagle and sends each at once with noDelay', async () => {
    h = new Harness();
    const [a, b] = await h.pair();
    const listener = b.transport.listen(1000);
    listener.on('connection', (c) => c.resume());
    const nagle = await a.transport.dial(b.addr, 1000);
    const eager = await a.transport.dial(b.addr, 1000, { noDelay: true });
    for (let i = 0; i < 100; i++) {
      nagle.write(Buffer.from(`msg${String(i).padStart(3, '0')}`));
      eager.write(Buffer.from(`msg${String(i).padStart(3, '0')}`));
    }
    nagle.end();
    eager.end();
    await Promise.all([once(nagle, 'finish'), once(eager, 'finish')]);
    expect(nagle.info().bytesSent).toBe(600);
    expect(eager.info().bytesSent).toBe(600);
    expect(eager.info().segmentsSent).toBe(100);
    expect(nagle.info().segmentsSent).toBeLessThan(10);
  });

  it('sends and receives datagrams from fresh, released ephemeral ports', async () => {
    h = new Harness();
    const [a, b] = await h.pair();
    const received: { port: number; src: number; text: string; dstPort: number }[] = [];
    const three = new Promise<void>((resolve) => {
      b.transport.on('datagram', (d) => {
        received.push({
          port: d.srcPort,
          src: d.src.node,
          dstPort: d.dstPort,
          text: Buffer.from(d.data).toString(),
        });
        if (received.length === 3) resolve();
      });
    });
    for (const text of ['one', 'two', 'three']) {
      a.transport.sendDatagram(b.addr, 5000, Buffer.from(text));
    }
    await three;
    expect(received.map((r) => r.text).sort()).toEqual(['one', 'three', 'two']);
    expect(received.every((r) => r.src === 1 && r.dstPort === 5000)).toBe(true);
    const ports = received.map((r) => r.port);
    expect(new Set(ports).size).toBe(3);
    for (const p of ports) expect(a.transport.ports.inUse(p)).toBe(false);
    expect(b.events.filter((e) => e.topic === 'data.datagram')).toHaveLength(3);
  });

  it('listens on a free ephemeral port for port 0 and frees it on close', async () => {
    h = new Harness();
    const [a, b] = await h.pair();
    const listener = b.transport.listen(0);
    expect(listener.port).toBeGreaterThanOrEqual(49152);
    expect(b.transport.ports.isListening(listener.port)).toBe(true);
    const accepted = listener.accept();
    const client = await a.transport.dial(b.addr, listener.port);
    const server = await accepted;
    expect(server.localPort).toBe(listener.port);
    const reset = once(server, 'error');
    client.destroy();
    listener.close();
    expect((await reset)[0]).toMatchObject({ code: 'CONNECTION_RESET' });
    expect(server.state).toBe('CLOSED');
    expect(b.transport.ports.inUse(listener.port)).toBe(false);
  });

  it('connects to itself without going through the tunnel', async () => {
    h = new Harness();
    const [a] = await h.pair();
    const listener = a.transport.listen(7);
    listener.on('connection', echo);
    const conn = await a.transport.dial(a.addr, 7);
    const got = readAll(conn);
    conn.end('loop');
    expect((await got).toString()).toBe('loop');
  });

  it('answers a ping on port 0', async () => {
    h = new Harness();
    const [a, b] = await h.pair();
    const pong = once(a.transport, 'pong');
    const payload = Buffer.from('ping!');
    // Hand-build a control request and push it through A's send path.
    a.socket.send(
      encodePacket({
        flags: 0,
        proto: Proto.CONTROL,
        src: a.addr,
        dst: b.addr,
        srcPort: 40000,
        dstPort: 0,
        seq: 9,
        payload,
      }),
      b.port,
      '127.0.0.1',
    );
    const [reply] = (await pong) as [Packet];
    expect(reply.flags).toBe(Flags.ACK);
    expect(reply.dstPort).toBe(40000);
    expect(reply.ack).toBe(10);
    expect(Buffer.from(reply.payload).toString()).toBe('ping!');
    expect(makeAddr(0, 2).node).toBe(reply.src.node);
  });
});
