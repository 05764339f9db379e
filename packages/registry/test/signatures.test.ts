import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RegistryClient } from '@mesh/registry-client';
import type { RegistryServer } from '../src/index.js';
import { Harness, identity, withEnvelope } from './helpers.js';
import type { Identity } from './helpers.js';

const h = new Harness();
afterEach(() => h.close());

const ADMIN = 'test-admin-secret';

interface Ctx {
  server: RegistryServer;
  raw: RegistryClient;
  a: { id: Identity; nodeId: number };
  b: { id: Identity; nodeId: number };
  net: number;
}

let ctx: Ctx;

beforeEach(async () => {
  const server = await h.server({ adminToken: ADMIN });
  // Go-style nodes: bare challenge signatures only, never a request envelope.
  const a = await h.node(server, { envelopes: false });
  const b = await h.node(server, { envelopes: false });
  const raw = h.client(server);
  const { networkId } = await raw.createNetwork({
    name: 'lab',
    adminToken: ADMIN,
    nodeId: b.nodeId,
  });
  // a and b trust each other, b has invited a to its network: every operation below is otherwise
  // valid.
  await b.client.reportTrust(a.nodeId);
  await a.client.reportTrust(b.nodeId);
  await b.client.inviteToNetwork(networkId, a.nodeId);
  ctx = {
    server,
    raw,
    a: { id: a.id, nodeId: a.nodeId },
    b: { id: b.id, nodeId: b.nodeId },
    net: networkId,
  };
});

/** Each signed operation: the message (without signature) and its exact challenge string. */
const cases: {
  name: string;
  /** Which node must sign (default a). */
  signer?: 'a' | 'b';
  build: (c: Ctx) => { msg: Record<string, unknown>; challenge: string };
}[] = [
  {
    name: 'heartbeat',
    build: ({ a }) => ({
      msg: { type: 'heartbeat', node_id: a.nodeId },
      challenge: `heartbeat:${a.nodeId}`,
    }),
  },
  {
    name: 'resolve',
    build: ({ a, b }) => ({
      msg: { type: 'resolve', node_id: b.nodeId, requester_id: a.nodeId },
      challenge: `resolve:${a.nodeId}:${b.nodeId}`,
    }),
  },
  {
    name: 'report_trust',
    build: ({ a, b }) => ({
      msg: { type: 'report_trust', node_id: a.nodeId, peer_id: b.nodeId },
      challenge: `report_trust:${a.nodeId}:${b.nodeId}`,
    }),
  },
  {
    name: 'revoke_trust',
    build: ({ a, b }) => ({
      msg: { type: 'revoke_trust', node_id: a.nodeId, peer_id: b.nodeId },
      challenge: `revoke_trust:${a.nodeId}:${b.nodeId}`,
    }),
  },
  {
    name: 'set_visibility',
    build: ({ a }) => ({
      msg: { type: 'set_visibility', node_id: a.nodeId, public: true },
      challenge: `set_visibility:${a.nodeId}`,
    }),
  },
  {
    name: 'set_hostname',
    build: ({ a }) => ({
      msg: { type: 'set_hostname', node_id: a.nodeId, hostname: 'signed-host' },
      challenge: `set_hostname:${a.nodeId}`,
    }),
  },
  {
    name: 'set_tags',
    build: ({ a }) => ({
      msg: { type: 'set_tags', node_id: a.nodeId, tags: ['x'] },
      challenge: `set_tags:${a.nodeId}`,
    }),
  },
  {
    name: 'set_task_exec',
    build: ({ a }) => ({
      msg: { type: 'set_task_exec', node_id: a.nodeId, enabled: true },
      challenge: `set_task_exec:${a.nodeId}`,
    }),
  },
  {
    name: 'deregister',
    build: ({ a }) => ({
      msg: { type: 'deregister', node_id: a.nodeId },
      challenge: `deregister:${a.nodeId}`,
    }),
  },
  {
    name: 'poll_handshakes',
    build: ({ a }) => ({
      msg: { type: 'poll_handshakes', node_id: a.nodeId },
      challenge: `poll_handshakes:${a.nodeId}`,
    }),
  },
  {
    name: 'punch',
    build: ({ a, b }) => ({
      msg: { type: 'punch', requester_id: a.nodeId, node_a: a.nodeId, node_b: b.nodeId },
      challenge: `punch:${a.nodeId}:${b.nodeId}`,
    }),
  },
  {
    name: 'request_handshake',
    build: ({ a, b }) => ({
      msg: {
        type: 'request_handshake',
        from_node_id: a.nodeId,
        to_node_id: b.nodeId,
        justification: 'hi',
      },
      challenge: `handshake:${a.nodeId}:${b.nodeId}`,
    }),
  },
  {
    name: 'respond_handshake',
    build: ({ a, b }) => ({
      msg: { type: 'respond_handshake', node_id: a.nodeId, peer_id: b.nodeId, accept: true },
      challenge: `respond:${a.nodeId}:${b.nodeId}`,
    }),
  },
  {
    name: 'rotate_key',
    build: ({ a }) => ({
      msg: { type: 'rotate_key', node_id: a.nodeId, new_public_key: identity().publicKey },
      challenge: `rotate:${a.nodeId}`,
    }),
  },
  {
    name: 'join_network',
    build: ({ a, net }) => ({
      msg: { type: 'join_network', node_id: a.nodeId, network_id: net },
      challenge: `join_network:${a.nodeId}:${net}`,
    }),
  },
  {
    // b is a member of the network (it created it) and invites a.
    name: 'invite_to_network',
    signer: 'b',
    build: ({ a, b, net }) => ({
      msg: {
        type: 'invite_to_network',
        network_id: net,
        inviter_id: b.nodeId,
        target_node_id: a.nodeId,
      },
      challenge: `invite:${b.nodeId}:${net}:${a.nodeId}`,
    }),
  },
  {
    name: 'poll_invites',
    build: ({ a }) => ({
      msg: { type: 'poll_invites', node_id: a.nodeId },
      challenge: `poll_invites:${a.nodeId}`,
    }),
  },
  {
    name: 'respond_invite',
    build: ({ a, net }) => ({
      msg: { type: 'respond_invite', node_id: a.nodeId, network_id: net, accept: true },
      challenge: `respond_invite:${a.nodeId}:${net}`,
    }),
  },
  {
    name: 'set_key_expiry',
    build: ({ a }) => ({
      msg: { type: 'set_key_expiry', node_id: a.nodeId, expires_at: '2030-01-01T00:00:00Z' },
      challenge: `set_key_expiry:${a.nodeId}`,
    }),
  },
];

/** Never accepted with a bare signature (docs/security/registry.md): only with an envelope. */
const ENVELOPE_ONLY = new Set(['set_visibility', 'rotate_key']);

describe('every signed operation verifies its exact challenge string', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const { msg, challenge } = c.build(ctx);
      const other = identity();
      const signer = ctx[c.signer ?? 'a'];
      if (ENVELOPE_ONLY.has(c.name)) {
        for (const bare of [msg, { ...msg, signature: signer.id.signB64(challenge) }]) {
          await expect(ctx.raw.request({ ...bare })).rejects.toMatchObject({
            remoteCode: 'UNAUTHORIZED',
            remoteMessage: /needs a request envelope/,
          });
        }
        const ok = await ctx.raw.request(withEnvelope(msg, signer.id, signer.nodeId));
        expect(ok['type']).toBe(`${c.name}_ok`);
        return;
      }
      await expect(ctx.raw.request({ ...msg })).rejects.toMatchObject({
        code: 'REMOTE',
        remoteCode: 'UNAUTHORIZED',
        remoteMessage: /signature required/,
      });
      await expect(
        ctx.raw.request({ ...msg, signature: other.signB64(challenge) }),
      ).rejects.toMatchObject({
        remoteCode: 'INVALID_SIGNATURE',
        remoteMessage: /signature verification failed/,
      });
      // Right key, wrong challenge text (a one-character change) is refused too.
      await expect(
        ctx.raw.request({ ...msg, signature: signer.id.signB64(`${challenge}0`) }),
      ).rejects.toMatchObject({
        remoteMessage: /signature verification failed/,
      });
      const ok = await ctx.raw.request({ ...msg, signature: signer.id.signB64(challenge) });
      expect(ok['type']).toBe(`${c.name}_ok`);
    });
  }

  it('leave_network uses leave_network:<node>:<net>', async () => {
    const { a, net, raw } = ctx;
    await raw.request({
      type: 'join_network',
      node_id: a.nodeId,
      network_id: net,
      signature: a.id.signB64(`join_network:${a.nodeId}:${net}`),
    });
    const msg = { type: 'leave_network', node_id: a.nodeId, network_id: net };
    await expect(raw.request(msg)).rejects.toMatchObject({ remoteMessage: /signature required/ });
    await expect(
      raw.request({ ...msg, signature: a.id.signB64(`leave_network:${a.nodeId}:${net + 1}`) }),
    ).rejects.toMatchObject({
      remoteMessage: /verification failed/,
    });
    expect(
      (await raw.request({ ...msg, signature: a.id.signB64(`leave_network:${a.nodeId}:${net}`) }))[
        'type'
      ],
    ).toBe('leave_network_ok');
  });

  it('an admin token replaces the node signature; a wrong one does not', async () => {
    const { a, raw } = ctx;
    await expect(
      raw.request({ type: 'set_visibility', node_id: a.nodeId, public: true, admin_token: 'nope' }),
    ).rejects.toMatchObject({
      remoteMessage: /needs a request envelope/,
    });
    const ok = await raw.request({
      type: 'set_visibility',
      node_id: a.nodeId,
      public: true,
      admin_token: ADMIN,
    });
    expect(ok['visibility']).toBe('public');
  });

  it('rotate_key switches the key that later signatures must use', async () => {
    const { a, raw } = ctx;
    const next = identity();
    await raw.request(
      withEnvelope(
        { type: 'rotate_key', node_id: a.nodeId, new_public_key: next.publicKey },
        a.id,
        a.nodeId,
      ),
    );
    const heartbeat = { type: 'heartbeat', node_id: a.nodeId };
    await expect(raw.request(withEnvelope(heartbeat, a.id, a.nodeId))).rejects.toMatchObject({
      remoteMessage: /verification failed/,
    });
    expect((await raw.request(withEnvelope(heartbeat, next, a.nodeId)))['type']).toBe(
      'heartbeat_ok',
    );
    // The new key maps to the same node id on re-registration.
    expect((await raw.register({ listenAddr: ':1', publicKey: next.publicKey })).nodeId).toBe(
      a.nodeId,
    );
  });
});
