// The same plugins on the test kit's in-memory daemon, which passes the daemon conformance suite
// like the engine does: here the direct port-444 path (no trust gate in between) and the relay
// poller against the in-memory registry.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HandshakeServiceKey, type HandshakeService } from '@mesh/daemonapi';
import { HandshakePlugin } from '@mesh/plugin-handshake';
import { MemoryNetwork, type MemoryDaemon } from '@mesh/plugin-testkit';
import { TrustedAgentsPlugin } from '@mesh/plugin-trustedagents';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

let network: MemoryNetwork;
let dir: string;
beforeEach(() => {
  network = new MemoryNetwork();
  dir = mkdtempSync(path.join(tmpdir(), 'mesh-trust-mem-'));
});
afterEach(async () => {
  await network.close();
  rmSync(dir, { recursive: true, force: true });
});

async function daemon(name: string): Promise<{ d: MemoryDaemon; hs: HandshakeService }> {
  const d = network.createDaemon({
    name,
    identity: true,
    registry: true,
    dataDir: (plugin) => path.join(dir, name, plugin),
  });
  await d.loadPlugins([
    new HandshakePlugin({ pollIntervalMs: 50, fastPollIntervalMs: 20 }),
    new TrustedAgentsPlugin(),
  ]);
  return { d, hs: d.services().require(HandshakeServiceKey) };
}

function next(d: MemoryDaemon, topic: string): Promise<Record<string, unknown>> {
  const sub = d.bus().subscribe(topic);
  return (async () => {
    for await (const e of sub) {
      sub.close();
      return e.payload;
    }
    throw new Error(`no ${topic}`);
  })();
}

describe('trust plugins on the in-memory daemon', () => {
  it('direct port-444 request carries the key; approve answers directly; revoke reaches the peer', async () => {
    const a = await daemon('a');
    const b = await daemon('b');
    const pending = next(b.d, 'handshake.pending');
    await a.hs.sendRequest(b.d.nodeId(), 'direct please');
    expect(await pending).toEqual({ peer_node_id: a.d.nodeId(), justification: 'direct please' });
    // A direct request carries the requester's key, checked against the registry.
    const key = Buffer.from(a.d.identity()!.publicKey).toString('base64');
    expect(b.hs.pendingRequests()).toMatchObject([{ nodeId: a.d.nodeId(), publicKey: key }]);

    const trusted = a.hs.waitForTrust(b.d.nodeId(), { timeoutMs: 5000 });
    await b.hs.approveHandshake(a.d.nodeId());
    expect(await trusted).toBe(true);
    expect(b.hs.trustedPeers()).toMatchObject([
      { nodeId: a.d.nodeId(), publicKey: key, mutual: false },
    ]);
    expect(a.hs.trustedPeers()).toMatchObject([{ nodeId: b.d.nodeId(), mutual: true }]);

    const byPeer = next(b.d, 'trust.revoked_by_peer');
    await a.hs.revokeTrust(b.d.nodeId());
    expect(await byPeer).toEqual({ peer_node_id: a.d.nodeId() });
    expect(b.hs.isTrusted(a.d.nodeId())).toBe(false);
  });

  it('relayed requests from the in-memory registry inbox are picked up by the poller', async () => {
    const a = await daemon('a');
    const b = await daemon('b');
    const pending = next(b.d, 'handshake.pending');
    // As a private peer's request would arrive: only through the registry.
    await a.d.registryClient()!.requestHandshake(b.d.nodeId(), 'via the relay');
    expect(await pending).toEqual({ peer_node_id: a.d.nodeId(), justification: 'via the relay' });
    expect(b.hs.pendingRequests()).toMatchObject([{ nodeId: a.d.nodeId(), publicKey: '' }]);
  });
});
