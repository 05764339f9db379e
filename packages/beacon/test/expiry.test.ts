import { afterEach, describe, expect, it } from 'vitest';
import { Beacon } from '../src/index.js';
import { NodeTable } from '../src/nodes/node-table.js';
import type { NodeRoute } from '../src/nodes/route.js';
import { Cleanup, UdpNode, frame } from './support/clients.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const udp = (port: number): NodeRoute => ({ kind: 'udp', address: '127.0.0.1', port });

describe('NodeTable', () => {
  it('evicts the least recently seen node when full', () => {
    const t = new NodeTable({ maxNodes: 2, ttlMs: 1000 });
    expect(t.set(1, udp(1), 0)).toBeUndefined();
    expect(t.set(2, udp(2), 1)).toBeUndefined();
    t.set(1, udp(1), 2); // refresh 1, so 2 is now the oldest
    expect(t.set(3, udp(3), 3)).toBe(2);
    expect([...t.ids()].sort()).toEqual([1, 3]);
  });

  it('sweeps UDP routes past the TTL but keeps WebSocket routes', () => {
    const t = new NodeTable({ maxNodes: 10, ttlMs: 100 });
    const link = { id: 1, address: '127.0.0.1', port: 5, send: () => true };
    t.set(1, udp(1), 0);
    t.set(2, { kind: 'ws', link }, 0);
    t.set(3, udp(3), 50);
    expect(t.sweep(100)).toEqual([1]);
    expect(t.sweep(150)).toEqual([3]);
    expect([...t.ids()]).toEqual([2]);
  });

  it('deleteWsLink only removes the binding of that connection', () => {
    const t = new NodeTable({ maxNodes: 10, ttlMs: 100 });
    const link = { id: 7, address: '127.0.0.1', port: 5, send: () => true };
    t.set(1, { kind: 'ws', link }, 0);
    expect(t.deleteWsLink(1, 8)).toBe(false);
    expect(t.deleteWsLink(1, 7)).toBe(true);
    expect(t.size).toBe(0);
  });
});

describe('beacon node expiry', () => {
  it('forgets UDP nodes not heard from within nodeTtlMs', async () => {
    let clock = 0;
    const beacon = cleanup.add(
      new Beacon({ udp: { host: '127.0.0.1', port: 0 }, nodeTtlMs: 60_000, now: () => clock }),
    );
    await beacon.listen();
    const a = cleanup.add(await UdpNode.open(beacon.address().udp!.port));
    const b = cleanup.add(await UdpNode.open(beacon.address().udp!.port));
    await a.discover(1);
    await b.discover(2);
    clock = 30_000;
    await a.discover(1); // refresh 1 only
    clock = 60_000;
    expect(beacon.sweepExpired()).toBe(1);
    expect(beacon.stats()).toMatchObject({ nodes: 1, expired: 1 });
    // Node 2 is gone: a relay to it is dropped, node 1 is still reachable.
    a.send({ kind: 'relay', sender: 1, dest: 2, frame: frame('lost') });
    a.send({ kind: 'relay', sender: 1, dest: 1, frame: frame('kept') });
    expect(await a.next()).toEqual({ kind: 'relay-deliver', sender: 1, frame: frame('kept') });
    expect(beacon.stats().relayDropped).toBe(1);
  });

  it('keeps unproven bindings within the cap by refusing newcomers, not evicting', async () => {
    const beacon = cleanup.add(new Beacon({ udp: { host: '127.0.0.1', port: 0 }, maxNodes: 3 }));
    await beacon.listen();
    const a = cleanup.add(await UdpNode.open(beacon.address().udp!.port));
    for (let id = 1; id <= 10; id++) await a.discover(id);
    expect(beacon.stats()).toMatchObject({ nodes: 3, expired: 0, unprovenRefused: 7 });
    // The first three stay reachable.
    a.send({ kind: 'relay', sender: 1, dest: 3, frame: frame('kept') });
    expect(await a.next()).toEqual({ kind: 'relay-deliver', sender: 1, frame: frame('kept') });
  });
});
