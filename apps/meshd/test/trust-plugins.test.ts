// The trust plugins on real engines: private daemons establish trust through the registry relay,
// every automatic approval path, revocation, restart, and a daemon without the plugins.
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { connect } from '@mesh/client';
import { HandshakeServiceKey, TrustCheckerKey } from '@mesh/daemonapi';
import { IpcServer, MethodRegistry } from '@mesh/ipc';
import { signedPayload } from '@mesh/plugin-trustedagents';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { registerHandshakeHandlers } from '../src/ipc/handlers/handshake.js';
import {
  collectEvents,
  echo,
  nextEvent,
  startNode,
  startRendezvous,
  type Rendezvous,
  type TrustNode,
} from './trust-harness.js';

let rv: Rendezvous;
const nodes: TrustNode[] = [];

beforeAll(async () => {
  rv = await startRendezvous();
});
afterAll(async () => {
  await rv?.close();
});
afterEach(async () => {
  for (const n of nodes.splice(0).reverse()) await n.destroy();
});

async function node(options: Parameters<typeof startNode>[1] = {}): Promise<TrustNode> {
  const n = await startNode(rv, options);
  nodes.push(n);
  return n;
}

describe('private daemons and the registry relay (reference §E.11)', () => {
  it('request → pending → approve → both trusted; streams work; untrust cuts the tunnel', async () => {
    const a = await node();
    const b = await node();
    const aId = a.daemon.nodeId();
    const bId = b.daemon.nodeId();
    const pending = nextEvent(b.daemon, 'handshake.pending');

    // B is private: the direct port-444 dial is refused, so the request goes through the relay.
    await a.handshake!.sendRequest(bId, 'let us talk');
    expect(a.handshake!.outgoingRequests()).toEqual([bId]);
    expect(await pending).toMatchObject({ peer_node_id: aId, justification: 'let us talk' });
    expect(b.handshake!.pendingRequests()).toMatchObject([
      { nodeId: aId, justification: 'let us talk', publicKey: '' },
    ]);
    await expect(echo(a.daemon, b.daemon, 'x')).rejects.toMatchObject({
      code: 'CONNECTION_REFUSED',
    });

    const aTrusts = a.handshake!.waitForTrust(bId, { timeoutMs: 20_000 });
    await b.handshake!.approveHandshake(aId);
    expect(b.handshake!.isTrusted(aId)).toBe(true);
    expect(await aTrusts).toBe(true);
    const aView = a.handshake!.trustedPeers();
    expect(aView).toMatchObject([{ nodeId: bId, mutual: true, network: 0 }]);
    // Relay-based trust learns the peer's key from the registry's lookup.
    await expect
      .poll(() => a.handshake!.trustedPeers()[0]?.publicKey)
      .toBe(b.daemon.info().public_key);
    expect(await echo(a.daemon, b.daemon, 'hello b')).toBe('hello b');
    expect(await echo(b.daemon, a.daemon, 'hello a')).toBe('hello a');

    // Untrust: the peer hears it (trust.revoked_by_peer), the tunnel goes, new streams are refused.
    const byPeer = nextEvent(b.daemon, 'trust.revoked_by_peer');
    const revoked = nextEvent(a.daemon, 'trust.revoked');
    await a.handshake!.revokeTrust(bId);
    expect(await revoked).toEqual({ peer_node_id: bId });
    expect(await byPeer).toEqual({ peer_node_id: aId });
    expect(a.handshake!.isTrusted(bId)).toBe(false);
    expect(b.handshake!.isTrusted(aId)).toBe(false);
    await expect(echo(b.daemon, a.daemon, 'again')).rejects.toMatchObject({
      code: 'CONNECTION_REFUSED',
    });
    await expect(a.handshake!.revokeTrust(bId)).rejects.toMatchObject({ code: 'NOT_TRUSTED' });
    // The cooldown ignores a stale approval still travelling through the relay.
    const refused = nextEvent(
      a.daemon,
      'handshake.message_rejected',
      (p) => p['reason'] === 'revoked_cooldown',
    );
    a.handshake!.processRelayedApproval(bId);
    expect(await refused).toMatchObject({ peer_node_id: bId });
    expect(a.handshake!.isTrusted(bId)).toBe(false);
  });

  it('reject: the requester hears it through the relay and forgets its request', async () => {
    const a = await node();
    const b = await node();
    const pending = nextEvent(b.daemon, 'handshake.pending');
    await a.handshake!.sendRequest(b.daemon.nodeId(), 'please');
    await pending;
    const heard = nextEvent(a.daemon, 'handshake.rejected_by_peer');
    await b.handshake!.rejectHandshake(a.daemon.nodeId(), 'no thanks');
    expect(b.handshake!.pendingCount()).toBe(0);
    expect(await heard).toMatchObject({ peer_node_id: b.daemon.nodeId() });
    expect(a.handshake!.outgoingRequests()).toEqual([]);
    expect(a.handshake!.isTrusted(b.daemon.nodeId())).toBe(false);
  });

  it('mutual requests approve each other automatically', async () => {
    const a = await node();
    const b = await node();
    const auto = nextEvent(b.daemon, 'handshake.auto_approved');
    await a.handshake!.sendRequest(b.daemon.nodeId(), 'a→b');
    await b.handshake!.sendRequest(a.daemon.nodeId(), 'b→a');
    expect(await auto).toMatchObject({ peer_node_id: a.daemon.nodeId(), reason: 'mutual' });
    expect(await a.handshake!.waitForTrust(b.daemon.nodeId(), { timeoutMs: 20_000 })).toBe(true);
    expect(await b.handshake!.waitForTrust(a.daemon.nodeId(), { timeoutMs: 20_000 })).toBe(true);
    expect(b.handshake!.pendingCount()).toBe(0);
    expect(await echo(a.daemon, b.daemon, 'mutual')).toBe('mutual');
  });

  it('a shared non-backbone network approves automatically and records the network', async () => {
    const a = await node();
    const b = await node();
    const { networkId } = await a.daemon
      .rawRegistryClient()!
      .createNetwork({ name: `lab-${a.daemon.nodeId()}`, adminToken: rv.adminToken });
    await b.daemon.rawRegistryClient()!.joinNetwork({ networkId });
    const auto = nextEvent(b.daemon, 'handshake.auto_approved');
    await a.handshake!.sendRequest(b.daemon.nodeId(), 'same lab');
    expect(await auto).toMatchObject({ peer_node_id: a.daemon.nodeId(), reason: 'same_network' });
    expect(b.handshake!.trustedPeers()).toMatchObject([
      { nodeId: a.daemon.nodeId(), network: networkId },
    ]);
    expect(await a.handshake!.waitForTrust(b.daemon.nodeId(), { timeoutMs: 20_000 })).toBe(true);
  });

  it('--trust-auto-approve (engine option trustAutoApprove) approves everyone', async () => {
    const a = await node();
    const b = await node({ engine: { trustAutoApprove: true } });
    const auto = nextEvent(b.daemon, 'handshake.auto_approved');
    await a.handshake!.sendRequest(b.daemon.nodeId(), 'hi');
    expect(await auto).toMatchObject({ peer_node_id: a.daemon.nodeId(), reason: 'auto_approve' });
    expect(await a.handshake!.waitForTrust(b.daemon.nodeId(), { timeoutMs: 20_000 })).toBe(true);
    expect(await echo(a.daemon, b.daemon, 'auto')).toBe('auto');
  });

  it('a trusted agent from the signed list is approved automatically', async () => {
    const a = await node();
    const signer = generateKeyPairSync('ed25519');
    const agentsJson = JSON.stringify([{ hostname: 'agent-a', node_id: a.daemon.nodeId() }]);
    const list = path.join(a.dir, 'agents.json');
    writeFileSync(
      list,
      JSON.stringify({
        agents: JSON.parse(agentsJson) as unknown,
        signature: sign(null, signedPayload(agentsJson), signer.privateKey).toString('base64'),
      }),
    );
    const signerKey = Buffer.from(
      signer.publicKey.export({ format: 'jwk' }).x!,
      'base64url',
    ).toString('base64');
    const b = await node({ agents: { source: list, signerPublicKey: signerKey } });
    expect(b.daemon.services().get(TrustCheckerKey)?.isTrusted(a.daemon.nodeId())).toEqual({
      trusted: true,
      name: 'agent-a',
    });
    const auto = nextEvent(b.daemon, 'handshake.auto_approved');
    await a.handshake!.sendRequest(b.daemon.nodeId(), 'agent here');
    expect(await auto).toMatchObject({
      peer_node_id: a.daemon.nodeId(),
      reason: 'trusted_agent',
      agent: 'agent-a',
    });
    expect(await a.handshake!.waitForTrust(b.daemon.nodeId(), { timeoutMs: 20_000 })).toBe(true);
  });

  it('a restart keeps trust and pending requests (trust.json, mode 0600)', async () => {
    const a = await node();
    const c = await node();
    const b = await node();
    const pending = nextEvent(b.daemon, 'handshake.pending');
    await c.handshake!.sendRequest(b.daemon.nodeId(), 'from c');
    await pending;
    const pending2 = nextEvent(b.daemon, 'handshake.pending');
    await a.handshake!.sendRequest(b.daemon.nodeId(), 'from a');
    await pending2;
    await b.handshake!.approveHandshake(a.daemon.nodeId());
    const file = b.handshake!.storePath!;
    const bId = b.daemon.nodeId();
    await b.stop();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown[]>;
    expect(saved['trusted']).toMatchObject([{ node_id: a.daemon.nodeId(), mutual: false }]);
    expect(saved['pending']).toMatchObject([
      { node_id: c.daemon.nodeId(), justification: 'from c' },
    ]);

    const again = await node({ dir: b.dir });
    expect(again.daemon.nodeId()).toBe(bId);
    expect(again.handshake!.trustedPeers().map((t) => t.nodeId)).toEqual([a.daemon.nodeId()]);
    expect(again.handshake!.pendingRequests().map((p) => p.nodeId)).toEqual([c.daemon.nodeId()]);
    // The restored trust admits a's streams at once.
    expect(await a.handshake!.waitForTrust(bId, { timeoutMs: 20_000 })).toBe(true);
    expect(await echo(a.daemon, again.daemon, 'after restart')).toBe('after restart');
  });

  it('a corrupt trust.json stops the start with a clear error and is left untouched', async () => {
    const b = await node();
    const file = b.handshake!.storePath!;
    await b.stop();
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, '{"trusted": [ this is not json');
    await expect(startNode(rv, { dir: b.dir })).rejects.toMatchObject({
      code: 'TRUST_STORE_CORRUPT',
    });
    expect(readFileSync(file, 'utf8')).toBe('{"trusted": [ this is not json');
  });
});

describe('a daemon without the trust plugins', () => {
  it('still starts and serves; no handshake service, trust requests are unavailable', async () => {
    const bare = await node({ handshake: false });
    expect(bare.daemon.handshakeService()).toBeUndefined();
    expect(bare.daemon.services().has(HandshakeServiceKey)).toBe(false);
    await expect(bare.daemon.handshakeSendRequest(1, 'x')).rejects.toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
    });
    const other = await node({ engine: { public: true } });
    expect(await echo(bare.daemon, other.daemon, 'still works')).toBe('still works');
  });

  it('the handshake plugin works without a trusted-agents checker', async () => {
    const a = await node();
    expect(a.daemon.services().has(TrustCheckerKey)).toBe(false);
    expect(a.daemon.services().has(HandshakeServiceKey)).toBe(true);
    const events = collectEvents(a.daemon, 'handshake.*');
    const b = await node({ engine: { trustAutoApprove: true } });
    await a.handshake!.sendRequest(b.daemon.nodeId(), 'hi');
    expect(await a.handshake!.waitForTrust(b.daemon.nodeId(), { timeoutMs: 20_000 })).toBe(true);
    events.stop();
  });

  it("meshd's handshake.* IPC methods answer unavailable on a bare engine and work with the plugin", async () => {
    const serve = async (n: TrustNode) => {
      const registry = new MethodRegistry();
      registerHandshakeHandlers(registry, n.daemon);
      const server = new IpcServer({
        socketPath: path.join(n.dir, 'ipc.sock'),
        registry,
        daemonVersion: 'test',
      });
      await server.listen();
      return { server, client: await connect(path.join(n.dir, 'ipc.sock')) };
    };
    const bare = await serve(await node({ handshake: false }));
    const withPlugin = await serve(await node());
    try {
      await expect(bare.client.handshake.pending()).rejects.toMatchObject({
        code: 'unavailable',
        message: 'no handshake plugin loaded',
      });
      await expect(bare.client.handshake.revoke(5)).rejects.toMatchObject({ code: 'unavailable' });
      expect(await withPlugin.client.handshake.pending()).toEqual([]);
      expect(await withPlugin.client.handshake.trusted()).toEqual([]);
      await expect(withPlugin.client.handshake.revoke(5)).rejects.toMatchObject({
        code: 'not_found',
      });
      await expect(withPlugin.client.handshake.approve(5)).rejects.toMatchObject({
        code: 'not_found',
      });
    } finally {
      for (const s of [bare, withPlugin]) {
        await s.client.close();
        await s.server.close();
      }
    }
  });
});
