// Recovery after restarts (issue 19, "Recovery"): a peer that restarts on a new port is reached
// again directly (not left on the relay); a daemon whose registry restarted on an empty store
// registers again at once, without waiting for its next heartbeat; and relayed streams resume
// within a second of a rendezvous restart (the daemons heartbeat early and re-announce to the
// beacon as soon as the registry connection drops).
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

  it('registers again at once, without waiting for a heartbeat, when the registry restarted on an empty store', async () => {
    const rv = await startRendezvous();
    cleanups.push(() => rv.close());
    // The regular heartbeat is a minute away: only the dropped connection can bring it back.
    const a = await startDaemon(rv, { keepaliveMs: 60_000 });
    cleanups.push(() => a.stop());
    const reregistered = nextEvent(a.daemon.bus(), 'node.reregistered');
    // The registry comes back on the same port with nothing stored.
    await rv.stopRegistry();
    await rv.startRegistry({ emptyStore: true });
    expect((await reregistered).payload).toEqual({ address: a.daemon.info().address });
    const info = await a.daemon.rawRegistryClient()!.lookup(a.daemon.nodeId());
    expect(info.publicKey).toBe(Buffer.from(a.daemon.identity()!.publicKey).toString('base64'));
  }, 20_000);

  it('relayed streams resume within seconds of a rendezvous restart, not at the next heartbeat', async () => {
    // A beacon that binds nodes only on proof (never from their relayed frames): until a node
    // announces itself again, frames to it are dropped.
    const rv = await startRendezvous({ requireProof: true });
    cleanups.push(() => rv.close());
    // Private nodes cannot resolve each other: every frame goes through the beacon relay.
    const opts = {
      public: false,
      keepaliveMs: 60_000,
      streams: { initialRtoMs: 100, minRtoMs: 50 },
    };
    const a = await startDaemon(rv, opts);
    cleanups.push(() => a.stop());
    const b = await startDaemon(rv, opts);
    cleanups.push(() => b.stop());
    b.daemon.registerTrustChecker({
      isTrusted: (node) =>
        node === a.daemon.nodeId() ? { trusted: true, name: 'a' } : { trusted: false },
    });
    const relayed = nextEvent(a.daemon.bus(), 'tunnel.relay_activated');
    const conn = await a.daemon.dial(b.daemon.addr(), 7);
    cleanups.push(async () => void conn.destroy());
    await relayed;
    const received: string[] = [];
    let waiter: ((text: string) => void) | undefined;
    conn.on('data', (c: Buffer) => {
      received.push(c.toString());
      waiter?.(received.join(''));
    });
    let failed: ((err: Error) => void) | undefined;
    conn.on('error', (err) => failed?.(err));
    const echoed = (text: string): Promise<void> =>
      new Promise((resolve, reject) => {
        failed = reject;
        waiter = (got) => {
          if (got.endsWith(text)) resolve();
        };
        conn.write(text);
      });
    await echoed('before;');
    // Same ports, fresh process: no registry connection, no beacon binding survives. Until both
    // nodes are bound again the beacon drops their relayed frames; retransmission carries on.
    await rv.restart();
    // The stream that was open through the restart carries data again, and a new one works.
    await echoed('after;');
    expect(received.join('')).toBe('before;after;');
    expect(await echo(await a.daemon.dial(b.daemon.addr(), 7), 'new stream')).toBe('new stream');
    expect(
      a.daemon
        .tunnels()
        .peers()
        .find((p) => p.nodeId === b.daemon.nodeId()),
    ).toMatchObject({
      relay: true,
    });
  }, 20_000);
});
