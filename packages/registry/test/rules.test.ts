import { afterEach, describe, expect, it } from 'vitest';
import { Harness, identity } from './helpers.js';

const h = new Harness();
afterEach(() => h.close());
const ADMIN = 'test-admin-secret';

describe('hostname rules', () => {
  it('validates, keeps hostnames unique, clears and frees them on deregister', async () => {
    const server = await h.server();
    const a = await h.node(server);
    const b = await h.node(server);
    for (const bad of [
      '',
      'UPPER',
      '-lead',
      'trail-',
      'a_b',
      'x'.repeat(64),
      'localhost',
      'backbone',
      'broadcast',
    ]) {
      if (bad === '') continue;
      await expect(a.client.setHostname(bad)).rejects.toMatchObject({ code: 'REMOTE' });
    }
    expect(await a.client.setHostname('x'.repeat(63))).toBe('x'.repeat(63));
    expect(await a.client.setHostname('web-1')).toBe('web-1');
    await expect(b.client.setHostname('web-1')).rejects.toMatchObject({
      remoteMessage: /already in use/,
    });
    expect((await a.client.resolveHostname('web-1')).nodeId).toBe(a.nodeId);
    // Clearing frees the name.
    expect(await a.client.setHostname('')).toBe('');
    await expect(b.client.resolveHostname('web-1')).rejects.toMatchObject({
      remoteMessage: /not found/,
    });
    expect(await b.client.setHostname('web-1')).toBe('web-1');
    // Deregistration frees it too.
    await b.client.deregister();
    expect(await a.client.setHostname('web-1')).toBe('web-1');
  });

  it('a taken or invalid hostname at registration does not fail registration', async () => {
    const server = await h.server();
    await h.node(server, { hostname: 'taken' });
    const c = h.client(server);
    const r = await c.register({
      listenAddr: ':1',
      publicKey: identity().publicKey,
      hostname: 'taken',
    });
    expect(r.hostname).toBeUndefined();
    expect(r.hostnameError).toMatch(/already in use/);
    const r2 = await c.register({
      listenAddr: ':1',
      publicKey: identity().publicKey,
      hostname: 'Bad Name',
    });
    expect(r2.hostnameError).toMatch(/invalid hostname/);
  });
});

describe('tag rules', () => {
  it('strips #, validates and caps at 10', async () => {
    const server = await h.server();
    const a = await h.node(server);
    expect(await a.client.setTags(['#gpu', 'llm-7b', 'gpu'])).toEqual(['gpu', 'llm-7b']);
    expect((await a.client.lookup(a.nodeId)).tags).toEqual(['gpu', 'llm-7b']);
    for (const bad of [['UP'], [''], ['#'], ['a'.repeat(33)], ['-x'], ['x-'], ['a b']]) {
      await expect(a.client.setTags(bad)).rejects.toMatchObject({ remoteMessage: /invalid tag/ });
    }
    await expect(
      a.client.setTags(Array.from({ length: 11 }, (_, i) => `t${i}`)),
    ).rejects.toMatchObject({ remoteMessage: /too many tags/ });
    expect(await a.client.setTags(Array.from({ length: 10 }, (_, i) => `t${i}`))).toHaveLength(10);
    expect(await a.client.setTags(['a'.repeat(32)])).toEqual(['a'.repeat(32)]);
  });
});

describe('network rules', () => {
  it('requires the admin token to create, and an empty server token disables creation', async () => {
    const off = await h.server();
    await expect(h.client(off).createNetwork({ name: 'x', adminToken: '' })).rejects.toMatchObject({
      remoteMessage: /disabled/,
    });
    const server = await h.server({ adminToken: ADMIN });
    const c = h.client(server);
    await expect(c.createNetwork({ name: 'x', adminToken: 'wrong' })).rejects.toMatchObject({
      remoteMessage: /admin_token/,
    });
    await expect(c.createNetwork({ name: 'backbone', adminToken: ADMIN })).rejects.toMatchObject({
      remoteMessage: /reserved/,
    });
    await expect(c.createNetwork({ name: 'Bad', adminToken: ADMIN })).rejects.toMatchObject({
      remoteMessage: /invalid network name/,
    });
    await c.createNetwork({ name: 'dup', adminToken: ADMIN });
    await expect(c.createNetwork({ name: 'dup', adminToken: ADMIN })).rejects.toMatchObject({
      remoteMessage: /already exists/,
    });
    await expect(
      c.createNetwork({ name: 'tok', adminToken: ADMIN, joinRule: 'token' }),
    ).rejects.toMatchObject({ remoteMessage: /token/ });
  });

  it('open, token and invite join rules; leave; backbone cannot be left', async () => {
    const server = await h.server({ adminToken: ADMIN });
    const owner = await h.node(server);
    const joiner = await h.node(server);
    const admin = h.client(server);
    const open = await admin.createNetwork({
      name: 'open',
      adminToken: ADMIN,
      nodeId: owner.nodeId,
    });
    const tok = await admin.createNetwork({
      name: 'tok',
      adminToken: ADMIN,
      joinRule: 'token',
      token: 's3cret',
      nodeId: owner.nodeId,
    });
    const inv = await admin.createNetwork({
      name: 'inv',
      adminToken: ADMIN,
      joinRule: 'invite',
      nodeId: owner.nodeId,
    });

    const j = await joiner.client.joinNetwork({ networkId: open.networkId });
    expect(j.address).toBe(`${open.networkId}:000${open.networkId}.0000.000${joiner.nodeId}`);
    await expect(joiner.client.joinNetwork({ networkId: open.networkId })).rejects.toMatchObject({
      remoteMessage: /already a member/,
    });

    await expect(joiner.client.joinNetwork({ networkId: tok.networkId })).rejects.toMatchObject({
      remoteMessage: /join token/,
    });
    await expect(
      joiner.client.joinNetwork({ networkId: tok.networkId, token: 'nope' }),
    ).rejects.toMatchObject({ remoteMessage: /join token/ });
    await joiner.client.joinNetwork({ networkId: tok.networkId, token: 's3cret' });

    await expect(joiner.client.joinNetwork({ networkId: inv.networkId })).rejects.toMatchObject({
      remoteMessage: /invite-only/,
    });
    await expect(
      joiner.client.joinNetwork({ networkId: inv.networkId, inviterId: 12345 }),
    ).rejects.toMatchObject({ remoteMessage: /invite-only/ });
    await joiner.client.joinNetwork({ networkId: inv.networkId, inviterId: owner.nodeId });

    expect((await joiner.client.lookup(joiner.nodeId)).networks).toEqual([
      0,
      open.networkId,
      tok.networkId,
      inv.networkId,
    ]);
    await joiner.client.leaveNetwork(tok.networkId);
    await expect(joiner.client.leaveNetwork(tok.networkId)).rejects.toMatchObject({
      remoteMessage: /not a member/,
    });
    await expect(joiner.client.leaveNetwork(0)).rejects.toMatchObject({
      remoteMessage: /backbone cannot be left/,
    });
    await expect(joiner.client.joinNetwork({ networkId: 999 })).rejects.toMatchObject({
      remoteMessage: /not found/,
    });
  });

  it('invitations: only members invite; poll keeps them; accept joins, decline does not', async () => {
    const server = await h.server({ adminToken: ADMIN });
    const owner = await h.node(server);
    const guest = await h.node(server);
    const outsider = await h.node(server);
    const inv = await h.client(server).createNetwork({
      name: 'inv',
      adminToken: ADMIN,
      joinRule: 'invite',
      nodeId: owner.nodeId,
    });
    const other = await h.client(server).createNetwork({
      name: 'other',
      adminToken: ADMIN,
      joinRule: 'invite',
      nodeId: owner.nodeId,
    });
    await expect(
      outsider.client.inviteToNetwork(inv.networkId, guest.nodeId),
    ).rejects.toMatchObject({ remoteMessage: /not a member/ });
    await expect(owner.client.inviteToNetwork(inv.networkId, 999)).rejects.toMatchObject({
      remoteMessage: /not registered/,
    });
    await expect(owner.client.inviteToNetwork(inv.networkId, owner.nodeId)).rejects.toMatchObject({
      remoteMessage: /already a member/,
    });
    await expect(guest.client.respondInvite(inv.networkId, true)).rejects.toMatchObject({
      remoteMessage: /no pending invitation/,
    });
    await owner.client.inviteToNetwork(inv.networkId, guest.nodeId);
    await owner.client.inviteToNetwork(inv.networkId, guest.nodeId); // one per network
    await owner.client.inviteToNetwork(other.networkId, guest.nodeId);
    // A handshake poll does not consume invitations, and an invitation poll does not consume them either.
    await guest.client.pollHandshakes();
    const polled = await guest.client.pollInvites();
    expect(polled).toEqual([
      expect.objectContaining({
        networkId: inv.networkId,
        networkName: 'inv',
        inviterId: owner.nodeId,
      }),
      expect.objectContaining({ networkId: other.networkId, networkName: 'other' }),
    ]);
    expect(await guest.client.pollInvites()).toHaveLength(2);

    expect(await guest.client.respondInvite(inv.networkId, true)).toBe(
      `${inv.networkId}:000${inv.networkId}.0000.000${guest.nodeId}`,
    );
    expect(await guest.client.respondInvite(other.networkId, false)).toBeUndefined();
    expect(await guest.client.pollInvites()).toEqual([]);
    expect((await guest.client.lookup(guest.nodeId)).networks).toEqual([0, inv.networkId]);
    await expect(guest.client.respondInvite(other.networkId, true)).rejects.toMatchObject({
      remoteMessage: /no pending invitation/,
    });
  });

  it('validates NetworkRules on create_network', async () => {
    const server = await h.server({ adminToken: ADMIN });
    const c = h.client(server);
    const good = {
      links: 10,
      cycle: '24h',
      prune: 3,
      prune_by: 'score',
      fill: 3,
      fill_how: 'random',
    };
    expect(
      (await c.createNetwork({ name: 'managed', adminToken: ADMIN, rules: good })).networkId,
    ).toBe(1);
    await expect(
      c.createNetwork({ name: 'bad1', adminToken: ADMIN, rules: { ...good, cycle: '30s' } }),
    ).rejects.toMatchObject({
      remoteMessage: /invalid rules.*cycle/,
    });
    await expect(
      c.createNetwork({ name: 'bad2', adminToken: ADMIN, rules: { ...good, prune: 20 } }),
    ).rejects.toMatchObject({
      remoteMessage: /invalid rules.*prune/,
    });
  });
});
