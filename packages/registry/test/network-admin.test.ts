import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Harness } from './helpers.js';

const h = new Harness();
afterEach(() => h.close());
const ADMIN = 'test-admin-secret';

/** A registry with an admin token, an owner `a` (creator) and a member `b` of network `net`. */
async function setup(options: { storePath?: string } = {}) {
  const server = await h.server({ adminToken: ADMIN, ...options });
  const a = await h.node(server);
  const b = await h.node(server);
  const c = await h.node(server);
  const admin = h.client(server);
  const { networkId: net } = await admin.createNetwork({
    name: 'team',
    adminToken: ADMIN,
    nodeId: a.nodeId,
  });
  await b.client.joinNetwork({ networkId: net });
  return { server, a, b, c, admin, net };
}

describe('create_network as existing clients send it', () => {
  it('accepts rules as a JSON string and an empty join_rule as open', async () => {
    const server = await h.server({ adminToken: ADMIN });
    const admin = h.client(server, { mode: 'json' });
    const rules =
      '{"links":5,"cycle":"1h","prune":1,"prune_by":"age","fill":1,"fill_how":"random"}';
    const r = await admin.request({
      type: 'create_network',
      name: 'managed',
      join_rule: '',
      token: '',
      rules,
      admin_token: ADMIN,
    });
    expect(r).toMatchObject({ type: 'create_network_ok', join_rule: 'open', rules: { links: 5 } });
    const policy = await admin.getExprPolicy(r['network_id'] as number);
    expect(policy.source).toBe('rules');
    expect(JSON.parse(policy.policyJson)).toMatchObject({
      version: 1,
      config: { max_peers: 5, cycle: '1h' },
    });
    await expect(
      admin.request({
        type: 'create_network',
        name: 'bad',
        rules: '{"links":',
        admin_token: ADMIN,
      }),
    ).rejects.toMatchObject({ remoteMessage: /invalid rules: not valid JSON/ });
    await expect(
      admin.request({
        type: 'create_network',
        name: 'bad',
        rules: '{"links":0,"cycle":"1h"}',
        admin_token: ADMIN,
      }),
    ).rejects.toMatchObject({ remoteMessage: /links/ });
    expect((await admin.listNetworks()).map((n) => n.name)).toEqual(['backbone', 'managed']);
  });
});

describe('RBAC', () => {
  it('the creator owns the network; owners promote, demote, kick and transfer by signature', async () => {
    const { a, b, c, admin, net } = await setup();
    expect(await admin.getMemberRole(net, a.nodeId)).toBe('owner');
    expect(await admin.getMemberRole(net, b.nodeId)).toBe('member');
    await expect(admin.getMemberRole(net, c.nodeId)).rejects.toMatchObject({
      remoteMessage: /not a member/,
    });
    // A plain member cannot promote itself.
    await expect(b.client.changeMember('promote', net, b.nodeId)).rejects.toMatchObject({
      remoteMessage: /needs the owner role; node \d+ is member/,
    });
    expect(await a.client.changeMember('promote', net, b.nodeId)).toBe('admin');
    expect(await admin.getMemberRole(net, b.nodeId)).toBe('admin');
    expect(await a.client.changeMember('demote', net, b.nodeId)).toBe('member');
    // Unsigned, tokenless requests are refused.
    await expect(
      admin.request({
        type: 'kick_member',
        network_id: net,
        node_id: a.nodeId,
        target_node_id: b.nodeId,
      }),
    ).rejects.toMatchObject({ remoteMessage: /requires a signature or an admin_token/ });
    // The owner cannot be kicked; ownership moves only to a member.
    await expect(a.client.changeMember('kick', net, a.nodeId)).rejects.toMatchObject({
      remoteMessage: /owns network/,
    });
    await expect(a.client.transferOwnership(net, c.nodeId)).rejects.toMatchObject({
      remoteMessage: /not a member/,
    });
    await a.client.transferOwnership(net, b.nodeId);
    expect(await admin.getMemberRole(net, b.nodeId)).toBe('owner');
    expect(await admin.getMemberRole(net, a.nodeId)).toBe('admin');
    // The admin token works without a signature.
    await c.client.joinNetwork({ networkId: net });
    expect(await admin.changeMember('kick', net, c.nodeId, { adminToken: ADMIN })).toBe('removed');
    expect((await admin.lookup(c.nodeId)).networks).toEqual([0]);
    // An admin cannot kick the owner.
    await expect(a.client.changeMember('kick', net, b.nodeId)).rejects.toMatchObject({
      remoteMessage: /owns network/,
    });
  });

  it('rename and delete need the right role; delete removes every membership', async () => {
    const { a, b, admin, net } = await setup();
    await expect(b.client.renameNetwork(net, 'other')).rejects.toMatchObject({
      remoteMessage: /needs the admin role/,
    });
    await expect(a.client.renameNetwork(net, 'Bad Name')).rejects.toMatchObject({
      remoteMessage: /invalid network name/,
    });
    await a.client.renameNetwork(net, 'renamed');
    expect((await admin.listNetworks()).find((n) => n.id === net)?.name).toBe('renamed');
    await a.client.setNetworkEnterprise(net, true);
    await expect(b.client.deleteNetwork(net)).rejects.toMatchObject({
      remoteMessage: /needs the owner role/,
    });
    await a.client.deleteNetwork(net);
    expect((await admin.listNetworks()).map((n) => n.id)).toEqual([0]);
    expect((await admin.lookup(b.nodeId)).networks).toEqual([0]);
    await expect(a.client.deleteNetwork(net)).rejects.toMatchObject({ remoteMessage: /not found/ });
    const log = await admin.getAuditLog(ADMIN, { networkId: net });
    expect(log.map((e) => e.action)).toEqual([
      'delete_network',
      'set_network_enterprise',
      'rename_network',
      'create_network',
    ]);
    await expect(admin.getAuditLog('wrong')).rejects.toMatchObject({
      remoteMessage: /requires a valid admin_token/,
    });
  });
});

describe('member tags', () => {
  it('a member signs its own tags; admins tag others; list_nodes merges them', async () => {
    const { a, b, c, admin, net } = await setup();
    await b.client.setTags(['node-tag']);
    expect(await b.client.setMemberTags(net, ['#web', 'db'])).toEqual(['web', 'db']);
    expect(await admin.getMemberTags(net, b.nodeId)).toEqual(['web', 'db']);
    // What the engine adapter sends (node_id as the target) works for reads too.
    expect(
      await admin.request({ type: 'get_member_tags', network_id: net, node_id: b.nodeId }),
    ).toMatchObject({ tags: ['web', 'db'] });
    // b is not an admin: it cannot tag a.
    await expect(b.client.setMemberTags(net, ['x'], { target: a.nodeId })).rejects.toMatchObject({
      remoteMessage: /needs the admin role/,
    });
    // The owner can; a non-member cannot be tagged; an unsigned request is refused.
    expect(await a.client.setMemberTags(net, ['lead'], { target: a.nodeId })).toEqual(['lead']);
    await expect(a.client.setMemberTags(net, ['x'], { target: c.nodeId })).rejects.toMatchObject({
      remoteMessage: /not a member/,
    });
    await expect(
      admin.request({ type: 'set_member_tags', network_id: net, node_id: b.nodeId, tags: ['x'] }),
    ).rejects.toMatchObject({ code: 'REMOTE' });
    await expect(b.client.setMemberTags(net, ['Not Valid!'])).rejects.toMatchObject({
      remoteMessage: /tag/,
    });
    expect(await admin.getAllMemberTags(net)).toEqual({
      [a.nodeId]: ['lead'],
      [b.nodeId]: ['web', 'db'],
    });
    const listed = await a.client.listNodes(net);
    expect(listed.find((n) => n.nodeId === b.nodeId)?.tags).toEqual(['node-tag', 'web', 'db']);
  });
});

describe('policies', () => {
  it('stores expression and legacy policies, naming bad fields and changing nothing', async () => {
    const { a, b, c, admin, net } = await setup();
    const doc = {
      version: 1,
      rules: [{ name: 'deny-22', on: 'connect', match: 'port == 22', actions: [{ type: 'deny' }] }],
    };
    await a.client.setExprPolicy(net, JSON.stringify(doc));
    expect(JSON.parse((await admin.getExprPolicy(net)).policyJson)).toEqual(doc);
    const bad: [unknown, RegExp][] = [
      ['{', /not valid JSON/],
      [{ version: 2, rules: doc.rules }, /expr_policy.version/],
      [{ version: 1, rules: [] }, /expr_policy.rules/],
      [{ version: 1, rules: [{ ...doc.rules[0], on: 'never' }] }, /rules\[0\]\.on/],
      [
        { version: 1, rules: [{ ...doc.rules[0], actions: [{ type: 'explode' }] }] },
        /rules\[0\]\.actions\[0\]\.type: unknown action "explode"/,
      ],
      [{ version: 1, rules: [doc.rules[0], doc.rules[0]] }, /duplicate rule name/],
    ];
    for (const [policy, message] of bad) {
      await expect(
        a.client.setExprPolicy(net, typeof policy === 'string' ? policy : JSON.stringify(policy)),
      ).rejects.toMatchObject({ remoteMessage: message });
    }
    expect(JSON.parse((await admin.getExprPolicy(net)).policyJson)).toEqual(doc);
    await expect(b.client.setExprPolicy(net, '')).rejects.toMatchObject({
      remoteMessage: /admin role/,
    });
    await a.client.setExprPolicy(net, '');
    expect(await admin.getExprPolicy(net)).toEqual({ policyJson: '', source: 'none' });

    await expect(
      a.client.setNetworkPolicy(net, { allowedPorts: [80, 70000] }),
    ).rejects.toMatchObject({ remoteMessage: /allowed_ports/ });
    expect(
      await a.client.setNetworkPolicy(net, { maxMembers: 2, allowedPorts: [80, 443] }),
    ).toEqual({ maxMembers: 2, allowedPorts: [80, 443], description: '' });
    expect((await admin.getExprPolicy(net)).source).toBe('allowed_ports');
    // max_members 2 is reached (a and b): c cannot join.
    await expect(c.client.joinNetwork({ networkId: net })).rejects.toMatchObject({
      remoteMessage: /is full/,
    });
  });
});

describe('provision_network', () => {
  it('creates then updates a network from a blueprint', async () => {
    const server = await h.server({ adminToken: ADMIN });
    const admin = h.client(server);
    const bp = {
      name: 'fleet',
      join_rule: 'token',
      join_token: 'secret',
      enterprise: true,
      policy: { max_members: 10, allowed_ports: [80] },
      expr_policy: {
        version: 1,
        rules: [{ name: 'r', on: 'connect', match: 'true', actions: [{ type: 'allow' }] }],
      },
      roles: [{ external_id: 'nobody@example.com', role: 'admin' }],
      webhooks: { audit_url: 'https://audit.example.com/hook' },
    };
    const first = await admin.provisionNetwork(bp, ADMIN);
    expect(first).toMatchObject({
      name: 'fleet',
      created: true,
      unmatchedRoles: ['nobody@example.com'],
    });
    const second = await admin.provisionNetwork({ ...bp, join_rule: 'open' }, ADMIN);
    expect(second).toMatchObject({ networkId: first.networkId, created: false });
    expect((await admin.listNetworks()).find((n) => n.id === first.networkId)?.joinRule).toBe(
      'open',
    );
    expect((await admin.getExprPolicy(first.networkId)).source).toBe('expr');
    await expect(admin.provisionNetwork(bp, 'wrong')).rejects.toMatchObject({
      remoteMessage: /admin_token/,
    });
  });

  it('refuses metadata-service URLs and bad fields, applying nothing', async () => {
    const server = await h.server({ adminToken: ADMIN });
    const admin = h.client(server);
    const urls = [
      'http://metadata.google.internal/computeMetadata/v1/',
      'http://169.254.169.254/latest/meta-data/',
      'http://ec2.internal/',
      'http://instance-data-service.ec2.internal/',
      'https://metadata.azure.com/metadata/instance',
      'http://METADATA.AZURE.COM./x',
    ];
    for (const url of urls) {
      await expect(
        admin.provisionNetwork({ name: 'ssrf', webhooks: { audit_url: url } }, ADMIN),
      ).rejects.toMatchObject({ remoteMessage: /webhooks\.audit_url/ });
    }
    await expect(
      admin.provisionNetwork(
        { name: 'ssrf', audit_export: { format: 'syslog_cef', endpoint: '169.254.169.254:514' } },
        ADMIN,
      ),
    ).rejects.toMatchObject({ remoteMessage: /audit_export\.endpoint/ });
    await expect(
      admin.provisionNetwork(
        { name: 'ssrf', identity_provider: { type: 'oidc', url: 'http://metadata.azure.com/' } },
        ADMIN,
      ),
    ).rejects.toMatchObject({ remoteMessage: /identity_provider\.url/ });
    await expect(
      admin.provisionNetwork({ name: 'x', join_rule: 'token' }, ADMIN),
    ).rejects.toMatchObject({ remoteMessage: /join_token/ });
    await expect(
      admin.provisionNetwork(
        {
          name: 'x',
          expr_policy: {
            version: 1,
            rules: [{ name: 'r', on: 'connect', match: 'true', actions: [{ type: 'nope' }] }],
          },
        },
        ADMIN,
      ),
    ).rejects.toMatchObject({
      remoteMessage: /blueprint\.expr_policy\.rules\[0\]\.actions\[0\]\.type/,
    });
    expect((await admin.listNetworks()).map((n) => n.name)).toEqual(['backbone']);
    expect(await admin.getAuditLog(ADMIN)).toEqual([]);
  });
});

describe('durability', () => {
  it('roles, member tags, policies and the audit log survive a restart', async () => {
    const storePath = path.join(h.tempDir(), 'registry.db');
    const { server, a, b, net } = await setup({ storePath });
    await a.client.changeMember('promote', net, b.nodeId);
    await b.client.setMemberTags(net, ['web']);
    await a.client.setExprPolicy(
      net,
      JSON.stringify({
        version: 1,
        rules: [{ name: 'r', on: 'dial', match: 'true', actions: [{ type: 'allow' }] }],
      }),
    );
    await server.close();
    const second = await h.server({ storePath, adminToken: ADMIN });
    const admin = h.client(second);
    expect(await admin.getMemberRole(net, b.nodeId)).toBe('admin');
    expect(await admin.getMemberTags(net, b.nodeId)).toEqual(['web']);
    expect((await admin.getExprPolicy(net)).source).toBe('expr');
    expect((await admin.getAuditLog(ADMIN)).map((e) => e.action)).toEqual([
      'set_expr_policy',
      'set_member_tags',
      'promote_member',
      'create_network',
    ]);
  });
});
