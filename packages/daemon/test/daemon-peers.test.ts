// The plugin context the real engine hands out: ControlSender and PeerDirectory, over real
// daemons, a real registry and beacon on loopback.
import { createHash } from 'node:crypto';
import { x25519 } from '@noble/curves/ed25519.js';
import {
  registerPlugin,
  type ControlSender,
  type PeerDirectory,
  type PeerDirectoryEvent,
} from '@mesh/daemonapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ed25519ToX25519 } from '../src/peers/peer-directory.js';
import { Identity } from '../src/identity/identity.js';
import { startDaemon, startRendezvous, type Rendezvous, type TestDaemon } from './harness.js';

const contexts = new Map<number, { control: ControlSender; peers: PeerDirectory }>();
const received: string[] = [];
registerPlugin('ctx-probe', () => {
  let self = 0;
  return {
    name: 'ctx-probe',
    version: '9.8.7',
    payloadKinds: ['probe.msg'],
    init: (daemon, ctx) => {
      self = daemon.nodeId();
      contexts.set(self, { control: ctx.control!, peers: ctx.peers! });
    },
    handlePayload: (source, payload) => {
      received.push(`${self}<-${source}:${new TextDecoder().decode(payload.body)}`);
    },
    shutdown: () => {},
  };
});

let rv: Rendezvous;
let a: TestDaemon;
let b: TestDaemon;
beforeAll(async () => {
  rv = await startRendezvous();
  a = await startDaemon(rv, { loadPlugins: true, pluginShutdownTimeoutMs: 50 });
  b = await startDaemon(rv, { loadPlugins: true, pluginShutdownTimeoutMs: 50 });
});
afterAll(async () => {
  await a?.stop();
  await b?.stop();
  await rv?.close();
});

describe('ControlSender from the real engine', () => {
  it('sendRouted answers false for a node nobody knows, true (and delivers) for a known one', async () => {
    const { control } = contexts.get(a.daemon.nodeId())!;
    const body = new TextEncoder().encode('routed');
    expect(await control.sendRouted(0x00ab_cdef, { kind: 'probe.msg', body })).toBe(false);
    expect(await control.sendRouted(b.daemon.nodeId(), { kind: 'probe.msg', body })).toBe(true);
    await expect
      .poll(() => received)
      .toContain(`${b.daemon.nodeId()}<-${a.daemon.nodeId()}:routed`);
  });
});

describe('PeerDirectory from the real engine', () => {
  it('derives the X25519 key from the Ed25519 identity (the birational map)', () => {
    const id = Identity.generate();
    const fromSeed = x25519.getPublicKey(ed25519SeedToX25519Secret(id.signingSeed()));
    expect(Buffer.from(ed25519ToX25519(id.publicKey)).toString('hex')).toBe(
      Buffer.from(fromSeed).toString('hex'),
    );
  });

  it('looks a peer up, emits seen when a tunnel brings one, and forgotten when it is forgotten', async () => {
    const { peers } = contexts.get(a.daemon.nodeId())!;
    const events: PeerDirectoryEvent[] = [];
    const off = peers.subscribe((e) => events.push(e));
    const bId = b.daemon.nodeId();
    const bKey = ed25519ToX25519(b.daemon.identity()!.publicKey);
    // b is known already (the routed send above opened a tunnel); a lookup answers at once.
    expect(await peers.lookupX25519(bId)).toEqual(bKey);
    expect(await peers.lookupName(bId)).toBe('');
    expect(await peers.lookupX25519(0x00ab_cdef)).toBeUndefined();

    await a.daemon.forgetPeer(bId);
    await b.daemon.forgetPeer(a.daemon.nodeId());
    expect(events).toContainEqual({ type: 'forgotten', nodeId: bId });
    // A new tunnel to b brings it back.
    const conn = await a.daemon.dial({ network: 0, node: bId }, 7);
    conn.end();
    await expect
      .poll(() => events.filter((e) => e.type === 'seen'))
      .toContainEqual({
        type: 'seen',
        nodeId: bId,
        x25519PublicKey: bKey,
        name: '',
        via: 'direct',
      });
    off();
  });

  it('lists plugins with their versions', () => {
    expect(a.daemon.pluginList()).toEqual([{ name: 'ctx-probe', version: '9.8.7' }]);
  });
});

/** The X25519 secret scalar an Ed25519 seed stands for (RFC 8032: first half of SHA-512). */
function ed25519SeedToX25519Secret(seed: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha512').update(seed).digest().subarray(0, 32));
}
