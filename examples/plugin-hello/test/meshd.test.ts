// The plugin inside a real daemon, the way a user of this project runs it: build with tsc, start
// mesh-rendezvous, `meshctl daemon start --plugins ./dist/index.js`, then `meshctl call hello.greet`.
// The three binaries come from this project's node_modules (npm install -D meshctl meshd mesh-rendezvous).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';

const project = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(project, 'package.json'));
/** The entry script of an installed binary package. */
const bin = (pkg: string, file: string): string =>
  path.join(path.dirname(require.resolve(`${pkg}/package.json`)), 'bin', file);

let home = '';
let rendezvous: ChildProcess | undefined;
let registry = '';

interface Run {
  code: number;
  out: string;
  err: string;
}

function run(file: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [file, ...args],
      {
        cwd: project,
        // MESH_MESHD: the meshd that `daemon start` runs (otherwise `meshd` from PATH).
        env: {
          ...process.env,
          MESH_HOME: home,
          MESH_SOCKET: '',
          MESH_MESHD: bin('meshd', 'meshd.js'),
        },
        timeout: 60_000,
      },
      (error, out, err) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, out, err });
      },
    );
  });
}

const meshctl = (...args: string[]): Promise<Run> => run(bin('meshctl', 'meshctl.js'), args);

beforeAll(async () => {
  home = mkdtempSync(path.join(tmpdir(), 'plugin-hello-'));
  // npm run build: the daemon loads the compiled JavaScript.
  const build = await run(path.join(path.dirname(require.resolve('typescript')), 'tsc.js'), [
    '-p',
    'tsconfig.json',
  ]);
  expect(build.code, build.out + build.err).toBe(0);
  const proc = spawn(
    process.execPath,
    [
      bin('mesh-rendezvous', 'mesh-rendezvous.js'),
      '--registry-addr',
      '127.0.0.1:0',
      '--beacon-addr',
      '127.0.0.1:0',
      '--ws-addr',
      '',
      '--store',
      ':memory:',
    ],
    { cwd: home, stdio: ['ignore', 'pipe', 'ignore'] },
  );
  rendezvous = proc;
  registry = await new Promise<string>((resolve, reject) => {
    let buf = '';
    proc.stdout!.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      const line = buf.split('\n').find((l) => l.includes('"ready"'));
      if (line) resolve((JSON.parse(line) as { registry: string }).registry);
    });
    proc.once('exit', (code) => reject(new Error(`mesh-rendezvous exited (${code})`)));
  });
}, 120_000);

afterAll(async () => {
  await meshctl('daemon', 'stop');
  if (rendezvous !== undefined && rendezvous.exitCode === null) {
    const gone = new Promise((resolve) => rendezvous!.once('exit', resolve));
    rendezvous.kill('SIGTERM');
    await gone;
  }
  rmSync(home, { recursive: true, force: true });
});

it('loads into meshd with --plugins and answers hello.greet', async () => {
  const start = await meshctl(
    'daemon',
    'start',
    '--registry',
    registry,
    '--listen',
    '127.0.0.1:0',
    '--plugins',
    './dist/index.js',
    '--json',
  );
  expect(start.code, start.err).toBe(0);
  const nodeId = (JSON.parse(start.out) as { data: { node_id: number } }).data.node_id;

  const plugins = await meshctl('plugins', '--json');
  expect(JSON.parse(plugins.out).data.plugins).toContainEqual(
    expect.objectContaining({ name: 'hello', version: '0.1.0', methods: ['hello.greet'] }),
  );
  const greet = await meshctl('call', 'hello.greet', '--json');
  expect(greet.code, greet.err).toBe(0);
  expect(JSON.parse(greet.out).data).toEqual({ hello: nodeId });
}, 60_000);
