import { afterEach, describe, expect, it } from 'vitest';
import { Harness, identity } from './helpers.js';

const h = new Harness();
afterEach(() => h.close());

describe('register', () => {
  it('an unknown key with a known owner reclaims the node id and replaces the key', async () => {
    const server = await h.server();
    const c = h.client(server);
    const oldKey = identity();
    const first = await c.register({
      listenAddr: ':4000',
      publicKey: oldKey.publicKey,
      owner: 'ops@example.com',
    });
    await c.register({ listenAddr: ':4000', publicKey: identity().publicKey }); // another node
    const newKey = identity();
    const again = await c.register({
      listenAddr: ':4001',
      publicKey: newKey.publicKey,
      owner: 'ops@example.com',
    });
    expect(again.nodeId).toBe(first.nodeId);
    expect((await c.lookup(first.nodeId)).publicKey).toBe(newKey.publicKey);
    // The old key is now unknown: it gets a fresh id.
    expect((await c.register({ listenAddr: ':4000', publicKey: oldKey.publicKey })).nodeId).toBe(3);
  });

  it('rejects malformed keys and keeps the key index across deregistration', async () => {
    const server = await h.server();
    const c = h.client(server);
    await expect(c.register({ listenAddr: ':1', publicKey: 'not-a-key' })).rejects.toMatchObject({
      remoteMessage: /public_key/,
    });
    await expect(c.request({ type: 'register', listen_addr: ':1' })).rejects.toMatchObject({
      remoteMessage: /public_key/,
    });
    const a = await h.node(server);
    await a.client.deregister();
    await expect(c.lookup(a.nodeId)).rejects.toMatchObject({ code: 'REMOTE' });
    // Deregistering an unknown node is fine.
    expect((await c.request({ type: 'deregister', node_id: 777 }))['type']).toBe('deregister_ok');
    expect(
      (await a.client.register({ listenAddr: ':4000', publicKey: a.id.publicKey })).nodeId,
    ).toBe(a.nodeId);
  });

  it('resolve returns LAN addresses and key age; relay-only nodes never hand out an endpoint', async () => {
    const server = await h.server();
    const a = await h.node(server);
    const b = identity();
    const bc = h.client(server, { signer: b.sign });
    await bc.register({
      listenAddr: '0.0.0.0:6000',
      publicKey: b.publicKey,
      lanAddrs: ['192.168.1.5:6000'],
    });
    await bc.setVisibility(true);
    for (const mode of ['binary', 'json'] as const) {
      const r = await h
        .client(server, { mode, signer: a.id.sign, nodeId: a.nodeId })
        .resolve(bc.nodeId!);
      expect(r).toEqual({
        nodeId: bc.nodeId,
        realAddr: '127.0.0.1:6000',
        lanAddrs: ['192.168.1.5:6000'],
        keyAgeDays: 0,
      });
    }
    await bc.register({ listenAddr: '0.0.0.0:6000', publicKey: b.publicKey, relayOnly: true });
    expect((await a.client.resolve(bc.nodeId!)).realAddr).toBe('');
    expect((await a.client.lookup(bc.nodeId!)).realAddr).toBe('');
  });

  it('punch returns both endpoints only to one of the two, and only when resolve would be allowed', async () => {
    const server = await h.server();
    const a = await h.node(server);
    const b = await h.node(server);
    const c = await h.node(server);
    await expect(c.client.punch(a.nodeId, b.nodeId)).rejects.toMatchObject({
      remoteMessage: /requester must be/,
    });
    await expect(a.client.punch(a.nodeId, b.nodeId)).rejects.toMatchObject({
      remoteMessage: /private/,
    });
    await b.client.reportTrust(a.nodeId);
    expect(await a.client.punch(a.nodeId, b.nodeId)).toEqual({
      nodeA: a.nodeId,
      nodeAAddr: '127.0.0.1:4000',
      nodeB: b.nodeId,
      nodeBAddr: '127.0.0.1:4000',
    });
  });
});
