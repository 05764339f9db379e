// Out-of-process plugins under the real meshd: the TypeScript example (examples/ts-greeter,
// served by @mesh/exec-sdk) and the Go example (examples/go-echo, HashiCorp go-plugin) load
// with --plugin-exec, answer `meshctl call`, show pid and restarts in `meshctl plugins`, are
// restarted after kill -9, and do not outlive a meshd that is killed with -9.
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BINARIES,
  assertBuilt,
  startRendezvous,
  type RendezvousProcess,
} from '../scripts/local-mesh.js';
import { buildGoExample } from '@mesh/tooling/go-example';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../../..');
const SDK = path.join(repo, 'packages/exec-sdk');
assertBuilt({ ...BINARIES, '@mesh/exec-sdk': path.join(SDK, 'dist/index.js') });

let root = '';
let rendezvous: RendezvousProcess | undefined;
let goBinary = '';
let tsBinary = '';

/** The TS example as an executable: its sources run by tsx against the workspace packages. */
function tsExampleExecutable(): string {
  const dir = path.join(root, 'ts-greeter');
  mkdirSync(path.join(dir, 'node_modules/@mesh'), { recursive: true });
  cpSync(path.join(repo, 'examples/ts-greeter/src'), path.join(dir, 'src'), { recursive: true });
  symlinkSync(SDK, path.join(dir, 'node_modules/@mesh/exec-sdk'));
  symlinkSync(
    path.join(repo, 'packages/daemonapi'),
    path.join(dir, 'node_modules/@mesh/daemonapi'),
  );
  writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}');
  const loader = path.join(repo, 'node_modules/tsx/dist/loader.mjs');
  const file = path.join(dir, 'greeter-plugin');
  writeFileSync(
    file,
    `#!/bin/sh\nexec "${process.execPath}" --import "${loader}" "${path.join(dir, 'src/main.ts')}"\n`,
  );
  chmodSync(file, 0o755);
  return file;
}

interface Run {
  code: number;
  out: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- parsed CLI output
}

function meshctl(home: string, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BINARIES.meshctl, '--json', ...args],
      { env: { ...process.env, MESH_HOME: home, MESH_SOCKET: '' }, timeout: 60_000 },
      (error, out, err) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        let json: unknown;
        try {
          json = JSON.parse(code === 0 ? out : err);
        } catch {
          json = undefined;
        }
        resolve({ code, out: out + err, json });
      },
    );
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until<T>(fn: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts meshd with the two plugins and waits until `meshctl plugins` answers. */
async function startMeshd(home: string): Promise<ChildProcess> {
  const proc = spawn(
    process.execPath,
    [
      BINARIES.meshd,
      '--registry',
      rendezvous!.registry,
      '--beacon',
      rendezvous!.beacon,
      '--listen',
      '127.0.0.1:0',
      '--plugin-exec',
      `greeter=${tsBinary}`,
      '--plugin-exec',
      `goecho=${goBinary},mtls=off`,
    ],
    {
      env: { ...process.env, MESH_HOME: home, MESH_SOCKET: '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  proc.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<never>((_, reject) =>
    proc.once('exit', (code) => reject(new Error(`meshd exited (${code}): ${stderr}`))),
  );
  await Promise.race([
    exited,
    until(async () => ((await meshctl(home, 'plugins')).code === 0 ? true : undefined)),
  ]);
  return proc;
}

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'mesh-plugin-exec-'));
  goBinary = buildGoExample();
  tsBinary = tsExampleExecutable();
  rendezvous = await startRendezvous();
}, 300_000);

afterAll(async () => {
  await rendezvous?.stop();
  rmSync(root, { recursive: true, force: true });
  rmSync(path.dirname(goBinary), { recursive: true, force: true });
});

describe('meshd --plugin-exec', () => {
  it('runs the TypeScript and Go examples out of process, restarts them, and leaves no orphan', async () => {
    const home = path.join(root, 'home-a');
    const meshd = await startMeshd(home);
    try {
      const listed = await meshctl(home, 'plugins');
      const byName = new Map<string, Run['json']>(
        (listed.json.data.plugins as Array<{ name: string }>).map((p) => [p.name, p]),
      );
      expect(byName.get('greeter')).toMatchObject({
        version: '0.1.0',
        methods: ['greeter.hello'],
        process: { state: 'running', restarts: 0 },
      });
      expect(byName.get('goecho')).toMatchObject({
        version: '0.1.0',
        methods: ['goecho.ping'],
        process: { state: 'running', restarts: 0 },
      });

      const hello = await meshctl(home, 'call', 'greeter.hello', '{"name":"mesh"}');
      expect(hello.json.data).toMatchObject({
        hello: 'mesh',
        pid: byName.get('greeter').process.pid,
      });
      const ping = await meshctl(home, 'call', 'goecho.ping', '{"n":3}');
      expect(ping.json.data).toMatchObject({
        pong: { n: 3 },
        lang: 'go',
        signed: true,
        pid: byName.get('goecho').process.pid,
      });

      const goPid = byName.get('goecho').process.pid as number;
      process.kill(goPid, 'SIGKILL');
      const after = await until(async () => {
        const r = await meshctl(home, 'plugins');
        const go = (
          r.json?.data?.plugins as
            | Array<{
                name: string;
                process?: { state: string; restarts: number; pid: number; last_error?: string };
              }>
            | undefined
        )?.find((p) => p.name === 'goecho');
        return go?.process?.state === 'running' && go.process.restarts === 1 ? go : undefined;
      });
      expect(after.process?.pid).not.toBe(goPid);
      expect(after.process?.last_error).toContain('SIGKILL');
      expect((await meshctl(home, 'call', 'goecho.ping', '{"n":4}')).json.data).toMatchObject({
        pong: { n: 4 },
        pid: after.process?.pid,
      });

      // kill -9 the daemon: both plugin processes see their stdin close and exit.
      const pids = [byName.get('greeter').process.pid as number, after.process!.pid];
      const gone = new Promise((r) => meshd.once('exit', r));
      meshd.kill('SIGKILL');
      await gone;
      await until(async () => (pids.every((p) => !alive(p)) ? true : undefined));
      expect(pids.map(alive)).toEqual([false, false]);
    } finally {
      if (meshd.exitCode === null && meshd.signalCode === null) meshd.kill('SIGKILL');
    }
  }, 180_000);
});
