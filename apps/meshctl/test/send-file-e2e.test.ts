// send-file between two real meshd processes: chunked stream past the 16 MiB frame cap, SHA-256 end
// to end, resume after the sender is killed, the file.received event, and the classic FILE frame.
import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect, type MeshClient } from '@mesh/client';
import { DataFrameDecoder, DataType, encodeDataFrame, encodeFilePayload } from '@mesh/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BINARIES,
  assertBuilt,
  startRendezvous,
  type RendezvousProcess,
} from '../scripts/local-mesh.js';

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
const clients: MeshClient[] = [];

function meshctl(home: string, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [MESHCTL, ...args],
      {
        env: { ...process.env, MESH_HOME: home, MESH_SOCKET: '' },
        timeout: 120_000,
        maxBuffer: 16 * 1024 * 1024,
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

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

function receivedFiles(): string[] {
  return readdirSync(path.join(homes.b, 'received')).filter((n) => !n.startsWith('.'));
}

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'meshctl-sendfile-'));
  homes.a = path.join(root, 'a');
  homes.b = path.join(root, 'b');
  rendezvous = await startRendezvous({ cwd: root });
  const common = [
    '--registry',
    rendezvous.registry,
    '--beacon',
    rendezvous.beacon,
    '--listen',
    '127.0.0.1:0',
    '--json',
  ];
  // The receiver caps its folders (meshd settings received_max_bytes / inbox_max_bytes).
  const configB = path.join(root, 'receiver.json');
  writeFileSync(configB, JSON.stringify({ received_max_bytes: '60MiB', inbox_max_bytes: '4KiB' }));
  const [a, b] = await Promise.all([
    meshctl(homes.a, 'daemon', 'start', '--hostname', 'sender', ...common),
    meshctl(
      homes.b,
      'daemon',
      'start',
      '--hostname',
      'receiver',
      '--public',
      '--config',
      configB,
      ...common,
    ),
  ]);
  expect(a.code, a.err).toBe(0);
  expect(b.code, b.err).toBe(0);
}, 60_000);

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  for (const home of [homes.a, homes.b]) {
    const pid = pidOf(home);
    if (pid > 0) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }
  await rendezvous?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('send-file', () => {
  it('streams a file larger than one 16 MiB frame and it arrives with the same SHA-256', async () => {
    const b = await connect(path.join(homes.b, 'mesh.sock'));
    clients.push(b);
    const events = await b.events('file.received');
    const file = path.join(root, 'big.bin');
    const bytes = randomBytes(20 * 1024 * 1024 + 123);
    writeFileSync(file, bytes);
    const r = await meshctl(homes.a, 'send-file', 'receiver', file, '--json');
    expect(r.code, r.err).toBe(0);
    expect(r.json.data).toMatchObject({
      filename: 'big.bin',
      bytes: bytes.length,
      sha256: sha(bytes),
      mode: 'stream',
      resumed_from: 0,
      ack: `ACK FILE ${bytes.length} bytes`,
    });
    const saved = receivedFiles().filter((n) => n.startsWith('big-'));
    expect(saved).toHaveLength(1);
    expect(sha(readFileSync(path.join(homes.b, 'received', saved[0])))).toBe(sha(bytes));
    // The arrival is published as an event carrying the hash.
    for await (const ev of events) {
      expect(ev.payload).toMatchObject({
        filename: saved[0],
        size: bytes.length,
        sha256: sha(bytes),
      });
      break;
    }
    expect(existsSync(path.join(homes.b, 'received', '.partial'))).toBe(false);
  }, 120_000);

  it('resumes where an interrupted transfer stopped', async () => {
    const file = path.join(root, 'resume.bin');
    const bytes = randomBytes(24 * 1024 * 1024);
    writeFileSync(file, bytes);
    // Kill the sender once the receiver has acknowledged at least 30 %.
    const child = spawn(process.execPath, [MESHCTL, 'send-file', 'receiver', file], {
      env: { ...process.env, MESH_HOME: homes.a, MESH_SOCKET: '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const killed = new Promise<void>((resolve, reject) => {
      let err = '';
      child.stderr.on('data', (c: Buffer) => {
        err += c.toString();
        if (/sending resume\.bin: [3-9]0%/.test(err)) child.kill('SIGKILL');
      });
      child.on('exit', (code, signal) =>
        signal === 'SIGKILL' ? resolve() : reject(new Error(`sender exited ${code}: ${err}`)),
      );
    });
    await killed;
    expect(receivedFiles().filter((n) => n.startsWith('resume-'))).toEqual([]);
    const r = await meshctl(homes.a, 'send-file', 'receiver', file, '--json');
    expect(r.code, r.err).toBe(0);
    expect(r.json.data.resumed_from).toBeGreaterThanOrEqual(Math.floor(bytes.length * 0.3));
    expect(r.json.data.resumed_from).toBeLessThan(bytes.length);
    const saved = receivedFiles().filter((n) => n.startsWith('resume-'));
    expect(saved).toHaveLength(1);
    expect(sha(readFileSync(path.join(homes.b, 'received', saved[0])))).toBe(sha(bytes));
  }, 120_000);

  it('still takes a classic FILE frame and refuses unknown frame types cleanly', async () => {
    const a = await connect(path.join(homes.a, 'mesh.sock'));
    clients.push(a);
    const stream = await a.dial('receiver', 1001);
    const decoder = new DataFrameDecoder();
    const replies: string[] = [];
    const two = new Promise<void>((resolve) =>
      stream.on('data', (c: Buffer) => {
        for (const f of decoder.push(c)) replies.push(Buffer.from(f.payload).toString('utf8'));
        if (replies.length >= 2) resolve();
      }),
    );
    const data = randomBytes(5000);
    stream.write(encodeDataFrame({ type: 77, payload: new Uint8Array([1, 2]) }));
    stream.write(
      encodeDataFrame({
        type: DataType.FILE,
        payload: encodeFilePayload({ name: 'classic.txt', data }),
      }),
    );
    await two;
    stream.end();
    // The classic ACK counts the frame payload: 2B name length + name + data.
    expect(replies).toEqual(['ERR UNKNOWN(77) unsupported frame type', 'ACK FILE 5013 bytes']);
    const saved = receivedFiles().filter((n) => n.startsWith('classic-'));
    expect(saved).toHaveLength(1);
    expect(sha(readFileSync(path.join(homes.b, 'received', saved[0])))).toBe(sha(data));
  }, 60_000);

  it('refuses files and messages past the folder caps with an error that says so', async () => {
    const file = path.join(root, 'huge.bin');
    writeFileSync(file, Buffer.alloc(61 * 1024 * 1024, 7));
    const r = await meshctl(homes.a, 'send-file', 'receiver', file, '--json');
    expect(r.code).toBe(6);
    expect(r.json.message).toMatch(/received\/ is full: \d+ of 62914560 bytes used/);
    expect(r.json.message).toContain('--received-max-bytes');
    expect(receivedFiles().filter((n) => n.startsWith('huge-'))).toEqual([]);
    const ok = await meshctl(homes.a, 'send-message', 'receiver', '--data', 'small');
    expect(ok.code, ok.err).toBe(0);
    const big = await meshctl(
      homes.a,
      'send-message',
      'receiver',
      '--data',
      'x'.repeat(5000),
      '--json',
    );
    expect(big.code).toBe(6);
    expect(big.json.message).toMatch(/inbox\/ is full: \d+ of 4096 bytes used/);
  }, 60_000);
});
