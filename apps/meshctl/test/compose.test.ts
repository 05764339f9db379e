// meshctl compose end to end: pack the daemon's packages and two plugins the way npm publishes
// them, compose a daemon from the tarballs with plain npm, run it, and see exactly those plugins.
// The plugin list is a parameter: two small plugins of this test today; the handshake and
// webhook plugin packages once they are in the workspace.
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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
  'packages/plugin-host',
  'packages/goplugin',
];

/** A plugin to compose: its name as `meshctl plugins` shows it, and how to get its tarball. */
interface ComposedPlugin {
  readonly name: string;
  pack(into: string): Promise<void>;
}

/** A minimal plugin package (registers itself on import, peer-depends on the contract). */
function testPlugin(name: string): ComposedPlugin {
  return {
    name,
    pack: async (into) => {
      const dir = path.join(into, `src-${name}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        path.join(dir, 'package.json'),
        JSON.stringify({
          name: `@mesh-test/plugin-${name}`,
          version: '0.1.0',
          type: 'module',
          sideEffects: true,
          exports: './index.js',
          peerDependencies: { '@mesh/daemonapi': '^0.2.0' },
        }),
      );
      writeFileSync(
        path.join(dir, 'index.js'),
        `import { registerPlugin } from '@mesh/daemonapi';\n` +
          `registerPlugin('${name}', () => ({ name: '${name}', version: '0.1.0', init(d) { this.stop = d.registerMethod('${name}.hi', () => '${name}'); }, shutdown() { this.stop?.(); } }));\n`,
      );
      await run('npm', ['pack', '--pack-destination', into, '--loglevel=error'], { cwd: dir });
    },
  };
}

const PLUGINS: readonly ComposedPlugin[] = [testPlugin('alpha'), testPlugin('beta')];

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
  const pluginTarballs = path.join(work, 'plugins');
  mkdirSync(pluginTarballs);
  for (const p of PLUGINS) await p.pack(pluginTarballs);
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
    expect(composeEntry(['@a/x', 'y'])).toContain("import '@a/x';\nimport 'y';\nimport 'meshd';");
  });

  it('composes a daemon from tarballs with npm; it runs with exactly the chosen plugins', async () => {
    const tarballs = readdirSync(path.join(work, 'tarballs')).map((f) =>
      path.join(work, 'tarballs', f),
    );
    const meshdTarball = tarballs.find((f) => path.basename(f).startsWith('meshd-'))!;
    const others = tarballs.filter((f) => f !== meshdTarball);
    const plugins = readdirSync(path.join(work, 'plugins'))
      .filter((f) => f.endsWith('.tgz'))
      .map((f) => path.join(work, 'plugins', f));
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
    for (const p of PLUGINS) expect(entry).toContain(`import '@mesh-test/plugin-${p.name}';`);

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
    expect((await meshctl(home, 'call', PLUGINS[0].name + '.hi')).json.data).toBe(PLUGINS[0].name);
  }, 600_000);
});
