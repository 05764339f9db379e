// Path MTU probing: two real daemons on loopback (directly, and through a UDP proxy that drops
// what a smaller path or a probe-ignorant peer would), plus the prober's own rules.
import { createHash, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { makeAddr, decodePacket, type Packet } from '@mesh/protocol';
import { PATH_PROBE_PROTO, PathMtu } from '../src/tunnel/path-mtu.js';
import { startDaemon, startRendezvous, type Rendezvous, type TestDaemon } from './harness.js';
import { startLossyProxy, type LossyProxy } from './lossy-udp-proxy.js';

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const BASE = 1152;

let rv: Rendezvous | undefined;
let proxy: LossyProxy | undefined;
const daemons: TestDaemon[] = [];
const probers: PathMtu[] = [];
afterEach(async () => {
  for (const d of daemons.splice(0)) await d.stop();
  await proxy?.close();
  proxy = undefined;
  await rv?.close();
  rv = undefined;
  for (const p of probers.splice(0)) p.close();
});

const streams = { minRtoMs: 20, maxRetransmits: 30, keepaliveMs: 0, idleTimeoutMs: 0 };
const tunnel = { keyExchangeRetryMs: 100 };

/** A behind a proxy in front of B (B registers the proxy's port as its endpoint). */
async function pairBehindProxy(
  dropIf?: (d: Buffer) => boolean,
  encrypt = true,
): Promise<{ a: TestDaemon; b: TestDaemon; proxy: LossyProxy }> {
  rv = await startRendezvous();
  proxy = await startLossyProxy({
    drop: 0,
    duplicate: 0,
    reorder: 0,
    reorderDelayMs: 0,
    seed: 1,
    ...(dropIf === undefined ? {} : { dropIf }),
  });
  const b = await startDaemon(rv, {
    endpoint: `127.0.0.1:${proxy.port}`,
    streams,
    tunnel,
    encrypt,
  });
  daemons.push(b);
  proxy.setServerPort(b.daemon.tunnels().localEndpoint.port);
  const a = await startDaemon(rv, { streams, tunnel, encrypt });
  daemons.push(a);
  return { a, b, proxy };
}

/** Sends `data` from a to b on a new stream. */
async function transfer(
  a: TestDaemon,
  b: TestDaemon,
  data: Buffer,
): Promise<{ received: Buffer; avgSegment: number }> {
  const listener = b.daemon.listen(5000);
  const accepted = listener.accept();
  const client = await a.daemon.dial(b.daemon.addr(), 5000);
  const server = await accepted;
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    server.on('data', (c: Buffer) => chunks.push(c));
    server.on('end', () => resolve(Buffer.concat(chunks)));
    server.on('error', reject);
    client.on('error', reject);
  });
  client.end(data);
  const received = await done;
  const info = client.info();
  return { received, avgSegment: info.bytesSent / info.segmentsSent };
}

describe('path MTU probing between two daemons', () => {
  it('raises the segment size on a loopback path and keeps the stream intact', async () => {
    rv = await startRendezvous();
    const a = await startDaemon(rv, { streams, tunnel });
    daemons.push(a);
    const b = await startDaemon(rv, { streams, tunnel });
    daemons.push(b);
    const data = randomBytes(4 * 1024 * 1024);
    const { received, avgSegment } = await transfer(a, b, data);
    expect(sha256(received)).toBe(sha256(data));
    const path = a.daemon.tunnels().pathInfo(b.daemon.nodeId());
    expect(path?.segmentSize).toBe(16384);
    expect(path?.confirmations).toBeGreaterThanOrEqual(3); // 4096, 8192, 16384
    expect(avgSegment).toBeGreaterThan(BASE * 4);
  }, 60_000);

  it('stays at the reference size against a peer that drops probes (as the Go daemon does)', async () => {
    // Plaintext tunnel, so the proxy can see the inner protocol: it drops every probe packet,
    // exactly what a peer without probe support does with an unknown protocol. Large data
    // segments would pass, so only the missing confirmation keeps the size down.
    const isProbe = (d: Buffer): boolean =>
      d.length > 5 && d.toString('latin1', 0, 4) === 'PILT' && d[5] === PATH_PROBE_PROTO;
    const { a, b } = await pairBehindProxy(isProbe, false);
    const data = randomBytes(2 * 1024 * 1024);
    const { received, avgSegment } = await transfer(a, b, data);
    expect(sha256(received)).toBe(sha256(data));
    const path = a.daemon.tunnels().pathInfo(b.daemon.nodeId());
    expect(path?.probesSent).toBeGreaterThan(0);
    expect(path?.confirmations).toBe(0);
    expect(path?.segmentSize).toBe(BASE);
    expect(avgSegment).toBeLessThanOrEqual(BASE);
    expect(proxy!.dropped()).toBeGreaterThan(0);
  }, 60_000);

  it('falls back to the reference size when the path starts dropping large datagrams', async () => {
    const { a, b } = await pairBehindProxy();
    const listener = b.daemon.listen(5000);
    const accepted = listener.accept();
    const client = await a.daemon.dial(b.daemon.addr(), 5000);
    const server = await accepted;
    const chunks: Buffer[] = [];
    let got = 0;
    let wake: (() => void) | undefined;
    const ended = new Promise<void>((resolve, reject) => {
      server.on('data', (c: Buffer) => {
        chunks.push(c);
        got += c.length;
        wake?.();
      });
      server.on('end', resolve);
      server.on('error', reject);
      client.on('error', reject);
    });
    const first = randomBytes(4 * 1024 * 1024);
    const second = randomBytes(4 * 1024 * 1024);
    client.write(first);
    while (got < first.length) await new Promise<void>((r) => (wake = r));
    const node = b.daemon.nodeId();
    expect(a.daemon.tunnels().pathInfo(node)?.segmentSize).toBe(16384);
    // The path now carries only reference-size datagrams (a route with a smaller MTU).
    proxy!.setMaxDatagram(1400);
    client.end(second);
    await ended;
    expect(sha256(Buffer.concat(chunks))).toBe(sha256(Buffer.concat([first, second])));
    const path = a.daemon.tunnels().pathInfo(node);
    expect(path?.fallbacks).toBeGreaterThanOrEqual(1);
    expect(path?.segmentSize).toBe(BASE);
    expect(proxy!.dropped()).toBeGreaterThan(0);
  }, 60_000);
});

describe('PathMtu rules', () => {
  /** Two probers wired back to back; `deliver` decides what crosses. */
  function wire(deliver: (p: Packet) => boolean = () => true): { a: PathMtu; b: PathMtu } {
    const make = (self: number, peer: () => PathMtu): PathMtu =>
      new PathMtu({
        baseSegmentSize: BASE,
        probeTimeoutMs: 20,
        localAddr: () => makeAddr(0, self),
        send: (_node, bytes) => {
          const p = decodePacket(bytes);
          if (deliver(p)) setImmediate(() => peer().receive(p, self, false));
        },
      });
    const a: PathMtu = make(1, () => b);
    const b: PathMtu = make(2, () => a);
    probers.push(a, b);
    return { a, b };
  }
  const until = async (cond: () => boolean): Promise<void> => {
    while (!cond()) await new Promise((r) => setTimeout(r, 5));
  };
  const route = { address: '127.0.0.1', port: 4000 };

  it('climbs the ladder, restarts from the base after a route change, keeps the base on the relay', async () => {
    const { a } = wire();
    expect(a.segmentSize(2, route)).toBe(BASE);
    await until(() => a.segmentSize(2, route) === 16384);
    expect(a.segmentSize(2, { ...route, port: 4001 })).toBe(BASE);
    await until(() => a.segmentSize(2, { ...route, port: 4001 }) === 16384);
    expect(a.segmentSize(2, undefined)).toBe(BASE);
    expect(a.info(2)).toBeUndefined();
  });

  it('stops below a size that never passes', async () => {
    const { a } = wire((p) => p.payload.length <= 8192);
    a.segmentSize(2, route);
    await until(() => a.info(2)!.probing === 0 && a.info(2)!.probesSent >= 5);
    expect(a.segmentSize(2, route)).toBe(8192);
    expect(a.info(2)!.probing).toBe(0);
  });
});
