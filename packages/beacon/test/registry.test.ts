import { once } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BeaconListing, BeaconRegistrar } from '../src/index.js';
import { Beacon } from '../src/index.js';
import { Cleanup, UdpNode, frame } from './support/clients.js';

const cleanup = new Cleanup();
afterEach(async () => {
  vi.useRealTimers();
  await cleanup.run();
});

/** An in-memory stand-in for the registry's beacon table (the real one is tested in @mesh/registry). */
class MemoryRegistrar implements BeaconRegistrar {
  readonly beacons = new Map<number, string>();
  calls = 0;
  failNext = false;
  async beaconRegister(beaconId: number, addr: string): Promise<void> {
    this.calls++;
    if (this.failNext) {
      this.failNext = false;
      throw new Error('registry unreachable');
    }
    this.beacons.set(beaconId, addr);
  }
  async beaconList(): Promise<readonly BeaconListing[]> {
    return [...this.beacons].map(([id, addr]) => ({ id, addr }));
  }
}

describe('registration', () => {
  it('registers on listen with its id and advertised address', async () => {
    const registry = new MemoryRegistrar();
    const beacon = cleanup.add(
      new Beacon({ udp: { host: '127.0.0.1', port: 0 }, beaconId: 77, registry }),
    );
    const registered = once(beacon, 'registered');
    await beacon.listen();
    const [info] = await registered;
    expect(info).toEqual({ beaconId: 77, addr: `127.0.0.1:${beacon.address().udp!.port}` });
    expect(registry.beacons.get(77)).toBe(info.addr);
  });

  it('re-registers on a timer inside the 60 s expiry, and survives failures', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const registry = new MemoryRegistrar();
    const beacon = cleanup.add(
      new Beacon({
        udp: { host: '127.0.0.1', port: 0 },
        registry,
        advertiseAddr: 'beacon.example:9001',
      }),
    );
    const first = once(beacon, 'registered');
    await beacon.listen();
    await first;
    expect(registry.calls).toBe(1);

    registry.failNext = true;
    const failed = once(beacon, 'registerFailed');
    vi.advanceTimersByTime(30_000);
    expect(((await failed)[0] as Error).message).toBe('registry unreachable');

    const again = once(beacon, 'registered');
    vi.advanceTimersByTime(30_000);
    expect((await again)[0]).toMatchObject({ addr: 'beacon.example:9001' });
    expect(registry.calls).toBe(3);
    expect(beacon.stats().registrations).toBe(2);
  });
});

describe('gossip between beacons', () => {
  it('relays between nodes on different beacons via Sync', async () => {
    const registry = new MemoryRegistrar();
    const b1 = cleanup.add(
      new Beacon({ udp: { host: '127.0.0.1', port: 0 }, registry, beaconId: 1 }),
    );
    const b2 = cleanup.add(
      new Beacon({ udp: { host: '127.0.0.1', port: 0 }, registry, beaconId: 2 }),
    );
    await b1.listen();
    await b2.listen();
    await b1.registerNow();
    await b2.registerNow();

    const a = cleanup.add(await UdpNode.open(b1.address().udp!.port));
    const b = cleanup.add(await UdpNode.open(b2.address().udp!.port));
    await a.discover(10);
    await b.discover(20);

    const synced1 = once(b1, 'synced');
    const synced2 = once(b2, 'synced');
    await b1.syncNow();
    await b2.syncNow();
    expect((await synced1)[0]).toEqual({ beaconId: 2, nodes: 1 });
    expect((await synced2)[0]).toEqual({ beaconId: 1, nodes: 1 });

    a.send({ kind: 'relay', sender: 10, dest: 20, frame: frame('across') });
    expect(await b.next()).toEqual({ kind: 'relay-deliver', sender: 10, frame: frame('across') });
    b.send({ kind: 'relay', sender: 20, dest: 10, frame: frame('back') });
    expect(await a.next()).toEqual({ kind: 'relay-deliver', sender: 20, frame: frame('back') });
    expect(b1.stats()).toMatchObject({ forwarded: 1, relayed: 1, remoteNodes: 1 });
  });

  it('ignores Sync from hosts that are not peer beacons', async () => {
    const beacon = cleanup.add(new Beacon({ udp: { host: '127.0.0.1', port: 0 } }));
    await beacon.listen();
    const stranger = cleanup.add(await UdpNode.open(beacon.address().udp!.port));
    stranger.send({ kind: 'sync', beaconId: 5, nodes: [1, 2, 3] });
    expect(await stranger.discover(9)).toMatchObject({ kind: 'discover-reply' });
    expect(beacon.stats()).toMatchObject({ remoteNodes: 0, malformed: 1 });
  });
});
