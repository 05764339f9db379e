import {
  encodeBeaconMessage,
  Proto,
  decodeTunnelFrame,
  encodePacket,
  encodeTunnelFrame,
  authChallenge,
  type Packet,
} from '@mesh/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus } from '../src/events/event-bus.js';
import { Identity } from '../src/identity/identity.js';
import { Tunnel, type PacketOrigin, type UdpEndpoint } from '../src/tunnel/tunnel.js';
import { generateX25519KeyPair } from '../src/crypto/tunnel-crypto.js';
import { nextEvent, udpSocket } from './helpers.js';

interface Node {
  id: number;
  identity: Identity;
  bus: EventBus;
  tunnel: Tunnel;
  endpoint: UdpEndpoint;
  received: { packet: Packet; origin: PacketOrigin }[];
  nextPacket(): Promise<{ packet: Packet; origin: PacketOrigin }>;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

// A tiny stand-in for the registry: node id → key and endpoint.
const keys = new Map<number, Uint8Array>();
const endpoints = new Map<number, UdpEndpoint>();

async function node(
  id: number,
  extra: Partial<ConstructorParameters<typeof Tunnel>[0]> = {},
): Promise<Node> {
  const identity = Identity.generate();
  const bus = new EventBus(() => id);
  const received: Node['received'] = [];
  const waiters: ((v: Node['received'][number]) => void)[] = [];
  const tunnel = new Tunnel({
    bus,
    identity,
    host: '127.0.0.1',
    lookupKey: async (n) => keys.get(n),
    resolveEndpoint: async (n) => endpoints.get(n),
    onPacket: (packet, origin) => {
      const w = waiters.shift();
      if (w) w({ packet, origin });
      else received.push({ packet, origin });
    },
    keyExchangeRetryMs: 100,
    ...extra,
  });
  const endpoint = await tunnel.bind();
  tunnel.setNodeId(id);
  keys.set(id, identity.publicKey);
  endpoints.set(id, endpoint);
  cleanups.push(() => tunnel.close());
  return {
    id,
    identity,
    bus,
    tunnel,
    endpoint,
    received,
    nextPacket: () => {
      const r = received.shift();
      if (r) return Promise.resolve(r);
      return new Promise((res) => waiters.push(res));
    },
  };
}

function datagram(src: number, dst: number, text: string): Uint8Array {
  return encodePacket({
    proto: Proto.DATAGRAM,
    src: { network: 0, node: src },
    dst: { network: 0, node: dst },
    srcPort: 49152,
    dstPort: 7,
    payload: new TextEncoder().encode(text),
  });
}

describe('Tunnel', () => {
  it('establishes an authenticated session and delivers encrypted packets both ways', async () => {
    const a = await node(101);
    const b = await node(102);
    const establishedA = nextEvent(a.bus, 'tunnel.established');
    const establishedB = nextEvent(b.bus, 'tunnel.established');
    a.tunnel.send(102, datagram(101, 102, 'hello'));
    const got = await b.nextPacket();
    expect(new TextDecoder().decode(got.packet.payload)).toBe('hello');
    expect(got.origin).toMatchObject({
      peer: 101,
      authenticated: true,
      relay: false,
      spoofed: false,
    });
    expect((await establishedA).payload).toMatchObject({
      peer_node_id: 102,
      authenticated: true,
      rekeyed: false,
    });
    expect((await establishedB).payload).toMatchObject({ peer_node_id: 101, authenticated: true });
    b.tunnel.send(101, datagram(102, 101, 'back'));
    expect(new TextDecoder().decode((await a.nextPacket()).packet.payload)).toBe('back');
    expect(a.tunnel.peers()).toEqual([
      expect.objectContaining({ nodeId: 102, encrypted: true, authenticated: true, relay: false }),
    ]);
  });

  it('rejects a replayed PILS frame and publishes security.nonce_replay', async () => {
    const a = await node(111);
    const b = await node(112);
    // Route A→B through a recording proxy so the test can capture a sealed frame.
    const proxy = await udpSocket();
    cleanups.push(() => proxy.close());
    endpoints.set(112, { address: '127.0.0.1', port: proxy.port });
    const frames: Buffer[] = [];
    proxy.socket.on('message', (msg, rinfo) => {
      if (rinfo.port === a.endpoint.port) {
        frames.push(msg);
        proxy.socket.send(msg, b.endpoint.port, '127.0.0.1');
      } else proxy.socket.send(msg, a.endpoint.port, '127.0.0.1');
    });
    a.tunnel.send(112, datagram(111, 112, 'once'));
    expect(new TextDecoder().decode((await b.nextPacket()).packet.payload)).toBe('once');
    const sealed = frames.find((f) => decodeTunnelFrame(f).kind === 'encrypted')!;
    const replay = nextEvent(b.bus, 'security.nonce_replay');
    proxy.socket.send(sealed, b.endpoint.port, '127.0.0.1');
    expect((await replay).payload).toMatchObject({
      peer_node_id: 111,
      counter: 1,
      reason: 'replay',
    });
    a.tunnel.send(112, datagram(111, 112, 'twice'));
    expect(new TextDecoder().decode((await b.nextPacket()).packet.payload)).toBe('twice');
    expect(b.received).toHaveLength(0);
    expect(b.tunnel.stats.replays).toBe(1);
  });

  it('rejects a PILA signed by a key other than the registry key', async () => {
    const b = await node(122);
    const impostor = Identity.generate();
    keys.set(121, Identity.generate().publicKey); // the registry's key for node 121
    const sock = await udpSocket();
    cleanups.push(() => sock.close());
    const x = generateX25519KeyPair().publicKey;
    const frame = encodeTunnelFrame({
      kind: 'auth-key-exchange',
      sender: 121,
      x25519: x,
      ed25519: impostor.publicKey,
      signature: impostor.sign(authChallenge(121, x)),
    });
    const rejected = nextEvent(b.bus, 'security.key_exchange_rejected');
    let established = false;
    b.bus.on('tunnel.established', () => (established = true));
    sock.socket.send(frame, b.endpoint.port, '127.0.0.1');
    expect((await rejected).payload).toMatchObject({
      peer_node_id: 121,
      reason: 'key differs from registry',
    });
    // A valid signature by the registered key over a different X25519 key fails too.
    const tampered = Buffer.from(frame);
    tampered[10] ^= 1;
    const rejected2 = nextEvent(b.bus, 'security.key_exchange_rejected');
    sock.socket.send(tampered, b.endpoint.port, '127.0.0.1');
    expect((await rejected2).payload).toMatchObject({ reason: 'bad signature' });
    expect(established).toBe(false);
    expect(b.tunnel.peers().filter((p) => p.encrypted)).toHaveLength(0);
  });

  it('pins the inner source node to the authenticated peer', async () => {
    const a = await node(131);
    const b = await node(132);
    const mismatch = nextEvent(b.bus, 'security.source_mismatch');
    a.tunnel.send(132, datagram(999, 132, 'spoof'));
    const got = await b.nextPacket();
    expect(got.packet.src.node).toBe(131);
    expect(got.origin).toMatchObject({ peer: 131, spoofed: true });
    expect((await mismatch).payload).toEqual({ peer_node_id: 131, claimed_node_id: 999 });
  });

  it('refuses plaintext PILT frames unless explicitly enabled', async () => {
    const b = await node(142);
    const sock = await udpSocket();
    cleanups.push(() => sock.close());
    const rejected = nextEvent(b.bus, 'security.plaintext_rejected');
    sock.socket.send(
      encodeTunnelFrame({ kind: 'plain', packet: datagram(141, 142, 'x') }),
      b.endpoint.port,
      '127.0.0.1',
    );
    await rejected;
    expect(b.received).toHaveLength(0);

    const c = await node(143, { allowPlaintext: true });
    sock.socket.send(
      encodeTunnelFrame({ kind: 'plain', packet: datagram(141, 143, 'ok') }),
      c.endpoint.port,
      '127.0.0.1',
    );
    const got = await c.nextPacket();
    expect(got.origin).toMatchObject({ peer: 141, authenticated: false });
  });

  it('bounds the queue while a key exchange is pending', async () => {
    const a = await node(151, { keyExchangeRetryMs: 60_000 });
    const sink = await udpSocket(); // never answers
    cleanups.push(() => sink.close());
    a.tunnel.addPeer(152, { address: '127.0.0.1', port: sink.port });
    for (let i = 0; i < 100; i++) a.tunnel.send(152, datagram(151, 152, `m${i}`));
    expect(a.tunnel.peers().find((p) => p.nodeId === 152)?.queued).toBe(64);
    expect(a.tunnel.stats.queueDrops).toBe(36);
    // Nothing but key-exchange frames reached the wire: no plaintext fallback.
    const first = await sink.next();
    expect(decodeTunnelFrame(first.msg).kind).toBe('auth-key-exchange');
  });

  it('re-keys when the peer restarts with a new X25519 key', async () => {
    const a = await node(161);
    const b1 = await node(162);
    a.tunnel.send(162, datagram(161, 162, 'one'));
    await b1.nextPacket();
    await b1.tunnel.close();
    // Same identity and node id, new tunnel (new ephemeral key) on a new port.
    const bus = new EventBus(() => 162);
    const got: Packet[] = [];
    let wake: () => void = () => {};
    const b2 = new Tunnel({
      bus,
      identity: b1.identity,
      host: '127.0.0.1',
      lookupKey: async (n) => keys.get(n),
      resolveEndpoint: async (n) => endpoints.get(n),
      onPacket: (p) => {
        got.push(p);
        wake();
      },
    });
    cleanups.push(() => b2.close());
    endpoints.set(162, await b2.bind());
    b2.setNodeId(162);
    const rekeyed = nextEvent(a.bus, 'tunnel.established', (e) => e.payload.rekeyed === true);
    b2.send(161, datagram(162, 161, 'after restart'));
    expect((await rekeyed).payload).toMatchObject({ peer_node_id: 162, authenticated: true });
    expect(new TextDecoder().decode((await a.nextPacket()).packet.payload)).toBe('after restart');
    a.tunnel.send(162, datagram(161, 162, 'reply'));
    await new Promise<void>((r) => (got.length > 0 ? r() : (wake = r)));
    expect(new TextDecoder().decode(got[0].payload)).toBe('reply');
  });

  it('believes beacon messages only from the beacon and creates no state for unauthenticated frames', async () => {
    const beacon = await udpSocket();
    const stranger = await udpSocket();
    cleanups.push(
      () => beacon.close(),
      () => stranger.close(),
    );
    const b = await node(172, { beacon: { address: '127.0.0.1', port: beacon.port } });
    let relayed = 0;
    b.bus.on('tunnel.relay_activated', () => relayed++);
    const punch = encodeTunnelFrame({ kind: 'punch', sender: 171 });
    const forged = encodeBeaconMessage({ kind: 'relay-deliver', sender: 171, frame: punch });
    stranger.socket.send(forged, b.endpoint.port, '127.0.0.1');
    // A sealed frame from an unknown sender: answered with a key exchange, but no peer entry.
    // (It is as large as the answer: unauthenticated traffic is never answered with more bytes.)
    const sealed = encodeTunnelFrame({
      kind: 'encrypted',
      sender: 173,
      nonce: new Uint8Array(12),
      ciphertext: new Uint8Array(256),
    });
    stranger.socket.send(sealed, b.endpoint.port, '127.0.0.1');
    const reply = await stranger.next();
    expect(decodeTunnelFrame(reply.msg).kind).toBe('auth-key-exchange');
    expect(relayed).toBe(0);
    expect(b.tunnel.peers()).toEqual([]);
    const genuine = nextEvent(b.bus, 'tunnel.relay_activated');
    beacon.socket.send(forged, b.endpoint.port, '127.0.0.1');
    expect((await genuine).payload).toEqual({ peer_node_id: 171 });
  });

  it('derives an unauthenticated session from PILK only when the registry knows no key', async () => {
    const b = await node(182);
    const sock = await udpSocket();
    cleanups.push(() => sock.close());
    const x = generateX25519KeyPair().publicKey;
    // Padded to the size of the PILA answer (trailing bytes are ignored): unauthenticated
    // traffic is never answered with more bytes than its source sent.
    const pilk = (sender: number): Uint8Array => {
      const out = new Uint8Array(136);
      out.set(encodeTunnelFrame({ kind: 'key-exchange', sender, x25519: x }));
      return out;
    };
    // Node 181 has no registry key: the anonymous exchange is accepted, unauthenticated.
    keys.delete(181);
    const established = nextEvent(b.bus, 'tunnel.established');
    sock.socket.send(pilk(181), b.endpoint.port, '127.0.0.1');
    expect((await established).payload).toMatchObject({ peer_node_id: 181, authenticated: false });
    expect(decodeTunnelFrame((await sock.next()).msg).kind).toBe('auth-key-exchange');
    // Node 183 has a registry key: its anonymous exchange is refused and answered with PILA.
    keys.set(183, Identity.generate().publicKey);
    const refused = nextEvent(b.bus, 'security.key_exchange_rejected');
    sock.socket.send(pilk(183), b.endpoint.port, '127.0.0.1');
    expect((await refused).payload).toMatchObject({ peer_node_id: 183 });
    expect(decodeTunnelFrame((await sock.next()).msg).kind).toBe('auth-key-exchange');
    expect(b.tunnel.isAuthenticated(183)).toBe(false);
    expect(b.tunnel.peers().find((p) => p.nodeId === 183)?.encrypted ?? false).toBe(false);
  });
});
