import type { HandshakeService } from '@mesh/daemonapi';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Daemon } from '../src/daemon/daemon.js';
import { nextEvent } from './helpers.js';
import { startDaemon, startRendezvous, type Rendezvous, type TestDaemon } from './harness.js';

let rv: Rendezvous;
const daemons: TestDaemon[] = [];
beforeEach(async () => {
  rv = await startRendezvous();
});
afterEach(async () => {
  for (const d of daemons.splice(0)) await d.stop();
  await rv.close();
});

describe('Daemon registration', () => {
  it('registers, discovers its endpoint through the beacon and publishes node.registered', async () => {
    const d = await startDaemon(rv);
    daemons.push(d);
    const info = d.daemon.info();
    expect(info.node_id).toBeGreaterThan(0);
    expect(info.address).toMatch(/^0:0000\.[0-9A-F]{4}\.[0-9A-F]{4}$/);
    expect(info.endpoint).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(info.encrypt).toBe(true);
    const looked = await d.daemon.registryClient()!.lookup(info.node_id);
    expect(looked.publicKey).toBe(d.daemon.identity()!.publicKeyBase64);
    expect(looked.realAddr).toBe(info.endpoint);
  });

  it('keeps its node id across a restart with the same identity file', async () => {
    const d = await startDaemon(rv);
    const id = d.daemon.nodeId();
    await d.daemon.stop();
    const again = new Daemon({
      registry: rv.registryAddr,
      listen: '127.0.0.1:0',
      identityPath: `${d.dir}/identity.json`,
      loadPlugins: false,
    });
    await again.start();
    expect(again.nodeId()).toBe(id);
    await again.stop();
    await d.stop();
  });

  it('re-registers after the registry restarts (same key, same node id)', async () => {
    const events: { topic: string; payload: Record<string, unknown> }[] = [];
    const d = await startDaemon(rv, { reregisterAfterFailures: 2 }, (daemon) => {
      daemon.bus().on('registry.*', (e) => events.push({ topic: e.topic, payload: e.payload }));
    });
    daemons.push(d);
    const id = d.daemon.nodeId();
    expect(events).toEqual([
      { topic: 'registry.connected', payload: { registry: rv.registryAddr, reason: 'register' } },
    ]);
    await rv.stopRegistry();
    expect(await d.daemon.heartbeatNow()).toBe(false);
    expect(events[1]).toMatchObject({
      topic: 'registry.disconnected',
      payload: {
        registry: rv.registryAddr,
        reason: expect.stringMatching(/^heartbeat: |^connection dropped: /),
      },
    });
    expect(events).toHaveLength(2); // a second failure is not a new transition
    expect(await d.daemon.heartbeatNow()).toBe(false);
    expect(events).toHaveLength(2);
    await rv.startRegistry();
    // The restarted registry no longer knows the node (as after a reap or a lost store).
    await d.daemon.rawRegistryClient()!.deregister();
    const rereg = nextEvent(d.daemon.bus(), 'node.reregistered');
    expect(await d.daemon.heartbeatNow()).toBe(true);
    expect((await rereg).payload).toEqual({ address: d.daemon.info().address });
    expect(events[2]).toMatchObject({
      topic: 'registry.reconnected',
      payload: { registry: rv.registryAddr, lost_reason: events[1].payload['reason'] },
    });
    expect(events[2].payload['down_ms']).toBeGreaterThanOrEqual(0);
    expect(events).toHaveLength(3);
    expect(d.daemon.nodeId()).toBe(id);
    expect(await d.daemon.heartbeatNow()).toBe(true);
    const looked = await d.daemon.registryClient()!.lookup(id);
    expect(looked.publicKey).toBe(d.daemon.identity()!.publicKeyBase64);
  });

  it('re-reports local trust pairs after re-registering', async () => {
    const d = await startDaemon(rv, { reregisterAfterFailures: 1 });
    const peer = await startDaemon(rv);
    daemons.push(d, peer);
    const peerId = peer.daemon.nodeId();
    d.daemon.registerHandshakeService({
      trustedPeers: () => [
        { nodeId: peerId, publicKey: '', approvedAt: 0, mutual: true, network: 0 },
      ],
    } as unknown as HandshakeService);
    const client = d.daemon.rawRegistryClient()!;
    const peerClient = peer.daemon.rawRegistryClient()!;
    await peerClient.reportTrust(d.daemon.nodeId());
    await client.reportTrust(peerId);
    // The registry loses the node and its trust pair.
    await client.revokeTrust(peerId);
    await client.deregister();
    expect(await client.checkTrust(peerId)).toBe(false);
    // The peer re-reported already (a pair needs both sides): it waits for this node's report.
    expect(await peerClient.reportTrust(d.daemon.nodeId())).toEqual({ pending: true });
    expect(await d.daemon.heartbeatNow()).toBe(true);
    // Requests on one registry connection are answered in order, so this sees the re-report.
    expect(await client.checkTrust(peerId)).toBe(true);
  });

  it('fails to start cleanly when the registry is unreachable', async () => {
    await rv.stopRegistry();
    const d = new Daemon({ registry: rv.registryAddr, listen: '127.0.0.1:0', loadPlugins: false });
    await expect(d.start()).rejects.toThrow();
    expect(d.state).toBe('stopped');
    await d.stop(); // idempotent after a failed start
    await rv.startRegistry();
  });

  it('refuses to start with a malformed registry address', async () => {
    const d = new Daemon({ registry: 'nonsense', loadPlugins: false });
    await expect(d.start()).rejects.toMatchObject({ code: 'CONFIG' });
    expect(d.state).toBe('stopped');
  });
});
