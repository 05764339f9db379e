import { createServer, connect } from 'node:net';
import type { Server, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { challenges } from '@mesh/wire';
import type { RegistryServer } from '../src/index.js';
import { Harness, identity, withEnvelope } from './helpers.js';

// Issue 19, "Registry": each attack a stranger on the network can mount against the registry,
// performed over loopback TCP against a real registry server. Every one must fail.

const h = new Harness();
const proxies: { server: Server; sockets: Socket[] }[] = [];
afterEach(async () => {
  for (const p of proxies.splice(0)) {
    for (const s of p.sockets) s.destroy();
    await new Promise<void>((r) => p.server.close(() => r()));
  }
  await h.close();
});

type Json = Record<string, unknown>;

/**
 * A plaintext TCP relay in front of the registry that records every JSON-mode request it
 * forwards: what an attacker on the path captures.
 */
async function tap(registry: RegistryServer): Promise<{ port: number; captured: Json[] }> {
  const captured: Json[] = [];
  const sockets: Socket[] = [];
  const server = createServer((down) => {
    const up = connect({ host: '127.0.0.1', port: registry.address().port });
    sockets.push(down, up);
    let buf = Buffer.alloc(0);
    down.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 4 && buf.length >= 4 + buf.readUInt32BE(0)) {
        const len = buf.readUInt32BE(0);
        captured.push(JSON.parse(buf.subarray(4, 4 + len).toString('utf8')) as Json);
        buf = buf.subarray(4 + len);
      }
    });
    down.pipe(up);
    up.pipe(down);
    down.on('error', () => up.destroy());
    up.on('error', () => down.destroy());
  });
  proxies.push({ server, sockets });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  return { port: typeof addr === 'object' && addr ? addr.port : 0, captured };
}

/** The last captured request of `type`. */
function last(captured: Json[], type: string): Json {
  const m = [...captured].reverse().find((c) => c['type'] === type);
  if (!m) throw new Error(`no ${type} captured`);
  return m;
}

describe('identity takeover', () => {
  it('an owner string does not move a live node id, hostname or trust to another key', async () => {
    const server = await h.server();
    const victim = await h.node(server, { hostname: 'victim' });
    await victim.client.register({
      listenAddr: '0.0.0.0:4000',
      publicKey: victim.id.publicKey,
      owner: 'victim@example.com',
    });
    const friend = await h.node(server);
    await victim.client.reportTrust(friend.nodeId);
    await friend.client.reportTrust(victim.nodeId);

    const attackerKey = identity();
    const attacker = h.client(server, { mode: 'json', signer: attackerKey.sign });
    // Step 1 of the reported attack: the victim's key (public through lookup), unsigned.
    const step1 = await attacker.request({
      type: 'register',
      listen_addr: '0.0.0.0:6666',
      public_key: victim.id.publicKey,
    });
    expect(step1).toMatchObject({ node_id: victim.nodeId, unchanged: true });
    // Step 2: the attacker's own key under the victim's owner string.
    const step2 = await attacker.register({
      listenAddr: '0.0.0.0:6666',
      publicKey: attackerKey.publicKey,
      owner: 'victim@example.com',
    });
    expect(step2.nodeId).not.toBe(victim.nodeId);
    expect(step2.ownerError).toMatch(/belongs to node/);

    const info = await friend.client.lookup(victim.nodeId);
    expect(info.publicKey).toBe(victim.id.publicKey);
    expect(info.hostname).toBe('victim');
    expect(await friend.client.checkTrust(victim.nodeId)).toBe(true);
    expect(await attacker.checkTrust(friend.nodeId)).toBe(false);
    await expect(attacker.resolve(friend.nodeId)).rejects.toMatchObject({ remoteCode: 'DENIED' });
    // The victim still signs as itself.
    await expect(victim.client.heartbeat()).resolves.toMatchObject({ keyExpiryWarning: false });
  });

  it('an unsigned register with a known key rewrites neither endpoint nor hostname', async () => {
    const server = await h.server();
    const victim = await h.node(server, { hostname: 'victim' });
    const friend = await h.node(server);
    await victim.client.reportTrust(friend.nodeId);
    await friend.client.reportTrust(victim.nodeId);
    const attacker = h.client(server, { mode: 'json' });
    const r = await attacker.request({
      type: 'register',
      listen_addr: '0.0.0.0:6666',
      public_key: victim.id.publicKey,
      hostname: 'evil',
      lan_addrs: ['10.6.6.6:6666'],
    });
    expect(r).toMatchObject({ node_id: victim.nodeId, unchanged: true, hostname: 'victim' });
    expect(await friend.client.resolve(victim.nodeId)).toMatchObject({
      realAddr: '127.0.0.1:4000',
      lanAddrs: [],
    });
    expect((await friend.client.lookup(victim.nodeId)).hostname).toBe('victim');
    // A signature that does not verify is refused outright.
    await expect(
      attacker.request({
        type: 'register',
        listen_addr: '0.0.0.0:6666',
        public_key: victim.id.publicKey,
        signature: identity().signB64(challenges.register('0.0.0.0:6666', victim.id.publicKey)),
      }),
    ).rejects.toMatchObject({ remoteCode: 'INVALID_SIGNATURE' });
  });

  it('a captured register is not replayed from another address', async () => {
    const server = await h.server();
    const { port, captured } = await tap(server);
    const victimKey = identity();
    const victim = h.client(server, { mode: 'json', port, signer: victimKey.sign });
    const { nodeId } = await victim.register({
      listenAddr: '0.0.0.0:4000',
      publicKey: victimKey.publicKey,
    });
    await victim.setVisibility(true);
    const attacker = h.client(server, { mode: 'json' });
    await expect(
      attacker.request({ ...last(captured, 'register'), listen_addr: '0.0.0.0:6666' }),
    ).rejects.toMatchObject({ remoteCode: 'UNAUTHORIZED', remoteMessage: /body hash/ });
    await expect(attacker.request(last(captured, 'register'))).rejects.toMatchObject({
      remoteCode: 'UNAUTHORIZED',
      remoteMessage: /replayed/,
    });
    expect((await attacker.lookup(nodeId)).realAddr).toBe('127.0.0.1:4000');
  });
});

describe('replayed signatures', () => {
  it('captured set_hostname, set_visibility, heartbeat and deregister requests are refused', async () => {
    const server = await h.server();
    const { port, captured } = await tap(server);
    const key = identity();
    const victim = h.client(server, { mode: 'json', port, signer: key.sign });
    const { nodeId } = await victim.register({
      listenAddr: '0.0.0.0:4000',
      publicKey: key.publicKey,
    });
    await victim.setHostname('first');
    await victim.setVisibility(true);
    await victim.setHostname('second');
    await victim.setVisibility(false);
    await victim.heartbeat();
    const attacker = h.client(server, { mode: 'json' });

    const oldName = captured.find(
      (c) => c['type'] === 'set_hostname' && c['hostname'] === 'first',
    )!;
    const oldVis = captured.find((c) => c['type'] === 'set_visibility' && c['public'] === true)!;
    for (const replay of [oldName, oldVis, last(captured, 'heartbeat')]) {
      // As captured: the nonce was used.
      await expect(attacker.request(replay)).rejects.toMatchObject({
        remoteCode: 'UNAUTHORIZED',
        remoteMessage: /replayed/,
      });
      // Envelope stripped, bare Go-form signature only: this node signs with envelopes.
      const bare = { ...replay };
      delete bare['envelope'];
      delete bare['envelope_signature'];
      await expect(attacker.request(bare)).rejects.toMatchObject({ remoteCode: 'UNAUTHORIZED' });
      // Envelope kept, values changed: the body hash no longer matches.
      await expect(
        attacker.request({ ...replay, hostname: 'evil', public: true }),
      ).rejects.toMatchObject({ remoteCode: 'UNAUTHORIZED' });
    }
    const info = await attacker.lookup(nodeId);
    expect(info).toMatchObject({ hostname: 'second', public: false });

    // A deregistered node is not kept alive, nor deregistered again after it came back.
    await victim.deregister();
    await expect(attacker.request(last(captured, 'heartbeat'))).rejects.toMatchObject({
      remoteCode: 'NOT_FOUND',
    });
    const dereg = last(captured, 'deregister');
    await victim.register({ listenAddr: '0.0.0.0:4000', publicKey: key.publicKey });
    await expect(attacker.request(dereg)).rejects.toMatchObject({ remoteMessage: /replayed/ });
    const bareDereg = { ...dereg };
    delete bareDereg['envelope'];
    delete bareDereg['envelope_signature'];
    await expect(attacker.request(bareDereg)).rejects.toMatchObject({ remoteCode: 'UNAUTHORIZED' });
    expect((await attacker.lookup(nodeId)).nodeId).toBe(nodeId);
  });

  it('a captured Go-form set_visibility or rotate_key signature is refused', async () => {
    const server = await h.server();
    // A Go client: bare challenge signatures only.
    const legacy = await h.node(server, { mode: 'json', envelopes: false });
    const attacker = h.client(server, { mode: 'json' });
    await expect(
      attacker.request({
        type: 'set_visibility',
        node_id: legacy.nodeId,
        public: true,
        signature: legacy.id.signB64(challenges.setVisibility(legacy.nodeId)),
      }),
    ).rejects.toMatchObject({ remoteMessage: /needs a request envelope/ });
    await expect(
      attacker.request({
        type: 'rotate_key',
        node_id: legacy.nodeId,
        new_public_key: identity().publicKey,
        signature: legacy.id.signB64(challenges.rotate(legacy.nodeId)),
      }),
    ).rejects.toMatchObject({ remoteMessage: /needs a request envelope/ });
    expect((await attacker.lookup(legacy.nodeId)).publicKey).toBe(legacy.id.publicKey);
    // Its other Go-form signatures still work (compatibility).
    await expect(legacy.client.setHostname('still-go')).resolves.toBe('still-go');
  });

  it('envelopes outside ±300 s, for another node or another audience are refused', async () => {
    const server = await h.server();
    const a = await h.node(server);
    const b = await h.node(server);
    const attacker = h.client(server, { mode: 'json' });
    const now = Math.floor(Date.now() / 1000);
    const msg = { type: 'set_hostname', node_id: a.nodeId, hostname: 'late' };
    for (const [env, pattern] of [
      [withEnvelope(msg, a.id, a.nodeId, { timestamp: now - 301 }), /timestamp/],
      [withEnvelope(msg, a.id, a.nodeId, { timestamp: now + 301 }), /timestamp/],
      [withEnvelope(msg, a.id, b.nodeId), /names node/],
      [withEnvelope(msg, b.id, a.nodeId), /verification failed/],
      [withEnvelope(msg, a.id, a.nodeId, { audience: 'other.service' }), /audience/],
    ] as const) {
      await expect(attacker.request(env)).rejects.toMatchObject({ remoteMessage: pattern });
    }
    expect((await attacker.lookup(a.nodeId)).hostname).toBe('');
    // Within the window it is accepted, once.
    const fresh = withEnvelope(msg, a.id, a.nodeId, { timestamp: now - 250 });
    await expect(attacker.request(fresh)).resolves.toMatchObject({ hostname: 'late' });
    await expect(attacker.request(fresh)).rejects.toMatchObject({ remoteMessage: /replayed/ });
  });
});

describe('trust without consent', () => {
  it('a one-sided report_trust creates no pair and reveals no private address', async () => {
    const server = await h.server();
    const victim = await h.node(server);
    const attacker = await h.node(server);
    expect(await attacker.client.reportTrust(victim.nodeId)).toEqual({ pending: true });
    expect(await attacker.client.checkTrust(victim.nodeId)).toBe(false);
    await expect(attacker.client.resolve(victim.nodeId)).rejects.toMatchObject({
      remoteCode: 'DENIED',
    });
    await expect(attacker.client.punch(attacker.nodeId, victim.nodeId)).rejects.toMatchObject({
      remoteCode: 'DENIED',
    });
    // The victim's own consent completes it.
    expect(await victim.client.reportTrust(attacker.nodeId)).toEqual({ pending: false });
    expect((await attacker.client.resolve(victim.nodeId)).realAddr).toBe('127.0.0.1:4000');
  });

  it('respond_handshake(accept) without a pending request creates no pair', async () => {
    const server = await h.server();
    const victim = await h.node(server);
    const attacker = await h.node(server);
    const answer = await attacker.client.request({
      ...withEnvelope(
        {
          type: 'respond_handshake',
          node_id: attacker.nodeId,
          peer_id: victim.nodeId,
          accept: true,
        },
        attacker.id,
        attacker.nodeId,
      ),
    });
    expect(answer).toMatchObject({ type: 'respond_handshake_ok', pending: true });
    expect(await attacker.client.checkTrust(victim.nodeId)).toBe(false);
    await expect(attacker.client.resolve(victim.nodeId)).rejects.toMatchObject({
      remoteCode: 'DENIED',
    });
    // The honest relay flow: a request, drained by a poll, then accepted.
    await victim.client.requestHandshake(attacker.nodeId, 'hello');
    expect((await attacker.client.pollHandshakes()).requests).toHaveLength(1);
    await attacker.client.respondHandshake(victim.nodeId, true);
    expect(await attacker.client.checkTrust(victim.nodeId)).toBe(true);
  });
});
