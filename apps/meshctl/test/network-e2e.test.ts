// meshctl network / policy / member-tags as a user runs them: built binaries in child processes,
// a real rendezvous with an admin token, two daemons (meshd includes the policy plugin).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BINARIES,
  assertBuilt,
  startRendezvous,
  type RendezvousProcess,
} from '../scripts/local-mesh.js';

const ADMIN = 'e2e-admin-token';
const { meshctl: MESHCTL } = BINARIES;
assertBuilt(BINARIES);

interface Run {
  code: number;
  out: string;
  err: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- parsed CLI output
}

let root: string;
let rendezvous: RendezvousProcess | undefined;
const homes = { a: '', b: '' };
const ids = { a: 0, b: 0 };

function meshctl(home: string, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [MESHCTL, ...args],
      {
        env: { ...process.env, MESH_HOME: home, MESH_SOCKET: '', MESH_ADMIN_TOKEN: '' },
        timeout: 60_000,
      },
      (error, out, err) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        let json: unknown;
        try {
          json = JSON.parse(code === 0 ? out : err);
        } catch {
          json = undefined;
        }
        resolve({ code, out, err, json });
      },
    );
  });
}

function pidOf(home: string): number {
  try {
    return Number(readFileSync(path.join(home, 'meshd.pid'), 'utf8').trim());
  } catch {
    return 0;
  }
}

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'meshctl-net-'));
  homes.a = path.join(root, 'a');
  homes.b = path.join(root, 'b');
  rendezvous = await startRendezvous({ cwd: root, adminToken: ADMIN });
  const common = [
    '--registry',
    rendezvous.registry,
    '--beacon',
    rendezvous.beacon,
    '--listen',
    '127.0.0.1:0',
    '--public',
    '--json',
  ];
  const [a, b] = await Promise.all([
    meshctl(homes.a, 'daemon', 'start', ...common),
    meshctl(homes.b, 'daemon', 'start', ...common),
  ]);
  expect(a.code, a.err).toBe(0);
  expect(b.code, b.err).toBe(0);
  ids.a = a.json.data.node_id;
  ids.b = b.json.data.node_id;
});

afterAll(async () => {
  for (const home of [homes.a, homes.b]) {
    await meshctl(home, 'daemon', 'stop');
    const pid = pidOf(home);
    if (pid > 0) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  await rendezvous?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('meshctl network, policy and member-tags', () => {
  it('manages a network and its policy end to end', async () => {
    const noToken = await meshctl(homes.a, 'network', 'create', 'lab', '--json');
    expect(noToken.code).toBe(2); // invalid_argument
    expect(noToken.json).toMatchObject({
      status: 'error',
      code: 'invalid_argument',
      hint: /admin-token/,
    });

    const created = await meshctl(
      homes.a,
      'network',
      'create',
      'lab',
      '--admin-token',
      ADMIN,
      '--json',
    );
    expect(created.code, created.err).toBe(0);
    const net = String(created.json.data.network_id);
    expect((await meshctl(homes.b, 'network', 'join', net, '--json')).code).toBe(0);
    const members = await meshctl(homes.a, 'network', 'members', net, '--json');
    expect(members.json.data.members.map((m: { nodeId: number }) => m.nodeId).sort()).toEqual(
      [ids.a, ids.b].sort(),
    );
    const list = await meshctl(homes.a, 'network', 'list', '--json');
    expect(list.json.data.networks.map((n: { name: string }) => n.name)).toEqual([
      'backbone',
      'lab',
    ]);

    // RBAC: b (a member) cannot rename; a (owner) promotes b, who then can.
    const denied = await meshctl(homes.b, 'network', 'rename', net, 'bees', '--json');
    expect(denied.json).toMatchObject({ code: 'invalid_argument', message: /admin role/ });
    expect(
      (await meshctl(homes.a, 'network', 'promote', net, String(ids.b), '--json')).json.data.role,
    ).toBe('admin');
    expect((await meshctl(homes.b, 'network', 'rename', net, 'bees', '--json')).code).toBe(0);

    // member tags: b sets its own; a reads them.
    expect((await meshctl(homes.b, 'member-tags', net, 'web', '--json')).json.data.tags).toEqual([
      'web',
    ]);
    expect(
      (await meshctl(homes.a, 'member-tags', net, '--node', String(ids.b), '--json')).json.data
        .tags,
    ).toEqual(['web']);

    // A bad policy file is refused with the field named; a good one is pushed and synced.
    const bad = path.join(root, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({
        version: 1,
        rules: [{ name: 'r', on: 'connect', match: 'true', actions: [{ type: 'explode' }] }],
      }),
    );
    const refused = await meshctl(homes.a, 'policy', 'set', net, bad, '--json');
    expect(refused.code).not.toBe(0);
    expect(refused.json.message).toMatch(/actions\[0\]\.type: unknown action "explode"/);
    const good = path.join(root, 'policy.json');
    writeFileSync(
      good,
      JSON.stringify({
        version: 1,
        rules: [
          {
            name: 'no-echo',
            on: 'connect',
            match: 'port == 7 && has_tag(peer_tags, "web")',
            actions: [{ type: 'deny' }],
          },
        ],
      }),
    );
    const pushed = await meshctl(homes.a, 'policy', 'set', net, good, '--push', '--json');
    expect(pushed.code, pushed.err).toBe(0);
    expect((await meshctl(homes.a, 'policy', 'sync', '--json')).json.data.policies).toEqual([
      { network_id: Number(net), source: 'expr', action: 'unchanged' },
    ]);
    const status = await meshctl(homes.a, 'policy', 'status', net, '--json');
    expect(status.json.data).toMatchObject({ network_id: Number(net), rules: 1 });
    // b is tagged "web": a's policy refuses b's connection to the echo port.
    await meshctl(homes.a, 'policy', 'status', net, '--json');
    const ping = await meshctl(
      homes.b,
      'ping',
      String(ids.a),
      '--count',
      '1',
      '--timeout',
      '3s',
      '--json',
    );
    expect(JSON.stringify(ping.json)).toMatch(/refused|error/i);
    expect((await meshctl(homes.a, 'policy', 'cycle', net, '--json')).json.data).toMatchObject({
      cycle_num: 1,
    });

    // Blueprint with a metadata URL: refused, nothing created.
    const bp = path.join(root, 'bp.json');
    writeFileSync(
      bp,
      JSON.stringify({ name: 'ssrf', webhooks: { audit_url: 'http://metadata.azure.com/x' } }),
    );
    const prov = await meshctl(
      homes.a,
      'network',
      'provision',
      bp,
      '--admin-token',
      ADMIN,
      '--json',
    );
    expect(prov.json).toMatchObject({ code: 'invalid_argument', message: /webhooks\.audit_url/ });

    // kick, then delete.
    expect(
      (await meshctl(homes.a, 'network', 'kick', net, String(ids.b), '--json')).json.data.role,
    ).toBe('removed');
    expect((await meshctl(homes.a, 'network', 'delete', net, '--json')).code).toBe(0);
    const after = await meshctl(homes.a, 'network', 'list', '--json');
    expect(after.json.data.networks.map((n: { name: string }) => n.name)).toEqual(['backbone']);
  });
});
