// Cold `meshctl info` latency and daemon start-to-ready time, against a real rendezvous.
// Baseline in the same run: a bare `node -e ''` start (the floor any Node CLI pays).
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect } from '@mesh/client';
import { BINARIES, assertBuilt, startRendezvous } from '../scripts/local-mesh.js';

const { meshctl: MESHCTL, meshd: MESHD } = BINARIES;
assertBuilt(BINARIES);

const RUNS = Number(process.env['RUNS'] ?? 10);
const root = mkdtempSync(path.join(tmpdir(), 'meshctl-bench-'));

function run(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) =>
    execFile(process.execPath, args, { env }, (err) =>
      err ? reject(new Error(err.message)) : resolve(performance.now() - t0),
    ),
  );
}

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const p = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return `median ${p(0.5).toFixed(1)} ms   p90 ${p(0.9).toFixed(1)} ms   min ${s[0].toFixed(1)} ms`;
}

async function waitReady(socketPath: string, child: ChildProcess): Promise<void> {
  for (;;) {
    if (child.exitCode !== null) throw new Error('meshd exited during start');
    try {
      const c = await connect({ socketPath, timeoutMs: 1000 });
      await c.close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

const rdv = await startRendezvous();
const ready = rdv;

try {
  const nodeStart: number[] = [];
  for (let i = 0; i < RUNS; i++) nodeStart.push(await run(['-e', '']));

  const home = path.join(root, 'd');
  const env = { ...process.env, MESH_HOME: home, MESH_SOCKET: '' };
  const startToReady: number[] = [];
  let daemon: ChildProcess | undefined;
  for (let i = 0; i < Math.max(3, Math.floor(RUNS / 2)); i++) {
    const t0 = performance.now();
    daemon = spawn(
      process.execPath,
      [MESHD, '--registry', ready.registry, '--listen', '127.0.0.1:0'],
      { env, stdio: 'ignore' },
    );
    await waitReady(path.join(home, 'mesh.sock'), daemon);
    startToReady.push(performance.now() - t0);
    if (i < Math.max(3, Math.floor(RUNS / 2)) - 1) {
      const gone = new Promise((r) => daemon!.once('exit', r));
      daemon.kill('SIGTERM');
      await gone;
    }
  }

  const cold: number[] = [];
  for (let i = 0; i < RUNS; i++) cold.push(await run([MESHCTL, 'info', '--json'], env));

  const warm: number[] = [];
  const client = await connect(path.join(home, 'mesh.sock'));
  for (let i = 0; i < RUNS * 10; i++) {
    const t0 = performance.now();
    await client.info();
    warm.push(performance.now() - t0);
  }
  await client.close();
  const gone = new Promise((r) => daemon!.once('exit', r));
  daemon!.kill('SIGTERM');
  await gone;

  console.log(
    `meshctl / meshd latency (${RUNS} runs, node ${process.version}, ${process.platform})`,
  );
  console.log(`  baseline: node -e ''                 ${stats(nodeStart)}`);
  console.log(`  meshctl info --json (cold process)   ${stats(cold)}`);
  console.log(`  info over IPC (warm SDK connection)  ${stats(warm)}`);
  console.log(`  meshd start → IPC ready              ${stats(startToReady)}`);
} finally {
  await rdv.stop();
  rmSync(root, { recursive: true, force: true });
}
