// meshctl rotate-key as a user runs it: built binaries in child processes, a real rendezvous and
// two public daemons. After the rotation the registry shows the new key and the peer still talks
// to the node.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
const homes = { a: '', b: '' };

function meshctl(home: string, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BINARIES.meshctl, ...args],
      { env: { ...process.env, MESH_HOME: home, MESH_SOCKET: '' }, timeout: 60_000 },
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

async function nodeId(home: string): Promise<number> {
  const r = await meshctl(home, 'info', '--json');
  expect(r.code, r.err).toBe(0);
  return r.json.data.node_id as number;
}

function fileKey(file: string): string {
  return (JSON.parse(readFileSync(file, 'utf8')) as { public_key: string }).public_key;
}

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'meshctl-rotate-'));
  homes.a = path.join(root, 'a');
  homes.b = path.join(root, 'b');
  rendezvous = await startRendezvous({ cwd: root });
  const net = [
    '--registry',
    rendezvous.registry,
    '--beacon',
    rendezvous.beacon,
    '--listen',
    '127.0.0.1:0',
    '--public',
  ];
  const [a, b] = await Promise.all([
    meshctl(homes.a, 'daemon', 'start', ...net, '--json'),
    meshctl(homes.b, 'daemon', 'start', ...net, '--json'),
  ]);
  expect(a.code, a.err).toBe(0);
  expect(b.code, b.err).toBe(0);
});

afterAll(async () => {
  for (const home of [homes.a, homes.b])
    if (existsSync(path.join(home, 'meshd.pid'))) await meshctl(home, 'daemon', 'stop');
  await rendezvous?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('meshctl rotate-key', () => {
  it('rotates the key (human and --json); lookup shows the new key and the peer still reaches the node', async () => {
    const a = await nodeId(homes.a);
    const identityFile = path.join(homes.a, 'identity.json');
    const first = fileKey(identityFile);
    const hello = await meshctl(homes.b, 'send-message', String(a), '--data', 'before', '--json');
    expect(hello.code, hello.err).toBe(0);

    const human = await meshctl(homes.a, 'rotate-key');
    expect(human.code, human.err).toBe(0);
    expect(human.out).toContain(`key rotated for node ${a}`);
    expect(human.out).toContain(`old public key  ${first}`);
    const second = fileKey(identityFile);
    expect(second).not.toBe(first);
    expect(human.out).toContain(`new public key  ${second}`);

    const json = await meshctl(homes.a, 'rotate-key', '--json');
    expect(json.code, json.err).toBe(0);
    expect(json.json).toEqual({
      status: 'ok',
      data: {
        node_id: a,
        public_key: fileKey(identityFile),
        old_public_key: second,
        identity_path: identityFile,
        backup_path: `${identityFile}.old`,
      },
    });
    expect(fileKey(`${identityFile}.old`)).toBe(second);
    expect(existsSync(`${identityFile}.pending`)).toBe(false);

    const looked = await meshctl(homes.b, 'lookup', String(a), '--json');
    expect(looked.code, looked.err).toBe(0);
    expect(looked.json.data.public_key).toBe(json.json.data.public_key);
    const info = await meshctl(homes.a, 'info', '--json');
    expect(info.json.data.public_key).toBe(json.json.data.public_key);

    const after = await meshctl(homes.b, 'send-message', String(a), '--data', 'after', '--json');
    expect(after.code, after.err).toBe(0);
    const back = await meshctl(
      homes.a,
      'send-message',
      String(await nodeId(homes.b)),
      '--data',
      'back',
      '--json',
    );
    expect(back.code, back.err).toBe(0);
  });

  it('a refused rotation keeps the old key and says so (exit 8, ROTATION_REFUSED)', async () => {
    const identityFile = path.join(homes.a, 'identity.json');
    const before = fileKey(identityFile);
    expect((await meshctl(homes.a, 'deregister')).code).toBe(0);
    const r = await meshctl(homes.a, 'rotate-key', '--json');
    expect(r.code).toBe(8);
    expect(r.json).toMatchObject({
      status: 'error',
      code: 'unavailable',
      message: expect.stringContaining('the old key stays in use'),
      hint: expect.stringContaining('old key is still in use'),
    });
    expect(fileKey(identityFile)).toBe(before);
    const human = await meshctl(homes.a, 'rotate-key');
    expect(human.code).toBe(8);
    expect(human.err).toMatch(/^error: rotate key: the registry refused the key rotation/m);
  });
});
