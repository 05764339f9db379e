// Attacks on the tunnel of real daemons over loopback (issue 19, "Tunnel"): impersonation while
// registry lookups are saturated or failing, replayed key exchanges, address redirection and
// floods. Each test performs the attack and checks the daemon resists it.
import { createSocket, type Socket } from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Flags, Proto, encodePacket, encodeTunnelFrame, formatAddr } from '@mesh/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateX25519KeyPair } from '../src/crypto/tunnel-crypto.js';
import type { BusEvent } from '../src/events/event-bus.js';
import type { Connection } from '../src/transport/index.js';
import { startDaemon, startRendezvous, type Rendezvous, type TestDaemon } from './harness.js';

let rv: Rendezvous;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  rv = await startRendezvous();
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(async () => {
  await rv?.close();
});

async function daemon(extra: Parameters<typeof startDaemon>[1] = {}): Promise<TestDaemon> {
  const d = await startDaemon(rv, extra);
  cleanups.push(() => d.stop());
  return d;
}

/** An attacker's UDP socket that counts what it sends and receives. */
interface Attacker {
  readonly socket: Socket;
  sent: number;
  received: number;
  send(bytes: Uint8Array, port: number): void;
}

async function attacker(): Promise<Attacker> {
  const socket = createSocket('udp4');
  const a: Attacker = {
    socket,
    sent: 0,
    received: 0,
    send(bytes, port) {
      a.sent += bytes.length;
      socket.send(bytes, port, '127.0.0.1');
    },
  };
  socket.on('message', (msg) => (a.received += msg.length));
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  cleanups.push(() => new Promise<void>((r) => socket.close(() => r())));
  return a;
}

/**
 * A forwarder in front of a daemon (it registers the forwarder as its endpoint) that records
 * every datagram sent to the daemon: the attacker's capture point.
 */
async function recorder(): Promise<{
  port: number;
  captured: Buffer[];
  setServerPort(port: number): void;
}> {
  const socket = createSocket('udp4');
  const captured: Buffer[] = [];
  let server = 0;
  let client = 0;
  socket.on('message', (msg, rinfo) => {
    if (server === 0) return;
    if (rinfo.port === server) {
      if (client !== 0) socket.send(msg, client, '127.0.0.1');
      return;
    }
    client = rinfo.port;
    captured.push(Buffer.from(msg));
    socket.send(msg, server, '127.0.0.1');
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  cleanups.push(() => new Promise<void>((r) => socket.close(() => r())));
  return {
    port: socket.address().port,
    captured,
    setServerPort: (p) => (server = p),
  };
}

function echo(conn: Connection, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    conn.on('data', (c: Buffer) => (got += c.toString()));
    conn.on('end', () => resolve(got));
    conn.on('error', reject);
    conn.end(text);
  });
}

/** The outcome of the next key exchange claiming `peer`: established or rejected. */
function kxOutcome(d: TestDaemon, peer: number): Promise<BusEvent> {
  return new Promise((resolve) => {
    const offs = ['tunnel.established', 'security.key_exchange_rejected'].map((topic) =>
      d.daemon.bus().on(topic, (e) => {
        if (e.payload['peer_node_id'] !== peer) return;
        for (const off of offs) off();
        resolve(e);
      }),
    );
  });
}

/** A `PILK` (anonymous key exchange) claiming `sender`. */
function pilk(sender: number): Uint8Array {
  return encodeTunnelFrame({
    kind: 'key-exchange',
    sender,
    x25519: generateX25519KeyPair().publicKey,
  });
}

const tunnelPort = (d: TestDaemon): number => d.daemon.tunnels().localEndpoint.port;
const captureOf = (frames: Buffer[], magic: string): Buffer => {
  const found = frames.find((f) => f.subarray(0, 4).toString() === magic);
  if (found === undefined) throw new Error(`no ${magic} frame captured`);
  return found;
};

describe('tunnel under attack', () => {
  it('refuses a forged key exchange for a registered node while lookups are saturated', async () => {
    const victim = await daemon();
    const b = await daemon();
    // Many sources each keep key exchanges for unregistered ids in flight: the registry
    // lookups saturate (and each source is held to its own in-flight limit).
    const flooders = await Promise.all(Array.from({ length: 12 }, () => attacker()));
    let id = 3_000_000;
    for (const f of flooders) for (let i = 0; i < 20; i++) f.send(pilk(id++), tunnelPort(b));
    const forger = await attacker();
    const outcome = kxOutcome(b, victim.daemon.nodeId());
    forger.send(pilk(victim.daemon.nodeId()), tunnelPort(b));
    const e = await outcome;
    expect(e.topic).toBe('security.key_exchange_rejected');
    expect(
      b.daemon
        .tunnels()
        .peers()
        .find((p) => p.nodeId === victim.daemon.nodeId()),
    ).toBe(undefined);
  });

  it('refuses an anonymous key exchange whose registry lookup fails', async () => {
    const victim = await daemon();
    const b = await daemon();
    await rv.stopRegistry();
    try {
      const forger = await attacker();
      const outcome = kxOutcome(b, victim.daemon.nodeId());
      forger.send(pilk(victim.daemon.nodeId()), tunnelPort(b));
      const e = await outcome;
      expect(e.topic).toBe('security.key_exchange_rejected');
      expect(e.payload['reason']).toBe('registry lookup unavailable');
      expect(b.daemon.tunnels().isAuthenticated(victim.daemon.nodeId())).toBe(false);
      expect(b.daemon.tunnels().peers()).toEqual([]);
    } finally {
      await rv.startRegistry();
    }
  });

  it('a key exchange replayed from a previous run does not replace the live session', async () => {
    const rec = await recorder();
    const b = await daemon({ endpoint: `127.0.0.1:${rec.port}` });
    rec.setServerPort(tunnelPort(b));
    // A keeps its identity file across runs.
    const dir = await mkdtemp(path.join(tmpdir(), 'mesh-hostile-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const identityPath = path.join(dir, 'identity.json');
    // Run 1 of A: its key exchange to B is captured on the way.
    const a1 = await startDaemon(rv, { identityPath });
    expect(await echo(await a1.daemon.dial(b.daemon.addr(), 7), 'run 1')).toBe('run 1');
    const oldRun = captureOf(rec.captured, 'PILA');
    const aId = a1.daemon.nodeId();
    await a1.stop();
    // Run 2 of A (same identity, same node id, new ephemeral key) talks to B.
    const a2 = await daemon({ identityPath });
    expect(a2.daemon.nodeId()).toBe(aId);
    expect(await echo(await a2.daemon.dial(b.daemon.addr(), 7), 'run 2')).toBe('run 2');
    // The attacker replays run 1's exchange straight at B.
    const mallory = await attacker();
    const outcome = kxOutcome(b, aId);
    mallory.send(oldRun, tunnelPort(b));
    const e = await outcome;
    expect(e.topic).toBe('security.key_exchange_rejected');
    expect(mallory.received).toBe(0);
    // The tunnel is alive: a new stream works at once.
    const conn = await a2.daemon.dial(b.daemon.addr(), 7, { timeoutMs: 5000 });
    expect(await echo(conn, 'still alive')).toBe('still alive');
  });

  it("a replay of the peer's current key exchange from another address does not redirect it", async () => {
    const rec = await recorder();
    const streams = { timeWaitMs: 20 };
    const b = await daemon({ endpoint: `127.0.0.1:${rec.port}`, streams });
    rec.setServerPort(tunnelPort(b));
    const a = await daemon({ streams });
    expect(await echo(await a.daemon.dial(b.daemon.addr(), 7), 'hello')).toBe('hello');
    const current = captureOf(rec.captured, 'PILA');
    // Quiet: no frame of A's is on its way to B (any would prove A's real route again).
    await vi.waitFor(() =>
      expect([
        ...a.daemon.transport().connections(),
        ...b.daemon.transport().connections(),
      ]).toEqual([]),
    );
    const route = (): string | undefined =>
      b.daemon
        .tunnels()
        .peers()
        .find((p) => p.nodeId === a.daemon.nodeId())?.endpoint;
    // B reaches A where A's frames come from (through the recorder).
    const before = route();
    expect(before).toBe(`127.0.0.1:${rec.port}`);
    const mallory = await attacker();
    const received = b.daemon.tunnels().stats.bytesRecv;
    let sealedToMallory = 0;
    mallory.socket.on('message', (msg) => {
      if (msg.subarray(0, 4).toString() === 'PILS') sealedToMallory++;
    });
    mallory.send(current, tunnelPort(b));
    await vi.waitFor(() => {
      expect(b.daemon.tunnels().stats.bytesRecv).toBeGreaterThanOrEqual(received + current.length);
    });
    // Let the exchange's handling (a cached registry key: no I/O) run to its end.
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
    expect(route()).toBe(before);
    // B opens a stream to A: its frames go to A, none to the attacker.
    const conn = await b.daemon.dial(a.daemon.addr(), 7, { timeoutMs: 5000 });
    expect(await echo(conn, 'not redirected')).toBe('not redirected');
    expect(sealedToMallory).toBe(0);
    expect(mallory.received).toBeLessThanOrEqual(mallory.sent);
  });

  it('bounds anonymous peers and never answers a key-exchange flood with more bytes', async () => {
    const b = await daemon({ tunnel: { maxAnonymousPeers: 32 } });
    const mallory = await attacker();
    const outcomes = new Map<string, number>();
    const count = (e: BusEvent): void => {
      const peer = e.payload['peer_node_id'];
      if (typeof peer !== 'number' || peer < 4_000_000) return;
      outcomes.set(e.topic, (outcomes.get(e.topic) ?? 0) + 1);
    };
    const offs = [
      b.daemon.bus().on('tunnel.established', count),
      b.daemon.bus().on('security.key_exchange_rejected', count),
    ];
    cleanups.push(async () => offs.forEach((off) => off()));
    const handled = (): number =>
      (outcomes.get('tunnel.established') ?? 0) +
      (outcomes.get('security.key_exchange_rejected') ?? 0);
    // Rounds of a few exchanges (within the per-source limit), each round handled before the
    // next: the cap on anonymous peers is what stops them.
    let id = 4_000_000;
    for (let round = 0; round < 12; round++) {
      for (let i = 0; i < 4; i++) mallory.send(pilk(id++), tunnelPort(b));
      await vi.waitFor(() => expect(handled()).toBe(id - 4_000_000), { timeout: 5000 });
    }
    expect(outcomes.get('tunnel.established')).toBe(32);
    expect(outcomes.get('security.key_exchange_rejected')).toBe(16);
    expect(b.daemon.tunnels().peers().length).toBeLessThanOrEqual(32);
    expect(mallory.received).toBeLessThanOrEqual(mallory.sent);
  });

  it("a SYN flood from one peer does not hold back an honest peer's stream", async () => {
    const b = await daemon();
    const flooder = await daemon();
    const honest = await daemon();
    const limited = new Map<string, number>();
    const off = b.daemon.bus().on('security.syn_rate_limited', (e) => {
      const src = String(e.payload['src_addr']);
      limited.set(src, (limited.get(src) ?? 0) + 1);
    });
    cleanups.push(async () => off());
    expect(await flooder.daemon.tunnels().connect(b.daemon.nodeId())).toBe(true);
    expect(await honest.daemon.tunnels().connect(b.daemon.nodeId())).toBe(true);
    // The flood runs until the honest stream completed (bounded in count).
    let floodSent = 0;
    let stop = false;
    const flood = (async () => {
      while (!stop && floodSent < 1_000_000) {
        for (let i = 0; i < 100; i++, floodSent++) {
          const syn = encodePacket({
            flags: Flags.SYN,
            proto: Proto.STREAM,
            src: flooder.daemon.addr(),
            dst: b.daemon.addr(),
            srcPort: 20_000 + (floodSent % 40_000),
            dstPort: 7,
            seq: floodSent,
            window: 512,
          });
          flooder.daemon.tunnels().send(b.daemon.nodeId(), syn);
        }
        await new Promise((r) => setImmediate(r));
      }
    })();
    try {
      // The flood is being limited, well past every burst allowance (64 per source, 100 overall).
      await vi.waitFor(
        () => expect(limited.get(formatAddr(flooder.daemon.addr()))).toBeGreaterThan(200),
        { timeout: 10_000 },
      );
      const conn = await honest.daemon.dial(b.daemon.addr(), 7);
      expect(await echo(conn, 'through the flood')).toBe('through the flood');
    } finally {
      stop = true;
      await flood;
    }
    // The flood was limited, the honest peer's SYN never was.
    expect([...limited.keys()]).toEqual([formatAddr(flooder.daemon.addr())]);
  });
});
