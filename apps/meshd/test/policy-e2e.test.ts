// Policies end to end: a real registry and beacon in process, two meshd daemons with real engines
// and the policy plugin, driven over IPC like meshctl does. Covers the reference's integration
// fixtures: allow/deny on connect and datagram, join allow/deny, short-cycle evict / prune /
// fill_trust / webhook, and tag on connect; plus network administration through the daemon.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Beacon } from '@mesh/beacon';
import { connect } from '@mesh/client';
import type { MeshClient } from '@mesh/client';
import { Daemon } from '@mesh/daemon';
import type { Event as BusEvent } from '@mesh/daemonapi';
import { MemoryStore, RegistryServer } from '@mesh/registry';
import '@mesh/plugin-policy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/config.js';
import { Meshd } from '../src/daemon/meshd.js';
import { createLogger } from '../src/logging/logger.js';

const ADMIN = 'test-admin-secret';

interface Node {
  meshd: Meshd;
  engine: Daemon;
  client: MeshClient;
  id: number;
  home: string;
}

let root: string;
let registry: RegistryServer;
let beacon: Beacon;
let a: Node;
let b: Node;
let c: Node;

async function startNode(name: string): Promise<Node> {
  const home = path.join(root, name);
  const env = { MESH_HOME: home };
  const config = resolveConfig(
    {
      registry: `127.0.0.1:${registry.address().port}`,
      beacon: `127.0.0.1:${beacon.address().udp!.port}`,
      listen: '127.0.0.1:0',
      socket: path.join(root, `${name}.sock`),
      public: true,
    },
    {},
    env,
  );
  let engine: Daemon | undefined;
  const meshd = new Meshd({
    config,
    flags: {},
    logger: createLogger({ level: 'error', format: 'json', write: () => {} }),
    createEngine: (cfg) => {
      engine = new Daemon({
        registry: cfg.registry,
        beacon: cfg.beacon!,
        listen: cfg.listen,
        identityPath: cfg.identity,
        stateDir: cfg.home,
        public: cfg.public,
      });
      return engine;
    },
    version: 'test',
  });
  await meshd.start();
  const client = await connect({ socketPath: config.socket, clientName: 'test' });
  return { meshd, engine: engine!, client, id: engine!.nodeId(), home };
}

/** Calls an IPC method by name (what meshctl's commands do); the result is raw JSON. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- raw JSON results
type Json = any;
function call(n: Node, method: string, params?: Record<string, unknown>): Promise<Json> {
  return n.client.ipc.callRaw(method, params) as Promise<Json>;
}

/** Resolves with the next bus event on `topic` matching `pred`. */
function nextEvent(
  n: Node,
  topic: string,
  pred: (e: BusEvent) => boolean = () => true,
): Promise<BusEvent> {
  return new Promise((resolve) => {
    const off = n.engine.bus().on(topic, (e) => {
      if (!pred(e)) return;
      off();
      resolve(e);
    });
  });
}

const addr = (n: Node): string =>
  `0:0000.${((n.id >>> 16) & 0xffff).toString(16).padStart(4, '0').toUpperCase()}.${(n.id & 0xffff).toString(16).padStart(4, '0').toUpperCase()}`;

/** Pushes `policy` to network `net` through `owner` and makes every node sync it. */
async function usePolicy(
  owner: Node,
  net: number,
  policy: object,
  ...others: Node[]
): Promise<void> {
  await call(owner, 'network.policy_push', { network_id: net, policy: JSON.stringify(policy) });
  for (const n of others) await call(n, 'network.policy_sync');
}

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'meshd-policy-'));
  registry = new RegistryServer({
    host: '127.0.0.1',
    port: 0,
    store: new MemoryStore(),
    adminToken: ADMIN,
  });
  await registry.listen();
  beacon = new Beacon({ udp: { host: '127.0.0.1', port: 0 } });
  await beacon.listen();
  a = await startNode('a');
  b = await startNode('b');
  c = await startNode('c');
});

afterAll(async () => {
  for (const n of [a, b, c]) {
    await n?.client.close();
    await n?.meshd.stop('test');
  }
  await registry?.close();
  await beacon?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('managed network end to end', () => {
  let net = 0;

  it('creates, joins and lists a network over IPC; the creator owns it', async () => {
    await expect(call(a, 'network.create', { name: 'lab' })).rejects.toMatchObject({
      code: 'invalid_argument',
    });
    const created = await call(a, 'network.create', { name: 'lab', admin_token: ADMIN });
    net = created.network_id;
    expect(net).toBeGreaterThan(0);
    expect(await call(b, 'network.join', { network_id: net })).toMatchObject({ network_id: net });
    const members = await call(a, 'network.members', { network_id: net });
    expect(members.members.map((m: { nodeId: number }) => m.nodeId).sort()).toEqual(
      [a.id, b.id].sort(),
    );
    expect(await call(b, 'network.role', { network_id: net, target: a.id })).toMatchObject({
      role: 'owner',
    });
    await expect(
      call(b, 'network.rename', { network_id: net, name: 'mine' }),
    ).rejects.toMatchObject({
      code: 'invalid_argument',
    });
  });

  it('connect: deny port 7, allow the rest; datagram: deny port 4000 inbound', async () => {
    await usePolicy(
      a,
      net,
      {
        version: 1,
        rules: [
          { name: 'deny-echo', on: 'connect', match: 'port == 7', actions: [{ type: 'deny' }] },
          {
            name: 'deny-dg',
            on: 'datagram',
            match: 'port == 4000 && direction == "in"',
            actions: [{ type: 'deny' }],
          },
          { name: 'allow-all', on: 'connect', match: 'true', actions: [{ type: 'allow' }] },
        ],
      },
      b,
    );
    await call(b, 'policy.reconcile', { network_id: net });
    await call(a, 'policy.reconcile', { network_id: net });
    const rejected = nextEvent(b, 'syn.rejected');
    await expect(a.client.dial(addr(b), 7, { timeoutMs: 5000 })).rejects.toBeDefined();
    expect((await rejected).payload).toMatchObject({
      src_node_id: a.id,
      dst_port: 7,
      reason: 'policy',
    });
    // Port 1001 (data exchange) is allowed.
    const stream = await a.client.dial(addr(b), 1001);
    stream.destroy();
    const dgRejected = nextEvent(b, 'datagram.rejected');
    const delivered = nextEvent(b, 'data.datagram', (e) => e.payload['dst_port'] === 4001);
    await a.client.sendTo(addr(b), 4000, 'blocked');
    await a.client.sendTo(addr(b), 4001, 'allowed');
    expect((await dgRejected).payload).toMatchObject({ dst_port: 4000, reason: 'policy' });
    await delivered;
    const status = await call(b, 'policy.status', { network_id: net });
    expect(status.gate_denied).toBeGreaterThanOrEqual(2);
    expect(status.gate_allowed).toBeGreaterThanOrEqual(1);
  });

  it('tag on connect: the peer gets a policy tag, visible in later expressions', async () => {
    await usePolicy(
      a,
      net,
      {
        version: 1,
        rules: [
          {
            name: 'tag-web',
            on: 'connect',
            match: 'port == 1001',
            actions: [{ type: 'tag', params: { add: ['talked'] } }],
          },
          {
            name: 'only-tagged',
            on: 'connect',
            match: 'port == 1002 && !has_tag(peer_tags, "talked")',
            actions: [{ type: 'deny' }],
          },
        ],
      },
      b,
    );
    const tagged = nextEvent(b, 'policy.tagged');
    (await a.client.dial(addr(b), 1001)).destroy();
    expect((await tagged).payload).toMatchObject({ peer_node_id: a.id, tags: ['talked'] });
    expect(await call(b, 'policy.tags', { network_id: net, node_id: a.id })).toMatchObject({
      tags: ['talked'],
    });
    // Member tags from the registry are merged too.
    await call(a, 'member_tags.set', { network_id: net, tags: ['gpu'] });
    await call(b, 'policy.reconcile', { network_id: net });
    expect((await call(b, 'policy.tags', { network_id: net, node_id: a.id })).tags.sort()).toEqual([
      'gpu',
      'talked',
    ]);
    (await a.client.dial(addr(b), 1002)).destroy();
  });

  it('evaluation errors fail open and are counted', async () => {
    await usePolicy(
      a,
      net,
      {
        version: 1,
        default_verdict: 'deny',
        rules: [
          { name: 'broken', on: 'connect', match: 'port + "x" > 1', actions: [{ type: 'deny' }] },
          { name: 'dial', on: 'dial', match: 'true', actions: [{ type: 'allow' }] },
        ],
      },
      b,
    );
    const before = (await call(b, 'policy.status', { network_id: net })).eval_errors as number;
    (await a.client.dial(addr(b), 1001)).destroy();
    const after = await call(b, 'policy.status', { network_id: net });
    expect(after.eval_errors).toBe(before + 1);
    expect(after.last_error).toMatch(/broken/);
  });

  it('join allow/deny: a denied joiner is kept out of the peer set and refused', async () => {
    await usePolicy(
      a,
      net,
      {
        version: 1,
        config: { reconcile: '1h' },
        rules: [
          {
            name: 'deny-join',
            on: 'join',
            match: `peer_id == ${c.id}`,
            actions: [{ type: 'deny' }],
          },
          {
            name: 'log-join',
            on: 'join',
            match: 'true',
            actions: [{ type: 'webhook', params: { event: 'joined' } }],
          },
        ],
      },
      b,
    );
    const joined = nextEvent(a, 'policy.joined', (e) => e.payload['peer_node_id'] === c.id);
    await call(c, 'network.join', { network_id: net });
    await call(a, 'policy.reconcile', { network_id: net });
    expect((await joined).payload).toMatchObject({ network_id: net, rule: 'log-join' });
    const status = await call(a, 'policy.status', { network_id: net });
    expect(status.evicted).toContain(c.id);
    const rejected = nextEvent(a, 'syn.rejected');
    await expect(c.client.dial(addr(a), 1001, { timeoutMs: 5000 })).rejects.toBeDefined();
    expect((await rejected).payload).toMatchObject({ src_node_id: c.id, reason: 'policy' });
    // b joined before this policy: still a peer and allowed.
    (await b.client.dial(addr(a), 1001)).destroy();
    await call(c, 'network.leave', { network_id: net });
  });

  it('short cycle: evict, prune, fill_trust and webhook', async () => {
    await usePolicy(
      a,
      net,
      {
        version: 1,
        config: { cycle: '1s', reconcile: '1h' },
        rules: [
          {
            name: 'evict-gpu',
            on: 'cycle',
            match: 'has_tag(peer_tags, "gpu")',
            actions: [{ type: 'evict' }],
          },
          {
            name: 'trust',
            on: 'cycle',
            match: 'trusted_count < 1',
            actions: [{ type: 'fill_trust', params: { target: 1 } }],
          },
          {
            name: 'announce',
            on: 'cycle',
            match: 'cycle_num >= 1',
            actions: [{ type: 'webhook', params: { event: 'tick', data: { ok: true } } }],
          },
        ],
      },
      b,
    );
    await call(b, 'policy.reconcile', { network_id: net });
    // b tagged a "gpu" (member tag) earlier: b's cycle evicts a; a's timer cycle publishes the webhook.
    const evicted = nextEvent(b, 'policy.evicted', (e) => e.payload['peer_node_id'] === a.id);
    const tick = nextEvent(a, 'policy.tick');
    const report = await call(b, 'policy.cycle', { network_id: net });
    expect(report.evicted).toEqual([a.id]);
    expect(report.trust_requested).toEqual([a.id]);
    expect((await evicted).payload).toMatchObject({ network_id: net, rule: 'evict-gpu' });
    expect((await tick).payload).toMatchObject({ ok: true, network_id: net, rule: 'announce' });
    // An evicted peer is refused by the gate.
    const rejected = nextEvent(b, 'syn.rejected');
    await expect(a.client.dial(addr(b), 1001, { timeoutMs: 5000 })).rejects.toBeDefined();
    expect((await rejected).payload).toMatchObject({ src_node_id: a.id, reason: 'policy' });

    // prune: the managed peer set shrinks by `count` (cooldown keeps it out of reconciliation).
    await usePolicy(
      a,
      net,
      {
        version: 1,
        config: { cycle: '1h', reconcile: '1h' },
        rules: [
          {
            name: 'prune',
            on: 'cycle',
            match: 'peer_count > 0',
            actions: [{ type: 'prune', params: { count: 1, by: 'age' } }],
          },
        ],
      },
      a,
    );
    await call(a, 'policy.reconcile', { network_id: net });
    const pruned = await call(a, 'policy.cycle', { network_id: net });
    expect(pruned.pruned).toEqual([b.id]);
    expect((await call(a, 'policy.status', { network_id: net })).peers).toBe(0);
  });

  it('persists policy_<net>.json atomically and reloads it at start', async () => {
    const file = path.join(a.home, 'plugins', 'policy', `policy_${net}.json`);
    const state = JSON.parse(readFileSync(file, 'utf8'));
    expect(state).toMatchObject({ network_id: net });
    expect(JSON.parse(state.policy).rules[0].name).toBe('prune');
    // Restart a: the plugin resumes the runner from the file (cycle count carried over).
    await a.client.close();
    await a.meshd.stop('restart');
    a = await startNode('a');
    const status = await call(a, 'policy.status', { network_id: net });
    expect(status.cycle_num).toBeGreaterThanOrEqual(1);
    expect((await call(a, 'policy.get', { network_id: net })).policy.rules[0].name).toBe('prune');
  });

  it('refuses a bad policy whole and keeps the running one', async () => {
    await expect(
      call(a, 'policy.set', {
        network_id: net,
        policy: {
          version: 1,
          rules: [{ name: 'x', on: 'connect', match: 'peer.tags', actions: [{ type: 'deny' }] }],
        },
      }),
    ).rejects.toThrow(/rules\[0\] \("x"\)\.match: member access/);
    expect((await call(a, 'policy.get', { network_id: net })).policy.rules[0].name).toBe('prune');
    await expect(
      call(a, 'network.provision', {
        blueprint: JSON.stringify({
          name: 'x',
          webhooks: { audit_url: 'http://169.254.169.254/' },
        }),
        admin_token: ADMIN,
      }),
    ).rejects.toMatchObject({ code: 'invalid_argument' });
  });

  it('leaving the network stops its runner; deleting it removes it', async () => {
    await call(b, 'network.leave', { network_id: net });
    await expect(call(b, 'policy.status', { network_id: net })).rejects.toThrow(/no policy runs/);
    await call(a, 'network.delete', { network_id: net });
    expect((await call(a, 'network.list')).networks.map((n: { name: string }) => n.name)).toEqual([
      'backbone',
    ]);
  });
});
