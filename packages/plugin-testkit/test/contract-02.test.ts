// Contract 0.2 on the in-memory daemon, beyond what the conformance suite checks on both daemons.
import {
  PluginDependencyCycleError,
  PluginInitError,
  UnmetServiceNeedError,
  defineService,
  errorCode,
  isMeshError,
} from '@mesh/daemonapi';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryNetwork } from '../src/index.js';
import type { Event, Plugin } from '@mesh/daemonapi';

let network: MemoryNetwork | undefined;
afterEach(async () => {
  await network?.close();
  network = undefined;
});

const Clock = defineService<{ now(): number }>('test.clock');
const Audit = defineService<{ log(line: string): void }>('test.audit');

function plugin(name: string, extra: Partial<Plugin>, init?: Plugin['init']): Plugin {
  return { name, init: init ?? (() => {}), shutdown: () => {}, ...extra };
}

describe('loadPlugins honours provides / needs', () => {
  it('starts a plugin after the provider of what it needs, and announces versions', async () => {
    network = new MemoryNetwork();
    const daemon = network.createDaemon();
    const order: string[] = [];
    const events = daemon.bus().subscribe('plugin.loaded');
    await daemon.loadPlugins([
      plugin('a-consumer', { needs: [Clock], version: '2.0.0' }, (d) => {
        order.push(`a-consumer saw ${d.services().require(Clock).now()}`);
      }),
      plugin('z-provider', { provides: [Clock] }, (d) => {
        order.push('z-provider');
        d.services().provide(Clock, { now: () => 42 });
      }),
    ]);
    expect(order).toEqual(['z-provider', 'a-consumer saw 42']);
    const iterator = events[Symbol.asyncIterator]();
    const loaded: Event[] = [(await iterator.next()).value, (await iterator.next()).value];
    expect(loaded.map((e) => e.payload)).toEqual([
      { name: 'z-provider' },
      { name: 'a-consumer', version: '2.0.0' },
    ]);
    events.close();
  });

  it('refuses an unmet need and a cycle before any init, and a provider that does not provide', async () => {
    network = new MemoryNetwork();
    const daemon = network.createDaemon();
    let inits = 0;
    const count = (): void => void inits++;
    await expect(
      daemon.loadPlugins([plugin('needy', { needs: [Audit] }, count)]),
    ).rejects.toBeInstanceOf(UnmetServiceNeedError);
    await expect(
      daemon.loadPlugins([
        plugin('x', { needs: [Clock], provides: [Audit] }, count),
        plugin('y', { needs: [Audit], provides: [Clock] }, count),
      ]),
    ).rejects.toBeInstanceOf(PluginDependencyCycleError);
    expect(inits).toBe(0);
    const failure = await daemon
      .loadPlugins([plugin('liar', { provides: [Audit] })])
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(PluginInitError);
    expect(errorCode((failure as PluginInitError).cause)).toBe('PLUGIN_SERVICE_NOT_PROVIDED');
    expect(daemon.plugins()).toEqual([]);
  });

  it('counts a service the daemon already has as met', async () => {
    network = new MemoryNetwork();
    const daemon = network.createDaemon();
    daemon.services().provide(Audit, { log: () => {} });
    await daemon.loadPlugins([plugin('needy', { needs: [Audit] })]);
    expect(daemon.plugins().map((p) => p.name)).toEqual(['needy']);
  });
});

describe('the in-memory registry', () => {
  it('is reached with `registry: true`: lookup, list_nodes with the admin token, member tags', async () => {
    network = new MemoryNetwork({ adminToken: 'secret' });
    const a = network.createDaemon({ registry: true, name: 'alpha' });
    const b = network.createDaemon({ registry: true, name: 'beta' });
    const client = a.registryClient()!;
    const info = await client.lookup(b.nodeId());
    expect(info).toMatchObject({ nodeId: b.nodeId(), hostname: 'beta', networks: [0] });
    expect(info.publicKey).toBe(Buffer.from(b.identity()!.publicKey).toString('base64'));
    expect(await client.resolveHostname('beta')).toBe(b.nodeId());
    expect(await a.regConnListNodes(0, 'secret')).toEqual([
      { nodeId: a.nodeId(), address: '0:0000.0000.0001', hostname: 'alpha' },
      { nodeId: b.nodeId(), address: '0:0000.0000.0002', hostname: 'beta' },
    ]);
    const denied = await a.regConnListNodes(0, 'wrong').catch((e: unknown) => e);
    expect(isMeshError(denied) && denied.code).toBe('REGISTRY_DENIED');
    await b.setMemberTags(7, ['gpu', 'eu']);
    expect(b.memberTags.get(7)).toEqual(['gpu', 'eu']);
    expect(await client.getMemberTags(7, b.nodeId())).toEqual(['gpu', 'eu']);
    expect(await client.getMemberTags(7, a.nodeId())).toEqual([]);
  });

  it('relays handshakes and keeps trust pairs', async () => {
    network = new MemoryNetwork();
    const a = network.createDaemon({ registry: true });
    const b = network.createDaemon({ registry: true });
    await a.registryClient()!.requestHandshake(b.nodeId(), 'let me in');
    const inbox = await b.registryClient()!.pollHandshakes();
    expect(inbox.requests).toEqual([
      { fromNodeId: a.nodeId(), justification: 'let me in', timestamp: network.clock.now() },
    ]);
    expect((await b.registryClient()!.pollHandshakes()).requests).toEqual([]);
    await b.registryClient()!.respondHandshake(a.nodeId(), true);
    expect((await a.registryClient()!.pollHandshakes()).responses).toMatchObject([
      { fromNodeId: b.nodeId(), accept: true },
    ]);
    expect(await a.registryClient()!.checkTrust(b.nodeId())).toBe(true);
    await a.registryClient()!.revokeTrust(b.nodeId());
    expect(await b.registryClient()!.checkTrust(a.nodeId())).toBe(false);
  });

  it('is absent by default, and regConnListNodes says how to get one', async () => {
    network = new MemoryNetwork();
    const a = network.createDaemon();
    expect(a.registryClient()).toBeUndefined();
    await expect(a.regConnListNodes(0, 'x')).rejects.toMatchObject({ code: 'NO_REGISTRY' });
  });
});

describe('datagrams and the peer directory', () => {
  it('datagrams come from a fresh ephemeral port; an empty one is dropped', async () => {
    network = new MemoryNetwork();
    const a = network.createDaemon();
    const b = network.createDaemon();
    const receiver = b.receiveDatagrams(77);
    await a.sendDatagram(b.addr(), 77, new Uint8Array(0));
    await a.sendDatagram(b.addr(), 77, new Uint8Array([1]));
    const datagram = await receiver.next();
    expect(datagram?.data).toEqual(new Uint8Array([1]));
    expect(datagram?.srcPort).toBeGreaterThanOrEqual(49152);
    await expect(a.sendDatagram(b.addr(), -1, new Uint8Array([1]))).rejects.toMatchObject({
      code: 'INVALID_PORT',
    });
    receiver.close();
  });

  it('`seen` fires for a new or changed peer only', () => {
    network = new MemoryNetwork({ autoMeet: false });
    const a = network.createDaemon();
    const events: string[] = [];
    a.peerDirectory.subscribe((e) => events.push(`${e.type}:${e.nodeId}`));
    const key = new Uint8Array(32).fill(1);
    expect(a.peerDirectory.see({ nodeId: 9, x25519PublicKey: key, name: 'n' })).toBe(true);
    expect(a.peerDirectory.see({ nodeId: 9, x25519PublicKey: key, name: 'n' })).toBe(false);
    expect(a.peerDirectory.see({ nodeId: 9, x25519PublicKey: key, name: 'renamed' })).toBe(true);
    expect(events).toEqual(['seen:9', 'seen:9']);
  });
});
