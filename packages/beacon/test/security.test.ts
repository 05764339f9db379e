// Attacks on the beacon over real UDP sockets: hijacking a node id, flooding the node table,
// amplifying through replies, and replaying registration proofs.
import type { KeyObject } from 'node:crypto';
import { generateKeyPairSync, sign } from 'node:crypto';
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import {
  PADDED_DISCOVER_SIZE,
  PADDED_PUNCH_REQUEST_SIZE,
  beaconRegisterChallenge,
  decodeBeaconMessage,
  encodeBeaconMessage,
} from '@mesh/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { BeaconOptions } from '../src/index.js';
import { Beacon } from '../src/index.js';
import { Cleanup, UdpNode, WsNode, frame } from './support/clients.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

interface NodeKeys {
  readonly publicKey: Uint8Array;
  readonly privateKey: KeyObject;
}

function keys(): NodeKeys {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const x = publicKey.export({ format: 'jwk' }).x!;
  return { publicKey: new Uint8Array(Buffer.from(x, 'base64url')), privateKey };
}

/** The registry of this test: node id → key, as `nodeKey` sees it. */
const registry = new Map<number, NodeKeys>();
const P = 101; // a node that proves its registration
const G = 202; // a reference ("Go") client that only sends bare Discover
registry.set(P, keys());

async function startBeacon(options: BeaconOptions = {}): Promise<Beacon> {
  const beacon = cleanup.add(
    new Beacon({
      udp: { host: '127.0.0.1', port: 0 },
      nodeKey: (id) => Promise.resolve(registry.get(id)?.publicKey),
      ...options,
    }),
  );
  await beacon.listen();
  return beacon;
}

async function udpNode(beacon: Beacon, host = '127.0.0.1'): Promise<UdpNode> {
  const node = cleanup.add(await UdpNode.open(beacon.address().udp!.port));
  if (host !== '127.0.0.1') {
    // UdpNode binds 127.0.0.1; other loopback sources are opened by hand below.
    throw new Error('use rawSocket for other source addresses');
  }
  return node;
}

/** Asks for a challenge and answers it signed with `signer`; resolves with the answer sent. */
async function proofFor(node: UdpNode, nodeId: number, signer: KeyObject): Promise<Uint8Array> {
  node.send({ kind: 'proof-request', node: nodeId });
  const challenge = await node.next();
  if (challenge.kind !== 'proof-challenge') throw new Error(`got ${challenge.kind}`);
  const text = beaconRegisterChallenge(nodeId, challenge.issuedAt, challenge.cookie);
  return encodeBeaconMessage({
    kind: 'proven-discover',
    node: nodeId,
    issuedAt: challenge.issuedAt,
    cookie: challenge.cookie,
    signature: new Uint8Array(sign(null, Buffer.from(text), signer)),
  });
}

/** Registers `nodeId` from `node` through the proof exchange. */
async function prove(beacon: Beacon, node: UdpNode, nodeId: number): Promise<void> {
  const proven = new Promise((resolve) => beacon.once('proven', resolve));
  node.sendRaw(await proofFor(node, nodeId, registry.get(nodeId)!.privateKey));
  expect(await node.next()).toEqual({
    kind: 'discover-reply',
    endpoint: { address: '127.0.0.1', port: node.port },
  });
  await proven;
}

function refusal(beacon: Beacon): Promise<string> {
  return new Promise((resolve) => beacon.once('proofRefused', ({ reason }) => resolve(reason)));
}

/** Relays a frame from `via` to `dest` and returns who got it. */
async function deliveredTo(
  via: UdpNode,
  from: number,
  dest: number,
  candidates: readonly UdpNode[],
): Promise<UdpNode> {
  const text = `to-${dest}-${Math.random()}`;
  via.send({ kind: 'relay', sender: from, dest, frame: frame(text) });
  return Promise.race(
    candidates.map(async (c) => {
      for (;;) {
        const m = await c.next();
        if (m.kind === 'relay-deliver' && Buffer.from(m.frame).toString().endsWith(text)) return c;
      }
    }),
  );
}

/** A UDP socket that records the size of every datagram it receives. */
class Counting {
  readonly sizes: number[] = [];
  #waiter: (() => void) | undefined;
  #selfRelay = false;
  private constructor(readonly socket: Socket) {
    socket.on('message', (m) => {
      const msg = decodeBeaconMessage(new Uint8Array(m));
      const isBarrier = this.#selfRelay
        ? msg.kind === 'relay-deliver' && Buffer.from(msg.frame).toString() === 'PILTbarrier'
        : msg.kind === 'discover-reply';
      if (isBarrier && this.#waiter !== undefined) {
        this.#waiter();
        this.#waiter = undefined;
      } else this.sizes.push(m.length);
    });
  }

  static async open(host = '127.0.0.1'): Promise<Counting> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, host, resolve));
    return cleanup.add(new Counting(socket));
  }

  send(bytes: Uint8Array, beacon: Beacon): void {
    this.socket.send(bytes, beacon.address().udp!.port, '127.0.0.1');
  }

  /**
   * Waits until everything the beacon sent this socket so far has arrived: the beacon handles
   * datagrams in order, so the answer to a later request comes after them (and is not
   * counted). Bound as `selfId`: a Relay to itself; unbound: a padded anonymous Discover
   * (then nothing else may be answered with a DiscoverReply).
   */
  async barrier(beacon: Beacon, selfId?: number): Promise<void> {
    this.#selfRelay = selfId !== undefined;
    const reply = new Promise<void>((resolve) => (this.#waiter = resolve));
    this.send(
      selfId === undefined
        ? encodeBeaconMessage({ kind: 'discover', node: 0, padTo: PADDED_DISCOVER_SIZE })
        : encodeBeaconMessage({
            kind: 'relay',
            sender: selfId,
            dest: selfId,
            frame: frame('barrier'),
          }),
      beacon,
    );
    await reply;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

describe('beacon registration proof', () => {
  it('a forged Discover, PunchRequest or Relay cannot take over a proven node id', async () => {
    const beacon = await startBeacon();
    const owner = await udpNode(beacon);
    const attacker = await udpNode(beacon);
    const peer = await udpNode(beacon);
    await prove(beacon, owner, P);
    await peer.discover(300);

    // Bare and padded Discover for P from the attacker: answered (it learns its own endpoint)
    // but P stays bound to its owner.
    attacker.send({ kind: 'discover', node: P });
    attacker.send({ kind: 'discover', node: P, padTo: PADDED_DISCOVER_SIZE });
    expect(await attacker.next()).toMatchObject({ kind: 'discover-reply' });
    attacker.send({ kind: 'punch-request', requester: P, target: 300, padTo: 64 });
    attacker.send({ kind: 'relay', sender: P, dest: 300, frame: frame('spoofed') });
    expect(await deliveredTo(peer, 300, P, [owner, attacker])).toBe(owner);
    expect(beacon.stats()).toMatchObject({ provenNodes: 1, punches: 0, unprovenRefused: 3 });
    expect(beacon.stats().relayDropped).toBeGreaterThanOrEqual(1);

    // A WebSocket Discover cannot move it either.
    const ws = await startBeacon({ ws: { host: '127.0.0.1', port: 0 } });
    const wsOwner = await udpNode(ws);
    await prove(ws, wsOwner, P);
    const w = cleanup.add(await WsNode.open(ws.address().ws!.url));
    expect(await w.discover(P)).toMatchObject({ kind: 'discover-reply' });
    const helper = await udpNode(ws);
    await helper.discover(301);
    expect(await deliveredTo(helper, 301, P, [wsOwner])).toBe(wsOwner);
  });

  it('refuses a proof signed with a key the registry does not hold for that node', async () => {
    const beacon = await startBeacon();
    const owner = await udpNode(beacon);
    const attacker = await udpNode(beacon);
    await prove(beacon, owner, P);
    const refused = refusal(beacon);
    attacker.sendRaw(await proofFor(attacker, P, keys().privateKey));
    expect(await refused).toBe('bad signature');
    const unknown = refusal(beacon);
    attacker.sendRaw(await proofFor(attacker, 999, keys().privateKey));
    expect(await unknown).toBe('node unknown');
    const peer = await udpNode(beacon);
    await peer.discover(300);
    expect(await deliveredTo(peer, 300, P, [owner, attacker])).toBe(owner);
  });

  it('a captured proof cannot be replayed, from another address or the same one', async () => {
    const beacon = await startBeacon();
    const owner = await udpNode(beacon);
    const attacker = await udpNode(beacon);
    const proof = await proofFor(owner, P, registry.get(P)!.privateKey);
    // The attacker races the owner with the captured datagram: the cookie names the owner's
    // address, so it is refused.
    const forged = refusal(beacon);
    attacker.sendRaw(proof);
    expect(await forged).toBe('cookie forged');
    owner.sendRaw(proof);
    expect(await owner.next()).toMatchObject({ kind: 'discover-reply' });
    const replayed = refusal(beacon);
    owner.sendRaw(proof);
    expect(await replayed).toBe('cookie replayed');
    expect(beacon.stats()).toMatchObject({ proofs: 1, proofFailures: 2 });
  });

  it('a cookie expires after cookieTtlMs', async () => {
    let clock = 1_000;
    const beacon = await startBeacon({ now: () => clock, cookieTtlMs: 30_000 });
    const owner = await udpNode(beacon);
    const proof = await proofFor(owner, P, registry.get(P)!.privateKey);
    clock += 30_001;
    const expired = refusal(beacon);
    owner.sendRaw(proof);
    expect(await expired).toBe('cookie expired');
    expect(beacon.stats().provenNodes).toBe(0);
  });

  it('requireProof: a bare Discover is answered but binds nothing', async () => {
    const beacon = await startBeacon({ requireProof: true });
    const owner = await udpNode(beacon);
    const go = await udpNode(beacon);
    expect(await go.discover(G)).toMatchObject({ kind: 'discover-reply' });
    expect(beacon.stats().nodes).toBe(0);
    await prove(beacon, owner, P);
    expect(await deliveredTo(go, 0, P, [owner])).toBe(owner);
    expect(beacon.stats()).toMatchObject({ nodes: 1, provenNodes: 1 });
  });
});

describe('beacon under a flood', () => {
  it('forged Discovers from many sources evict neither proven nor bound unproven nodes', async () => {
    // The old table (LRU over everything, maxNodes 150) evicted both victims here.
    const beacon = await startBeacon({ maxNodes: 150, maxUnprovenNodes: 100 });
    const owner = await udpNode(beacon);
    const go = await udpNode(beacon);
    await prove(beacon, owner, P);
    await go.discover(G);
    const sources = await Promise.all(
      ['127.0.0.2', '127.0.0.3', '127.0.0.4'].map((h) => Counting.open(h)),
    );
    // Bare Discovers (they bind unanswered), in bursts the socket buffers hold.
    let id = 10_000;
    for (let burst = 0; burst < 4; burst++) {
      for (const s of sources) {
        for (let i = 0; i < 50; i++) {
          s.send(encodeBeaconMessage({ kind: 'discover', node: id++ }), beacon);
        }
      }
      for (const s of sources) await s.barrier(beacon);
    }
    const stats = beacon.stats();
    expect(stats.nodes).toBe(101); // P, G and 99 flood ids
    expect(stats.unprovenRefused).toBe(600 - 99);
    expect(await deliveredTo(owner, P, G, [go])).toBe(go);
    expect(await deliveredTo(go, G, P, [owner])).toBe(owner);
  });

  it('one source holds at most maxUnprovenPerIp unproven bindings', async () => {
    const beacon = await startBeacon({ maxUnprovenPerIp: 8 });
    const s = await Counting.open();
    for (let id = 1; id <= 50; id++) {
      s.send(encodeBeaconMessage({ kind: 'discover', node: id }), beacon);
    }
    await s.barrier(beacon);
    expect(beacon.stats()).toMatchObject({ nodes: 8, unprovenRefused: 42 });
  });
});

describe('beacon amplification', () => {
  it('never answers a UDP request with more bytes than it carried', async () => {
    const beacon = await startBeacon();
    const a = await Counting.open();
    const t = await Counting.open();
    // Bind both (a bare Discover binds, unanswered) before measuring.
    a.send(encodeBeaconMessage({ kind: 'discover', node: 1 }), beacon);
    t.send(encodeBeaconMessage({ kind: 'discover', node: 2 }), beacon);
    await a.barrier(beacon, 1);
    await t.barrier(beacon, 2);
    expect([...a.sizes, ...t.sizes]).toEqual([]);
    const requests: [string, Uint8Array][] = [
      ['bare Discover', encodeBeaconMessage({ kind: 'discover', node: 1 })],
      ['bare anonymous Discover', encodeBeaconMessage({ kind: 'discover', node: 0 })],
      [
        'bare PunchRequest',
        encodeBeaconMessage({ kind: 'punch-request', requester: 1, target: 2 }),
      ],
      ['short ProofRequest', Uint8Array.from([0x0a, 0, 0, 0, 1])],
      [
        'padded Discover',
        encodeBeaconMessage({ kind: 'discover', node: 1, padTo: PADDED_DISCOVER_SIZE }),
      ],
      [
        'padded PunchRequest',
        encodeBeaconMessage({
          kind: 'punch-request',
          requester: 1,
          target: 2,
          padTo: PADDED_PUNCH_REQUEST_SIZE,
        }),
      ],
      ['ProofRequest', encodeBeaconMessage({ kind: 'proof-request', node: 1 })],
      ['Relay', encodeBeaconMessage({ kind: 'relay', sender: 1, dest: 2, frame: frame('x') })],
    ];
    const ratios: Record<string, number> = {};
    for (const [name, bytes] of requests) {
      a.send(bytes, beacon);
      await a.barrier(beacon, 1);
      await t.barrier(beacon, 2);
      const got = [...a.sizes, ...t.sizes].reduce((x, y) => x + y, 0);
      a.sizes.length = 0;
      t.sizes.length = 0;
      ratios[name] = got / bytes.length;
    }
    for (const [name, ratio] of Object.entries(ratios)) {
      expect(ratio, name).toBeLessThanOrEqual(1);
    }
    // The padded forms are answered (mesh nodes lose nothing), the bare ones are not.
    expect(ratios['padded Discover']).toBeGreaterThan(0);
    expect(ratios['padded PunchRequest']).toBeGreaterThan(0);
    expect(ratios['ProofRequest']).toBe(1);
    expect(ratios['bare Discover']).toBe(0);
  });
});

describe('reference clients in compat mode', () => {
  it('bare 5-byte Discover and 9-byte PunchRequest still bind, punch and relay', async () => {
    const beacon = await startBeacon({ answerShortRequests: true });
    const g1 = await udpNode(beacon);
    const g2 = await udpNode(beacon);
    g1.send({ kind: 'discover', node: G });
    expect(await g1.next()).toEqual({
      kind: 'discover-reply',
      endpoint: { address: '127.0.0.1', port: g1.port },
    });
    g2.send({ kind: 'discover', node: G + 1 });
    expect(await g2.next()).toMatchObject({ kind: 'discover-reply' });
    g1.send({ kind: 'punch-request', requester: G, target: G + 1 });
    expect(await g1.next()).toEqual({
      kind: 'punch-command',
      endpoint: { address: '127.0.0.1', port: g2.port },
    });
    expect(await g2.next()).toMatchObject({ kind: 'punch-command' });
    expect(await deliveredTo(g1, G, G + 1, [g2])).toBe(g2);
  });

  it('without answerShortRequests a bare Discover still binds (relay works), only unanswered', async () => {
    const beacon = await startBeacon();
    const g = await udpNode(beacon);
    const other = await udpNode(beacon);
    g.send({ kind: 'discover', node: G });
    await other.discover(300); // processed after g's Discover
    expect(beacon.stats()).toMatchObject({ nodes: 2, shortUnanswered: 1 });
    expect(await deliveredTo(other, 300, G, [g])).toBe(g);
  });
});
