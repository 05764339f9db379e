import { afterEach, describe, expect, it } from 'vitest';
import { challenges } from '@mesh/wire';
import { Harness, identity } from './helpers.js';

const h = new Harness();
afterEach(() => h.close());

describe('register', () => {
  it('a known owner moves its node id to a new key only with rebind_signature by the current key', async () => {
    const server = await h.server();
    const c = h.client(server);
    const oldKey = identity();
    const first = await c.register({
      listenAddr: ':4000',
      publicKey: oldKey.publicKey,
      owner: 'ops@example.com',
    });
    await c.register({ listenAddr: ':4000', publicKey: identity().publicKey }); // another node
    // The owner string alone (public: anyone may know an e-mail) moves nothing.
    const stranger = await c.register({
      listenAddr: ':4001',
      publicKey: identity().publicKey,
      owner: 'ops@example.com',
    });
    expect(stranger.nodeId).not.toBe(first.nodeId);
    expect(stranger.ownerError).toMatch(/rebind_signature/);
    expect((await c.lookup(first.nodeId)).publicKey).toBe(oldKey.publicKey);
    const newKey = identity();
    await expect(
      c.register({
        listenAddr: ':4001',
        publicKey: newKey.publicKey,
        owner: 'ops@example.com',
        rebindSignature: identity().signB64(challenges.rebind(first.nodeId, newKey.publicKey)),
      }),
    ).rejects.toMatchObject({ remoteCode: 'INVALID_SIGNATURE' });
    const again = await c.register({
      listenAddr: ':4001',
      publicKey: newKey.publicKey,
      owner: 'ops@example.com',
      rebindSignature: oldKey.signB64(challenges.rebind(first.nodeId, newKey.publicKey)),
    });
    expect(again.nodeId).toBe(first.nodeId);
    expect((await c.lookup(first.nodeId)).publicKey).toBe(newKey.publicKey);
    // The old key is now unknown: it gets a fresh id.
    expect((await c.register({ listenAddr: ':4000', publicKey: oldKey.publicKey })).nodeId).toBe(4);
  });

  it('bounds free-text fields; a changed owner gives up the old owner string', async () => {
    const server = await h.server();
    const c = h.client(server);
    const key = identity();
    for (const [field, value] of [
      ['owner', 'o'.repeat(257)],
      ['version', 'v'.repeat(65)],
      ['listen_addr', `${'1'.repeat(70)}:4000`],
    ] as const) {
      await expect(
        c.request({
          type: 'register',
          public_key: key.publicKey,
          listen_addr: ':1',
          [field]: value,
        }),
      ).rejects.toMatchObject({ remoteMessage: new RegExp(`${field} too long`) });
    }
    const own = h.client(server, { signer: key.sign });
    const first = await own.register({
      listenAddr: ':1',
      publicKey: key.publicKey,
      owner: 'old@x',
    });
    await own.register({ listenAddr: ':1', publicKey: key.publicKey, owner: 'new@x' });
    // 'old@x' no longer names the node, so a stranger gets a fresh id (and the string).
    expect(
      (await c.register({ listenAddr: ':1', publicKey: identity().publicKey, owner: 'old@x' }))
        .nodeId,
    ).not.toBe(first.nodeId);
    // 'new@x' does: it moves the id to a new key given the current key's consent.
    const next = identity();
    expect(
      (
        await c.register({
          listenAddr: ':1',
          publicKey: next.publicKey,
          owner: 'new@x',
          rebindSignature: key.signB64(challenges.rebind(first.nodeId, next.publicKey)),
        })
      ).nodeId,
    ).toBe(first.nodeId);
    // The same after deregistration, when only the index remembers the old owner.
    const k2 = identity();
    const signed = h.client(server, { signer: k2.sign });
    const second = await signed.register({
      listenAddr: ':1',
      publicKey: k2.publicKey,
      owner: 'a@y',
    });
    await signed.deregister();
    await signed.register({ listenAddr: ':1', publicKey: k2.publicKey, owner: 'b@y' });
    expect(
      (await c.register({ listenAddr: ':1', publicKey: identity().publicKey, owner: 'a@y' }))
        .nodeId,
    ).not.toBe(second.nodeId);
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
    await a.client.reportTrust(b.nodeId); // a pair needs both sides
    expect(await a.client.punch(a.nodeId, b.nodeId)).toEqual({
      nodeA: a.nodeId,
      nodeAAddr: '127.0.0.1:4000',
      nodeB: b.nodeId,
      nodeBAddr: '127.0.0.1:4000',
    });
  });
});
