// Start-up and footprint of the binaries users run, each beside bare `node` in the same run:
//   - meshd start → ready (the IPC socket answers hello + info), against a local rendezvous;
//   - a cold `meshctl info --json` process, beside `node -e ''`;
//   - meshd's idle RSS once settled, beside an idle bare node and a bare node unix-socket server.
// Runs interleave (node, meshd, meshctl, …) so load from other jobs hits every row alike.
// Linux only (RSS from /proc). Run: node bench/startup.js   (RUNS=10, SETTLE_MS=3000)
// MESHD / MESHCTL point at another build (e.g. an unbundled one) to compare in one run.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  BINARIES,
  assertBuilt,
  loadClient,
  row,
  rssOf,
  startMeshd,
  startRendezvous,
  stats,
  stopChild,
  timeNode,
} from './lib/mesh.js';

const RUNS = Number(process.env.RUNS ?? 10);
const SETTLE_MS = Number(process.env.SETTLE_MS ?? 3000);
assertBuilt();
const client = await loadClient();
const dir = mkdtempSync(path.join(tmpdir(), 'mesh-bench-startup-'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const fmt = (s) => `median ${s.median.toFixed(1)} ms   p90 ${s.p90.toFixed(1)} ms   min ${s.min.toFixed(1)} ms`;

/** Spawns a node process that stays up, waits for its "up" line. */
async function bareNode(code) {
  const proc = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise((resolve) => proc.stdout.once('data', resolve));
  return proc;
}

const rendezvous = await startRendezvous();
try {
  const bare = [];
  const ready = [];
  const cold = [];
  const idle = { meshd: [], node: [], server: [] };
  for (let i = 0; i < RUNS; i++) {
    bare.push(await timeNode(['-e', '']));
    const home = path.join(dir, `d${i}`);
    const d = await startMeshd(client, { home, rendezvous });
    ready.push(d.readyMs);
    cold.push(await timeNode([BINARIES.meshctl, 'info', '--json'], d.env));
    if (i < 3) {
      // Idle RSS: the daemon and both baselines settle side by side for the same time.
      const node = await bareNode("setInterval(() => {}, 1e9); console.log('up')");
      const server = await bareNode(
        `require('node:net').createServer().listen(${JSON.stringify(path.join(dir, `s${i}.sock`))}, () => console.log('up'))`,
      );
      await sleep(SETTLE_MS);
      idle.meshd.push(rssOf(d.proc.pid).rss);
      idle.node.push(rssOf(node.pid).rss);
      idle.server.push(rssOf(server.pid).rss);
      await Promise.all([stopChild(node), stopChild(server)]);
    }
    await d.stop();
  }
  const b = stats(bare);
  const c = stats(cold);
  const mb = (xs) => `${stats(xs).median.toFixed(1)} MB`;
  console.log(`start-up and footprint (${RUNS} runs, node ${process.version}, ${process.platform})`);
  console.log(`  meshd: ${BINARIES.meshd}\n  meshctl: ${BINARIES.meshctl}`);
  row("baseline: node -e ''", fmt(b));
  row('meshd start → ready (IPC hello + info)', fmt(stats(ready)));
  row('meshctl info --json, cold process', fmt(c));
  row('  ratio to bare node (median / min)', `${(c.median / b.median).toFixed(2)}× / ${(c.min / b.min).toFixed(2)}×`);
  row(`meshd idle RSS (after ${SETTLE_MS} ms settled, median of ${idle.meshd.length})`, mb(idle.meshd));
  row('  baseline: bare node, idle', mb(idle.node));
  row('  baseline: bare node unix-socket server, idle', mb(idle.server));
} finally {
  await rendezvous.stop();
  rmSync(dir, { recursive: true, force: true });
}
