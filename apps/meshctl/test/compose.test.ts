// meshctl compose end to end: pack the daemon's packages and two plugins the way npm publishes
// them, compose a daemon from the tarballs with plain npm, run it, and see exactly those plugins
// (the handshake and webhook plugins, not the other plugins meshd ships).
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BINARIES,
  assertBuilt,
  startRendezvous,
  type RendezvousProcess,
} from '../scripts/local-mesh.js';
import { composeEntry } from '../src/commands/compose.js';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../../..');
assertBuilt(BINARIES);

/** The daemon's own packages (meshd and its runtime @mesh dependencies). */
const DAEMON_PACKAGES = [
  'apps/meshd',
  'packages/daemon',
  'packages/daemonapi',
  'packages/ipc',
  'packages/protocol',
  'packages/registry-client',
  'packages/wire',
  'packages/exec-host',
  'packages/goplugin',
  'packages/plugin-handshake',
  'packages/plugin-trustedagents',
  'packages/plugin-webhook',
  'packages/plugin-policy',
];

/** The plugins to compose: the name `meshctl plugins` shows, the package, and a method to call. */
const PLUGINS = [
  { name: 'handshake', pkg: '@mesh/plugin-handshake', method: 'handshake.pending' },
  { name: 'webhook', pkg: '@mesh/plugin-webhook', method: 'webhook.status' },
] as const;

let work = '';
let rendezvous: RendezvousProcess | undefined;
let daemon: ChildProcess | undefined;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed CLI output
type Json = any;

function meshctl(home: string, ...args: string[]): Promise<{ code: number; json: Json }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BINARIES.meshctl, '--json', ...args],
      {
        env: { ...process.env, MESH_HOME: home, MESH_SOCKET: '' },
        timeout: 600_000,
        maxBuffer: 16 << 20,
      },
      (error, out, err) => {
        let json: unknown;
        try {
          json = JSON.parse(error ? err : out);
        } catch {
          json = { raw: out + err };
        }
        resolve({ code: error ? 1 : 0, json });
      },
    );
  });
}

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'mesh-compose-'));
  const tarballs = path.join(work, 'tarballs');
  mkdirSync(tarballs);
  for (const dir of DAEMON_PACKAGES)
    await run('npx', ['-y', 'pnpm@10.34.8', 'pack', '--pack-destination', tarballs], {
      cwd: path.join(repo, dir),
    });
  rendezvous = await startRendezvous();
}, 600_000);

afterAll(async () => {
  if (daemon && daemon.exitCode === null) {
    const gone = new Promise((r) => daemon?.once('exit', r));
    daemon.kill('SIGTERM');
    await gone;
  }
  await rendezvous?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('meshctl compose', () => {
  it('writes one import line per plugin, then meshd', () => {
    expect(composeEntry(['@a/x', 'y'])).toContain(
      "import '@a/x';\nimport 'y';\nimport 'meshd/core';",
    );
  });

  it('composes a daemon from tarballs with npm; it runs with exactly the chosen plugins', async () => {
    const tarballs = readdirSync(path.join(work, 'tarballs')).map((f) =>
      path.join(work, 'tarballs', f),
    );
    const meshdTarball = tarballs.find((f) => path.basename(f).startsWith('meshd-'))!;
    const tarballOf = (pkg: string): string =>
      tarballs.find((f) => path.basename(f).startsWith(pkg.slice(1).replace('/', '-') + '-'))!;
    const plugins = PLUGINS.map((p) => tarballOf(p.pkg));
    const others = tarballs.filter((f) => f !== meshdTarball && !plugins.includes(f));
    const out = path.join(work, 'my-daemon');
    const composed = await meshctl(
      path.join(work, 'home-compose'),
      'compose',
      out,
      ...plugins,
      '--meshd',
      meshdTarball,
      '--with',
      others.join(','),
    );
    expect(composed.json).toMatchObject({ status: 'ok', data: { installed: true } });
    const entry = readFileSync(path.join(out, 'daemon.js'), 'utf8');
    for (const p of PLUGINS) expect(entry).toContain(`import '${p.pkg}';`);
    expect(entry).toContain("import 'meshd/core';");

    const home = path.join(work, 'home-daemon');
    daemon = spawn(
      process.execPath,
      [
        path.join(out, 'daemon.js'),
        '--registry',
        rendezvous!.registry,
        '--beacon',
        rendezvous!.beacon,
        '--listen',
        '127.0.0.1:0',
      ],
      { env: { ...process.env, MESH_HOME: home, MESH_SOCKET: '' }, stdio: 'ignore' },
    );
    let listed: { code: number; json: Json };
    for (;;) {
      listed = await meshctl(home, 'plugins');
      if (listed.code === 0) break;
      if (daemon.exitCode !== null)
        throw new Error(`the composed daemon exited with ${daemon.exitCode}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const names = (listed.json.data.plugins as Array<{ name: string }>).map((p) => p.name).sort();
    expect(names).toEqual(PLUGINS.map((p) => p.name).sort());
    for (const p of PLUGINS) expect((await meshctl(home, 'call', p.method)).code).toBe(0);
  }, 600_000);
});
