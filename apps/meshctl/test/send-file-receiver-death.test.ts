// meshctl send-file when the receiving daemon is killed mid-transfer: one clean error line on
// stderr and a non-zero exit, never an unhandled rejection or a stack trace.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
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

const { meshctl: MESHCTL } = BINARIES;
assertBuilt(BINARIES);

let root: string;
let rendezvous: RendezvousProcess | undefined;
const homes = { a: '', b: '' };

function meshctl(home: string, ...args: string[]): Promise<{ code: number; err: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [MESHCTL, ...args],
      { env: { ...process.env, MESH_HOME: home, MESH_SOCKET: '' }, timeout: 60_000 },
      (error, _out, err) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, err }),
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

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'meshctl-rxdeath-'));
  homes.a = path.join(root, 'a');
  homes.b = path.join(root, 'b');
  rendezvous = await startRendezvous({ cwd: root });
  const common = ['--registry', rendezvous.registry, '--beacon', rendezvous.beacon];
  const [a, b] = await Promise.all([
    meshctl(
      homes.a,
      'daemon',
      'start',
      '--hostname',
      'sender',
      '--listen',
      '127.0.0.1:0',
      ...common,
    ),
    meshctl(
      homes.b,
      'daemon',
      'start',
      '--hostname',
      'receiver',
      '--public',
      '--listen',
      '127.0.0.1:0',
      ...common,
    ),
  ]);
  expect(a.code, a.err).toBe(0);
  expect(b.code, b.err).toBe(0);
}, 60_000);

afterAll(async () => {
  for (const home of [homes.a, homes.b]) {
    const pid = pidOf(home);
    if (pid > 0) kill(pid);
  }
  await rendezvous?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('send-file when the receiver dies', () => {
  it('exits with a coded error and no stack trace', async () => {
    const file = path.join(root, 'big.bin');
    writeFileSync(file, randomBytes(32 * 1024 * 1024));
    const receiver = pidOf(homes.b);
    expect(receiver).toBeGreaterThan(0);
    const child = spawn(
      process.execPath,
      [MESHCTL, 'send-file', 'receiver', file, '--timeout', '5s'],
      {
        env: { ...process.env, MESH_HOME: homes.a, MESH_SOCKET: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let err = '';
    let killed = false;
    const exit = new Promise<number | null>((resolve) => {
      child.stderr.on('data', (c: Buffer) => {
        err += c.toString();
        // Kill the receiving daemon once the transfer is under way.
        if (!killed && /sending big\.bin: [1-9]0%/.test(err)) {
          killed = true;
          kill(receiver);
        }
      });
      child.on('exit', (code) => resolve(code));
    });
    const code = await exit;
    expect(killed, err).toBe(true);
    expect(code, err).not.toBe(0);
    // The last stderr line is the one error line meshctl prints for a coded error.
    const last = err.trim().split('\n').at(-1)!;
    expect(last, err).toMatch(/^error: /);
    expect(err).not.toMatch(/Unhandled|unhandled|meshctl: |\n\s+at .+:\d+:\d+/);
  }, 90_000);
});
