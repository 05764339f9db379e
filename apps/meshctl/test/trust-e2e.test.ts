// Trust between two private daemons as a user runs it: built binaries in child processes, a real
// rendezvous, meshctl handshake / pending / approve / trust / untrust / trusted list.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BINARIES,
  assertBuilt,
  startRendezvous,
  type RendezvousProcess,
} from '../scripts/local-mesh.js';

assertBuilt(BINARIES);

interface Run {
  code: number;
  out: string;
  err: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- parsed CLI output
}

let root: string;
let rendezvous: RendezvousProcess | undefined;
const homes = { alice: '', bob: '' };
let net: string[] = [];

// The relay inbox is polled each heartbeat by default; the tests poll it faster.
const ENV = { MESH_HANDSHAKE_POLL_INTERVAL_MS: '500' };

function meshctl(home: string, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BINARIES.meshctl, ...args],
      { env: { ...process.env, ...ENV, MESH_HOME: home, MESH_SOCKET: '' }, timeout: 60_000 },
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

/** Runs `args` until `ok(result)` holds (the relay is asynchronous), at most `tries` times. */
async function until(
  home: string,
  args: string[],
  ok: (r: Run) => boolean,
  tries = 60,
): Promise<Run> {
  let last: Run | undefined;
  for (let i = 0; i < tries; i++) {
    last = await meshctl(home, ...args);
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(
    `meshctl ${args.join(' ')} never satisfied the condition: ${last?.out}${last?.err}`,
  );
}

async function nodeId(home: string): Promise<number> {
  const r = await meshctl(home, 'info', '--json');
  expect(r.code, r.err).toBe(0);
  return r.json.data.node_id as number;
}

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'meshctl-trust-'));
  homes.alice = path.join(root, 'alice');
  homes.bob = path.join(root, 'bob');
  rendezvous = await startRendezvous({ cwd: root });
  net = [
    '--registry',
    rendezvous.registry,
    '--beacon',
    rendezvous.beacon,
    '--listen',
    '127.0.0.1:0',
  ];
  // Both private (the default): neither can reach the other until trust exists.
  const [a, b] = await Promise.all([
    meshctl(homes.alice, 'daemon', 'start', '--hostname', 'alice', ...net, '--json'),
    meshctl(homes.bob, 'daemon', 'start', '--hostname', 'bob', ...net, '--json'),
  ]);
  expect(a.code, a.err).toBe(0);
  expect(b.code, b.err).toBe(0);
});

afterAll(async () => {
  for (const home of [homes.alice, homes.bob])
    if (existsSync(path.join(home, 'meshd.pid'))) await meshctl(home, 'daemon', 'stop');
  await rendezvous?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('meshctl trust between two private daemons', () => {
  it('handshake → pending → approve through the registry relay, then send-message works; untrust cuts it', async () => {
    const alice = await nodeId(homes.alice);
    const bob = await nodeId(homes.bob);

    // A private node's hostname does not resolve for strangers: use its node id (or address).
    const before = await meshctl(
      homes.alice,
      'send-message',
      String(bob),
      '--data',
      'too early',
      '--json',
    );
    expect(before.code).not.toBe(0);

    const sent = await meshctl(homes.alice, 'handshake', String(bob), 'hello from alice', '--json');
    expect(sent.code, sent.err).toBe(0);
    expect(sent.json.data).toEqual({ status: 'sent', node_id: bob });

    const pending = await until(homes.bob, ['pending', '--json'], (r) =>
      (r.json?.data?.pending ?? []).some((p: { node_id: number }) => p.node_id === alice),
    );
    expect(pending.json.data.pending).toMatchObject([
      { node_id: alice, justification: 'hello from alice' },
    ]);

    const approved = await meshctl(homes.bob, 'approve', String(alice), '--json');
    expect(approved.code, approved.err).toBe(0);
    expect(approved.json.data).toEqual({ status: 'approved', node_id: alice });

    const trusted = await until(homes.alice, ['trust', '--json'], (r) =>
      (r.json?.data?.trusted ?? []).some((t: { node_id: number }) => t.node_id === bob),
    );
    expect(trusted.json.data.trusted).toMatchObject([{ node_id: bob, mutual: true }]);

    const msg = await meshctl(
      homes.alice,
      'send-message',
      String(bob),
      '--data',
      'hi bob',
      '--json',
    );
    expect(msg.code, msg.err).toBe(0);
    const inbox = readdirSync(path.join(homes.bob, 'inbox'));
    expect(
      inbox.map((f) => JSON.parse(readFileSync(path.join(homes.bob, 'inbox', f), 'utf8')).data),
    ).toContain('hi bob');

    // A restart keeps the trust (trust.json in the plugin's data directory).
    expect((await meshctl(homes.bob, 'daemon', 'stop')).code).toBe(0);
    const restarted = await meshctl(
      homes.bob,
      'daemon',
      'start',
      '--hostname',
      'bob',
      ...net,
      '--json',
    );
    expect(restarted.code, restarted.err).toBe(0);
    const kept = await meshctl(homes.bob, 'trust', '--json');
    expect(kept.json.data.trusted).toMatchObject([{ node_id: alice }]);
    const again = await meshctl(
      homes.alice,
      'send-message',
      String(bob),
      '--data',
      'after restart',
      '--json',
    );
    expect(again.code, again.err).toBe(0);

    const untrust = await meshctl(homes.alice, 'untrust', String(bob), '--json');
    expect(untrust.code, untrust.err).toBe(0);
    expect(untrust.json.data).toEqual({ status: 'revoked', node_id: bob });
    expect((await meshctl(homes.alice, 'trust', '--json')).json.data.trusted).toEqual([]);
    // Bob heard the revocation too; a further dial is refused either way.
    await until(homes.bob, ['trust', '--json'], (r) => r.json?.data?.trusted?.length === 0);
    const refused = await meshctl(
      homes.bob,
      'send-message',
      String(alice),
      '--data',
      'still there?',
      '--json',
    );
    expect(refused.code).not.toBe(0);
    expect(refused.json).toMatchObject({ status: 'error', code: 'connection_failed' });

    const noAgain = await meshctl(homes.alice, 'untrust', String(bob), '--json');
    expect(noAgain.json).toMatchObject({ status: 'error', code: 'not_found' });
  }, 120_000);

  it('trusted list answers from the trustedagents plugin (no list configured here)', async () => {
    const r = await meshctl(homes.alice, 'trusted', 'list', '--json');
    expect(r.code, r.err).toBe(0);
    expect(r.json.data).toMatchObject({ configured: false, agents: [] });
    const human = await meshctl(homes.alice, 'trusted', 'list');
    expect(human.out.trim()).toBe('no trusted-agents list configured');
  });
});
