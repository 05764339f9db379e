import type { TrustChecker } from '@mesh/daemonapi';
import { Flags, Proto, encodePacket } from '@mesh/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../src/transport/index.js';
import { nextEvent } from './helpers.js';
import { startDaemon, startRendezvous, type Rendezvous, type TestDaemon } from './harness.js';
import { udpSocket } from './helpers.js';

let rv: Rendezvous;
const daemons: TestDaemon[] = [];

beforeAll(async () => {
  rv = await startRendezvous();
});
afterAll(async () => {
  for (const d of daemons) await d.stop();
  await rv?.close();
});

function echo(conn: Connection, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    conn.on('data', (c: Buffer) => (got += c.toString()));
    conn.on('end', () => resolve(got));
    conn.on('error', reject);
    conn.end(text);
  });
}

// Private nodes cannot resolve each other's endpoint at the registry, so every frame between
// them goes through the beacon relay: this exercises the relay fallback and the trust gate.
describe('private daemons: trust gate and relay fallback', () => {
  it('rejects an untrusted SYN and datagram, then accepts them once the peer is trusted', async () => {
    const a = await startDaemon(rv, { public: false });
    const b = await startDaemon(rv, { public: false });
    daemons.push(a, b);

    const relayed = nextEvent(a.daemon.bus(), 'tunnel.relay_activated');
    const synRejected = nextEvent(b.daemon.bus(), 'syn.rejected');
    await expect(a.daemon.dial(b.daemon.addr(), 7)).rejects.toMatchObject({
      code: 'CONNECTION_REFUSED',
    });
    expect((await relayed).payload).toEqual({ peer_node_id: b.daemon.nodeId() });
    expect((await synRejected).payload).toMatchObject({
      src_node_id: a.daemon.nodeId(),
      reason: 'trust',
    });
    expect(b.daemon.info().peer_list.find((p) => p.node_id === a.daemon.nodeId())).toMatchObject({
      encrypted: true,
      authenticated: true,
      relay: true,
    });

    const dgRejected = nextEvent(b.daemon.bus(), 'datagram.rejected');
    await a.daemon.sendDatagram(b.daemon.addr(), 4000, new TextEncoder().encode('x'));
    expect((await dgRejected).payload).toMatchObject({
      src_node_id: a.daemon.nodeId(),
      dst_port: 4000,
    });

    const checker: TrustChecker = {
      isTrusted: (node) =>
        node === a.daemon.nodeId() ? { trusted: true, name: 'a' } : { trusted: false },
    };
    b.daemon.registerTrustChecker(checker);
    expect(await echo(await a.daemon.dial(b.daemon.addr(), 7), 'through the relay')).toBe(
      'through the relay',
    );
    const got = new Promise<string>((resolve) =>
      b.daemon.onAnyDatagram((d) => resolve(new TextDecoder().decode(d.data))),
    );
    await a.daemon.sendDatagram(b.daemon.addr(), 4000, new TextEncoder().encode('trusted'));
    expect(await got).toBe('trusted');
  });

  it('falls back to the relay when the registered endpoint does not answer', async () => {
    // B advertises an endpoint nobody answers on (a socket that swallows everything).
    const blackhole = await udpSocket();
    try {
      const b = await startDaemon(rv, { endpoint: `127.0.0.1:${blackhole.port}` });
      const a = await startDaemon(rv, { tunnel: { keyExchangeRetryMs: 50 } });
      daemons.push(a, b);
      const relayed = nextEvent(a.daemon.bus(), 'tunnel.relay_activated');
      expect(await echo(await a.daemon.dial(b.daemon.addr(), 7), 'detour')).toBe('detour');
      expect((await relayed).payload).toEqual({ peer_node_id: b.daemon.nodeId() });
      expect(a.daemon.info().peer_list.find((p) => p.node_id === b.daemon.nodeId())).toMatchObject({
        encrypted: true,
        authenticated: true,
        relay: true,
      });
      // The direct attempts really went to the advertised endpoint first.
      expect((await blackhole.next()).msg.subarray(0, 4).toString()).toBe('PILA');
    } finally {
      await blackhole.close();
    }
  });

  it('does not trust a packet whose inner source differs from the authenticated peer', async () => {
    const a = await startDaemon(rv, { public: false });
    const b = await startDaemon(rv, { public: false });
    daemons.push(a, b);
    const trusted = 0xabcdef; // B trusts this node; A claims to be it
    b.daemon.registerTrustChecker({
      isTrusted: (n) => (n === trusted ? { trusted: true, name: 't' } : { trusted: false }),
    });
    expect(await a.daemon.tunnels().connect(b.daemon.nodeId())).toBe(true);
    const mismatch = nextEvent(b.daemon.bus(), 'security.source_mismatch');
    let accepted = false;
    b.daemon.bus().on('conn.syn_received', () => (accepted = true));
    b.daemon.listen(6000);
    a.daemon.tunnels().send(
      b.daemon.nodeId(),
      encodePacket({
        flags: Flags.SYN,
        proto: Proto.STREAM,
        src: { network: 0, node: trusted },
        dst: b.daemon.addr(),
        srcPort: 50000,
        dstPort: 6000,
        window: 512,
      }),
    );
    expect((await mismatch).payload).toEqual({
      peer_node_id: a.daemon.nodeId(),
      claimed_node_id: trusted,
    });
    // A genuine SYN from A afterwards is judged as A's (untrusted), proving the spoof got nothing.
    const rejected = nextEvent(b.daemon.bus(), 'syn.rejected');
    await expect(a.daemon.dial(b.daemon.addr(), 6000)).rejects.toMatchObject({
      code: 'CONNECTION_REFUSED',
    });
    expect((await rejected).payload).toMatchObject({ src_node_id: a.daemon.nodeId() });
    expect(accepted).toBe(false);
  });

  it('admits a private peer that shares a non-backbone network, directly (resolve allowed)', async () => {
    const rv2 = await startRendezvous({ adminToken: 'admin-secret' });
    const a = await startDaemon(rv2, { public: false });
    const b = await startDaemon(rv2, { public: false });
    try {
      const admin = a.daemon.rawRegistryClient()!;
      // The creator becomes a member; B joins.
      const net = await admin.createNetwork({
        name: 'team',
        adminToken: 'admin-secret',
        nodeId: a.daemon.nodeId(),
      });
      await b.daemon
        .rawRegistryClient()!
        .joinNetwork({ networkId: net.networkId, adminToken: 'admin-secret' });
      // Membership is learned at the next heartbeat (own) and key exchange (peer).
      expect(await a.daemon.heartbeatNow()).toBe(true);
      expect(await b.daemon.heartbeatNow()).toBe(true);
      expect(await echo(await a.daemon.dial(b.daemon.addr(), 7), 'team mate')).toBe('team mate');
      expect(b.daemon.sharesNetwork(a.daemon.nodeId())).toBe(true);
      expect(a.daemon.info().peer_list.find((p) => p.node_id === b.daemon.nodeId())).toMatchObject({
        relay: false,
      });
    } finally {
      await a.stop();
      await b.stop();
      await rv2.close();
    }
  });

  it('relays over the beacon WebSocket with transport ws', async () => {
    const a = await startDaemon(rv, { public: false, transport: 'ws', beaconWs: rv.beaconWsUrl });
    const b = await startDaemon(rv, { public: false, transport: 'ws', beaconWs: rv.beaconWsUrl });
    daemons.push(a, b);
    b.daemon.registerTrustChecker({
      isTrusted: (node) =>
        node === a.daemon.nodeId() ? { trusted: true, name: 'a' } : { trusted: false },
    });
    const relayedBefore = rv.beacon.stats().relayed;
    expect(await echo(await a.daemon.dial(b.daemon.addr(), 7), 'over websocket')).toBe(
      'over websocket',
    );
    expect(a.daemon.info().transport).toBe('ws');
    const stats = rv.beacon.stats();
    expect(stats.wsConnections).toBeGreaterThanOrEqual(2);
    expect(stats.relayed).toBeGreaterThan(relayedBefore);
  });

  it('with transport auto, relays over WebSocket when the beacon does not answer over UDP', async () => {
    const deadUdp = await udpSocket(); // swallows Discover: UDP to the beacon looks blocked
    try {
      const opts = {
        public: false,
        beacon: `127.0.0.1:${deadUdp.port}`,
        transport: 'auto' as const,
        beaconWs: rv.beaconWsUrl,
        discoveryTimeoutMs: 200,
      };
      const a = await startDaemon(rv, opts);
      const b = await startDaemon(rv, opts);
      daemons.push(a, b);
      b.daemon.registerTrustChecker({
        isTrusted: (node) =>
          node === a.daemon.nodeId() ? { trusted: true, name: 'a' } : { trusted: false },
      });
      expect(await echo(await a.daemon.dial(b.daemon.addr(), 7), 'auto → ws')).toBe('auto → ws');
      expect(a.daemon.info().peer_list.find((p) => p.node_id === b.daemon.nodeId())).toMatchObject({
        relay: true,
        authenticated: true,
      });
    } finally {
      await deadUdp.close();
    }
  });
});
