// `meshctl events` and `set-webhook` as a user runs them: built binaries, a real rendezvous,
// one daemon started with `meshctl daemon start`, a real HTTP receiver.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
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

let root = '';
let home = '';
let rendezvous: RendezvousProcess | undefined;
let sink: Server;
let sinkUrl = '';
const received: { event: string; event_id: number }[] = [];

function meshctl(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [MESHCTL, ...args],
      { env: { ...process.env, MESH_HOME: home, MESH_SOCKET: '' }, timeout: 60_000 },
      (error, out, err) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, out, err }),
    );
  });
}

function pid(): number {
  return Number(readFileSync(path.join(home, 'meshd.pid'), 'utf8').trim());
}

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'meshctl-events-'));
  home = path.join(root, 'home');
  rendezvous = await startRendezvous({ cwd: root });
  sink = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      received.push(JSON.parse(body) as { event: string; event_id: number });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/hook`;
  const started = await meshctl(
    'daemon',
    'start',
    '--registry',
    rendezvous.registry,
    '--listen',
    '127.0.0.1:0',
    '--json',
  );
  expect(started.code, started.err).toBe(0);
});

afterAll(async () => {
  await meshctl('daemon', 'stop');
  await rendezvous?.stop();
  sink.closeAllConnections();
  await new Promise<void>((r) => sink.close(() => r()));
  rmSync(root, { recursive: true, force: true });
});

describe('meshctl events and set-webhook end to end', () => {
  it('events --json tails the bus as NDJSON; a SIGHUP shows up as daemon.reload', async () => {
    const child = spawn(
      process.execPath,
      [MESHCTL, 'events', 'daemon.*', '--json', '--count', '1'],
      {
        env: { ...process.env, MESH_HOME: home, MESH_SOCKET: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    const exited = new Promise<number>((r) => child.once('exit', (code) => r(code ?? 1)));
    // Signal only once the subscription is live: retry the reload until the tail reports it.
    while (child.exitCode === null && !out.includes('daemon.reload')) {
      process.kill(pid(), 'SIGHUP');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 100))]);
    }
    expect(await exited).toBe(0);
    const lines = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ topic: 'daemon.reload', payload: {} });
    expect(typeof lines[0]['node_id']).toBe('number');
    expect(lines.at(-1)).toEqual({ status: 'ok', data: { count: 1, dropped: 0 } });
  });

  it('set-webhook delivers the daemon events to a receiver and info counts them', async () => {
    const set = await meshctl('set-webhook', sinkUrl, '--json');
    expect(set.code, set.err).toBe(0);
    process.kill(pid(), 'SIGHUP');
    await expect
      .poll(() => received.some((b) => b.event === 'daemon.reload'), { timeout: 20_000 })
      .toBe(true);
    const info = JSON.parse((await meshctl('info', '--json')).out) as {
      data: { webhook: string; webhook_stats: { delivered: number; failed: number } };
    };
    expect(info.data.webhook).toBe(sinkUrl);
    expect(info.data.webhook_stats.delivered).toBeGreaterThanOrEqual(1);
    expect(info.data.webhook_stats.failed).toBe(0);
    const refused = await meshctl('set-webhook', 'http://169.254.169.254/latest', '--json');
    expect(refused.code).not.toBe(0);
    expect(JSON.parse(refused.err)).toMatchObject({ code: 'invalid_argument' });
  });
});
