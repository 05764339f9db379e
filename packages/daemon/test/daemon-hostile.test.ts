// Recovery after restarts (issue 19, "Recovery"): a peer that restarts on a new port is reached
// again directly (not left on the relay), and a daemon whose registry restarted on an empty store
// registers again at once instead of after several failed heartbeats.
import { MemoryStore, RegistryServer } from '@mesh/registry';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Connection } from '../src/transport/index.js';
import { nextEvent } from './helpers.js';
import { startDaemon, startRendezvous, type TestDaemon } from './harness.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
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

describe('recovery under restarts', () => {
  it('a peer restarted on a new port is reached directly again, not left on the relay', async () => {
    const rv = await startRendezvous();
    cleanups.push(() => rv.close());
    const dir = await mkdtemp(path.join(tmpdir(), 'mesh-hostile-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const identityPath = path.join(dir, 'identity.json');
    // Fast timers: a short probe period and SYN schedule (the defaults only make this slower).
    const opts = {
      tunnel: { keyExchangeRetryMs: 100, directProbeMs: 200 },
      streams: { initialRtoMs: 100, minRtoMs: 50 },
    };
    const start = async (extra = {}): Promise<TestDaemon> => {
      const d = await startDaemon(rv, { ...opts, ...extra });
      cleanups.push(() => d.stop());
      return d;
    };
    const a = await start();
    const b1 = await start({ identityPath });
    expect(await echo(await a.daemon.dial(b1.daemon.addr(), 7), 'before')).toBe('before');
    const bId = b1.daemon.nodeId();
    const oldPort = b1.daemon.tunnels().localEndpoint.port;
    await b1.stop();
    const b2 = await start({ identityPath });
    expect(b2.daemon.nodeId()).toBe(bId);
    const newPort = b2.daemon.tunnels().localEndpoint.port;
    expect(newPort).not.toBe(oldPort);
    const restored = nextEvent(
      a.daemon.bus(),
      'tunnel.direct_restored',
      (e) => e.payload['peer_node_id'] === bId,
    );
    expect(await echo(await a.daemon.dial(b2.daemon.addr(), 7), 'after')).toBe('after');
    expect((await restored).payload).toEqual({
      peer_node_id: bId,
      endpoint: `127.0.0.1:${newPort}`,
    });
    expect(
      a.daemon
        .tunnels()
        .peers()
        .find((p) => p.nodeId === bId),
    ).toMatchObject({
      endpoint: `127.0.0.1:${newPort}`,
      relay: false,
      authenticated: true,
    });
    expect(await echo(await a.daemon.dial(b2.daemon.addr(), 7), 'direct')).toBe('direct');
  });

  it('registers again at once when the registry restarted on an empty store', async () => {
    const rv = await startRendezvous();
    cleanups.push(() => rv.beacon.close());
    const a = await startDaemon(rv);
    cleanups.push(() => a.stop());
    // The registry comes back on the same port with nothing stored.
    await rv.stopRegistry();
    const port = Number(rv.registryAddr.split(':')[1]);
    const empty = new RegistryServer({ host: '127.0.0.1', port, store: new MemoryStore() });
    await empty.listen();
    cleanups.push(() => empty.close());
    const reregistered = nextEvent(a.daemon.bus(), 'node.reregistered');
    // One heartbeat: the registry answers "not registered", and the daemon registers again now.
    expect(await a.daemon.heartbeatNow()).toBe(true);
    await reregistered;
    const info = await a.daemon.rawRegistryClient()!.lookup(a.daemon.nodeId());
    expect(info.publicKey).toBe(Buffer.from(a.daemon.identity()!.publicKey).toString('base64'));
  });
});
