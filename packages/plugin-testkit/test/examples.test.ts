import { afterEach, describe, expect, it } from 'vitest';
import { MemoryNetwork } from '../src/index.js';
import { PayloadKindConflictError, registered } from '@mesh/daemonapi';
import type { Plugin, PluginPayload } from '@mesh/daemonapi';
import {
  COUNTER_ACK_KIND,
  COUNTER_KIND,
  CounterPayloadError,
  CounterPlugin,
} from './plugins/counter.js';
import { ECHO_PORT, createEchoPlugin } from './plugins/echo.js';

const u32 = (n: number): Uint8Array => {
  const body = new Uint8Array(4);
  new DataView(body.buffer).setUint32(0, n);
  return body;
};

let network: MemoryNetwork;
afterEach(async () => {
  await network.close();
});

describe('example plugins on the in-memory network', () => {
  it('echo answers on its port and reports stats over IPC', async () => {
    network = new MemoryNetwork();
    const host = network.createDaemon();
    const client = network.createDaemon();
    await host.loadPlugins([createEchoPlugin()]);
    const conn = await client.dialConnection(host.addr(), ECHO_PORT);
    const rw = client.newConnReadWriter(conn);
    const reader = rw[Symbol.asyncIterator]();
    for (const word of ['one', 'two']) {
      await rw.write(new TextEncoder().encode(word));
      expect(new TextDecoder().decode((await reader.next()).value)).toBe(word);
    }
    await expect(host.callMethod('echo.stats')).resolves.toEqual({ port: ECHO_PORT, served: 1 });
    await host.unloadPlugins();
    expect((await reader.next()).done).toBe(true); // shutdown closed the session
    expect(host.resources()).toMatchObject({ ports: [], connections: 0, methods: [] });
  });

  it('counter counts claimed payloads per peer, acknowledges them and forgets peers', async () => {
    network = new MemoryNetwork();
    const host = network.createDaemon();
    const peer = network.createDaemon({ name: 'peer' });
    const counter = new CounterPlugin();
    const acks: number[] = [];
    const ackCollector: Plugin = {
      name: 'acks',
      payloadKinds: [COUNTER_ACK_KIND],
      init: () => {},
      shutdown: () => {},
      handlePayload: (_source: number, payload: PluginPayload) =>
        void acks.push(new DataView(payload.body.buffer, payload.body.byteOffset).getUint32(0)),
    };
    await host.loadPlugins([counter]);
    await peer.loadPlugins([ackCollector]);
    const updates = host.bus().subscribe('counter.*');

    await expect(
      host.deliverPayload(peer.nodeId(), { kind: COUNTER_KIND, body: u32(5) }),
    ).resolves.toEqual({
      status: 'handled',
      plugin: 'counter',
    });
    await host.deliverPayload(peer.nodeId(), { kind: COUNTER_KIND, body: u32(2) });
    expect(acks).toEqual([5, 7]);
    expect(await host.callMethod('counter.get')).toEqual({ [peer.nodeId()]: 7 });
    expect((await updates[Symbol.asyncIterator]().next()).value).toMatchObject({
      topic: 'counter.updated',
      payload: { peer: peer.nodeId(), total: 5 },
    });

    const bad = await host.deliverPayload(peer.nodeId(), {
      kind: COUNTER_KIND,
      body: new Uint8Array(3),
    });
    expect(bad).toMatchObject({ status: 'failed', plugin: 'counter' });
    expect(bad.status === 'failed' && bad.error).toBeInstanceOf(CounterPayloadError);
    expect(host.payloadFailures).toHaveLength(1);

    await host.forgetPeer(peer.nodeId());
    expect(counter.totals.size).toBe(0);
    updates.close();
  });
});

describe('the engine path: registered plugins through loadAll on a three-daemon network', () => {
  it('loads the self-registered examples in sorted order and serves several peers', async () => {
    network = new MemoryNetwork();
    const host = network.createDaemon({ name: 'host' });
    const alice = network.createDaemon({ name: 'alice' });
    const bob = network.createDaemon({ name: 'bob' });
    expect(registered()).toEqual(['counter', 'echo']); // the example modules registered on import

    const plugins = await host.loadRegistered();
    expect(plugins.map((p) => p.name)).toEqual(['counter', 'echo']);
    expect(host.plugins()).toEqual(plugins);

    // Two peers talk to the echo port at once, each hearing only its own bytes.
    const sessions = await Promise.all(
      [alice, bob].map(async (client) => {
        const rw = client.newConnReadWriter(await client.dialConnection(host.addr(), ECHO_PORT));
        await rw.write(new TextEncoder().encode(client.name));
        return { client, rw, reply: (await rw[Symbol.asyncIterator]().next()).value };
      }),
    );
    for (const { client, reply } of sessions)
      expect(new TextDecoder().decode(reply)).toBe(client.name);

    // Payloads sent through the peers' control senders reach the registered counter plugin.
    await alice.pluginContext('probe').control?.sendDirect(host.nodeId(), {
      kind: COUNTER_KIND,
      body: u32(3),
    });
    await bob.pluginContext('probe').control?.sendDirect(host.nodeId(), {
      kind: COUNTER_KIND,
      body: u32(4),
    });
    expect(await host.callMethod('counter.get')).toEqual({
      [alice.nodeId()]: 3,
      [bob.nodeId()]: 4,
    });

    // Stopping the host shuts the registered plugins down: sessions end, the port is free.
    await host.stop();
    for (const { rw } of sessions)
      expect((await rw[Symbol.asyncIterator]().next()).done).toBe(true);
    expect(host.resources()).toMatchObject({ ports: [], connections: 0, methods: [] });
  });

  it('refuses registered plugins whose payload kinds clash with ones already hosted, and unwinds them', async () => {
    network = new MemoryNetwork();
    const host = network.createDaemon();
    const squatter: Plugin = {
      name: 'squatter',
      payloadKinds: [COUNTER_KIND],
      init: () => {},
      shutdown: () => {},
    };
    await host.loadPlugins([squatter]);
    await expect(host.loadRegistered()).rejects.toBeInstanceOf(PayloadKindConflictError);
    expect(host.plugins()).toEqual([squatter]);
    expect(host.resources()).toMatchObject({ ports: [], methods: [] });
  });
});
