import { afterEach, describe, expect, it } from 'vitest';
import { Harness } from './helpers.js';

const h = new Harness();
afterEach(() => h.close());
const ADMIN = 'test-admin-secret';

describe('privacy of resolve, lookup and list_nodes', () => {
  it('resolve is allowed only for public targets, trust pairs or a shared non-backbone network', async () => {
    const server = await h.server({ adminToken: ADMIN });
    const a = await h.node(server);
    const b = await h.node(server);
    const c = await h.node(server);

    await expect(a.client.resolve(b.nodeId)).rejects.toMatchObject({
      code: 'REMOTE',
      remoteMessage: /resolve denied.*private/,
    });

    // Trust pair: both sides consent.
    await b.client.reportTrust(a.nodeId);
    await a.client.reportTrust(b.nodeId); // a pair needs both sides
    expect((await a.client.resolve(b.nodeId)).realAddr).toBe('127.0.0.1:4000');
    await expect(c.client.resolve(b.nodeId)).rejects.toMatchObject({ code: 'REMOTE' });
    await b.client.revokeTrust(a.nodeId);
    await expect(a.client.resolve(b.nodeId)).rejects.toMatchObject({ code: 'REMOTE' });

    // Shared custom network.
    const { networkId } = await h
      .client(server)
      .createNetwork({ name: 'team', adminToken: ADMIN, nodeId: b.nodeId });
    await c.client.joinNetwork({ networkId });
    expect((await c.client.resolve(b.nodeId)).nodeId).toBe(b.nodeId);
    await expect(a.client.resolve(b.nodeId)).rejects.toMatchObject({ code: 'REMOTE' });

    // Public target.
    await b.client.setVisibility(true);
    expect((await a.client.resolve(b.nodeId)).realAddr).toBe('127.0.0.1:4000');
  });

  it('the requester must be registered', async () => {
    const server = await h.server();
    const b = await h.node(server);
    await b.client.setVisibility(true);
    const stranger = h.client(server, { nodeId: 999 });
    await expect(stranger.resolve(b.nodeId)).rejects.toMatchObject({
      remoteMessage: /requester 999 not registered/,
    });
  });

  it('lookup hides the endpoint of private nodes in both modes', async () => {
    const server = await h.server();
    const b = await h.node(server, { hostname: 'hidden' });
    for (const mode of ['binary', 'json'] as const) {
      const reader = h.client(server, { mode });
      const info = await reader.lookup(b.nodeId);
      expect(info).toMatchObject({
        nodeId: b.nodeId,
        public: false,
        hostname: 'hidden',
        realAddr: '',
        publicKey: b.id.publicKey,
      });
    }
    await b.client.setVisibility(true);
    for (const mode of ['binary', 'json'] as const) {
      expect((await h.client(server, { mode }).lookup(b.nodeId)).realAddr).toBe('127.0.0.1:4000');
    }
  });

  it('list_nodes refuses the backbone without the admin token and hides private endpoints', async () => {
    const server = await h.server({ adminToken: ADMIN });
    const a = await h.node(server, { hostname: 'pub' });
    const b = await h.node(server, { hostname: 'priv' });
    await a.client.setVisibility(true);
    const anon = h.client(server);
    await expect(anon.listNodes(0)).rejects.toMatchObject({
      remoteMessage: /requires the admin token/,
    });
    await expect(anon.listNodes(0, { adminToken: 'wrong' })).rejects.toMatchObject({
      code: 'REMOTE',
    });
    const all = await anon.listNodes(0, { adminToken: ADMIN });
    expect(all.map((n) => n.nodeId).sort()).toEqual([a.nodeId, b.nodeId].sort());
    expect(all.find((n) => n.nodeId === a.nodeId)?.realAddr).toBe('127.0.0.1:4000');
    expect(all.find((n) => n.nodeId === b.nodeId)?.realAddr).toBeUndefined();

    const { networkId } = await anon.createNetwork({
      name: 'open-net',
      adminToken: ADMIN,
      nodeId: b.nodeId,
    });
    const members = await anon.listNodes(networkId);
    expect(members).toEqual([
      {
        nodeId: b.nodeId,
        address: `${networkId}:${networkId.toString(16).toUpperCase().padStart(4, '0')}.0000.000${b.nodeId}`,
        hostname: 'priv',
      },
    ]);
  });

  it('resolve_hostname finds a private node only for itself, trusted peers and network mates', async () => {
    const server = await h.server({ adminToken: ADMIN });
    const a = await h.node(server);
    const b = await h.node(server, { hostname: 'quiet' });
    const anon = h.client(server);
    await expect(anon.resolveHostname('quiet')).rejects.toMatchObject({
      remoteMessage: 'hostname "quiet" not found',
    });
    await expect(a.client.resolveHostname('quiet')).rejects.toMatchObject({
      remoteMessage: 'hostname "quiet" not found',
    });
    expect((await b.client.resolveHostname('quiet')).nodeId).toBe(b.nodeId);
    expect(
      (await anon.request({ type: 'resolve_hostname', hostname: 'quiet', admin_token: ADMIN }))[
        'node_id'
      ],
    ).toBe(b.nodeId);
    await b.client.reportTrust(a.nodeId);
    await a.client.reportTrust(b.nodeId); // a pair needs both sides
    expect(await a.client.resolveHostname('quiet')).toEqual({
      nodeId: b.nodeId,
      address: `0:0000.0000.000${b.nodeId}`,
      public: false,
      hostname: 'quiet',
    });
    await b.client.setVisibility(true);
    expect((await anon.resolveHostname('quiet')).public).toBe(true);
  });

  it('list_networks shows member counts only to admins', async () => {
    const server = await h.server({ adminToken: ADMIN });
    await h.node(server);
    const anon = h.client(server);
    await anon.createNetwork({ name: 'n1', adminToken: ADMIN });
    const plain = await anon.listNetworks();
    expect(plain).toEqual([
      { id: 0, name: 'backbone', joinRule: 'open' },
      { id: 1, name: 'n1', joinRule: 'open' },
    ]);
    const admin = await anon.listNetworks({ adminToken: ADMIN });
    expect(admin.map((n) => n.members)).toEqual([1, 0]);
  });
});
