// What the repository-level benchmarks share: the built binaries (overridable, so a bundled and an
// unbundled build can be measured in one run), a rendezvous child process on loopback, meshd
// daemons started and waited on until their IPC socket answers, and resident-set readings.
// Plain JavaScript on purpose: `node bench/<file>.js` runs without a TypeScript loader, whose own
// start-up cost would blur the start-up figures.
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// Every child still running when the bench exits (a failed run included) is stopped with it.
const children = new Set();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** Tracks a child until it exits, so it is stopped with the bench. */
export function track(proc) {
  children.add(proc);
  proc.once('exit', () => children.delete(proc));
  return proc;
}

/** The built entry points; MESHD, MESHCTL and RENDEZVOUS in the environment override them. */
export const BINARIES = {
  meshd: process.env.MESHD ?? path.join(root, 'apps/meshd/dist/index.js'),
  meshctl: process.env.MESHCTL ?? path.join(root, 'apps/meshctl/dist/index.js'),
  rendezvous: process.env.RENDEZVOUS ?? path.join(root, 'apps/rendezvous/dist/index.js'),
};

/** Throws, naming the build command, when a binary has not been built. */
export function assertBuilt() {
  for (const [name, file] of Object.entries(BINARIES))
    if (!existsSync(file))
      throw new Error(
        `${name} is not built (${file}): run "pnpm turbo run build --filter=meshctl..."`,
      );
}

/** `@mesh/client` from its build: the bench speaks the same IPC as meshctl (hello + info). */
export async function loadClient() {
  return import(pathToFileURL(path.join(root, 'packages/client/dist/index.js')).href);
}

/**
 * Runs `node ...args` to completion.
 * @returns wall time in ms from spawn to exit.
 */
export function timeNode(args, env = process.env) {
  const t0 = performance.now();
  return new Promise((resolve, reject) =>
    execFile(process.execPath, args, { env, maxBuffer: 64 << 20 }, (err, _out, errOut) =>
      err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(performance.now() - t0),
    ),
  );
}

/** Starts mesh-rendezvous on loopback ports with an in-memory store; resolves when it is ready. */
export async function startRendezvous() {
  const proc = spawn(
    process.execPath,
    [
      BINARIES.rendezvous,
      '--registry-addr',
      '127.0.0.1:0',
      '--beacon-addr',
      '127.0.0.1:0',
      '--ws-addr',
      '',
      '--store',
      ':memory:',
    ],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  track(proc);
  const ready = await new Promise((resolve, reject) => {
    let buf = '';
    proc.stdout.on('data', (c) => {
      buf += c.toString();
      const line = buf.split('\n').find((l) => l.includes('"ready"'));
      if (line) resolve(JSON.parse(line));
    });
    proc.once('exit', (code) => reject(new Error(`mesh-rendezvous exited (${code}) before ready`)));
  });
  return { proc, registry: ready.registry, beacon: ready.beacon, stop: () => stopChild(proc) };
}

/** SIGTERM, then waits for the exit. */
export async function stopChild(proc) {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const gone = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  await gone;
}

/**
 * Waits until the daemon's IPC socket answers hello and `info` (what meshctl needs of it).
 * Polls every 2 ms: the socket appears at a moment no event announces to another process.
 */
export async function waitReady(client, socketPath, proc) {
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`meshd exited during start (${proc.startLog})`);
    try {
      const c = await client.connect({ socketPath, timeoutMs: 1000 });
      try {
        return await c.info();
      } finally {
        await c.close();
      }
    } catch {
      await new Promise((r) => setTimeout(r, 2));
    }
  }
}

/**
 * Spawns meshd (`meshd`: another build's entry) with `MESH_HOME=home` against a rendezvous and
 * resolves once it is ready.
 * @returns the child, its socket path and the start-to-ready time in ms.
 */
export async function startMeshd(client, { home, rendezvous, args = [], meshd = BINARIES.meshd }) {
  const socketPath = path.join(home, 'mesh.sock');
  const env = { ...process.env, MESH_HOME: home, MESH_SOCKET: '' };
  const t0 = performance.now();
  const proc = spawn(
    process.execPath,
    [
      meshd,
      '--registry',
      rendezvous.registry,
      '--beacon',
      rendezvous.beacon,
      '--listen',
      '127.0.0.1:0',
      ...args,
    ],
    { env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  track(proc);
  // The log's tail, for the error when the daemon exits during start.
  let log = '';
  proc.stderr.on('data', (c) => (log = (log + c.toString()).slice(-2000)));
  proc.once('exit', (code) => (proc.startLog = `exit ${code}: ${log}`));
  const info = await waitReady(client, socketPath, proc);
  return {
    proc,
    socketPath,
    env,
    info,
    readyMs: performance.now() - t0,
    stop: () => stopChild(proc),
  };
}

/** `VmRSS` (current) and `VmHWM` (peak) of a process in MiB, from /proc (Linux only). */
export function rssOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/** Median, p90 and min of a list of milliseconds. */
export function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { median: at(0.5), p90: at(0.9), min: s[0] };
}

/** One aligned result line. */
export function row(name, value) {
  console.log(`  ${name.padEnd(50)} ${value}`);
}
