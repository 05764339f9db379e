// Start-up and footprint of the binaries users run, each beside bare `node` in the same run:
//   - meshd start → ready (the IPC socket answers hello + info), against a local rendezvous;
//   - a cold `meshctl info --json` process, beside `node -e ''`;
//   - meshd's idle RSS once settled, beside an idle bare node and a bare node unix-socket server.
// Runs interleave (node, then each build's meshd and meshctl, …) so load from other jobs hits
// every row alike. Linux only (RSS from /proc).
// Run: node bench/startup.js   (RUNS=10, SETTLE_MS=3000)
// Several builds in one run: BUILDS='bundled=apps/meshd/dist/index.js,apps/meshctl/dist/index.js;
// unbundled=<meshd entry>,<meshctl entry>' (see bench/README.md for making an unbundled build).
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
  track,
} from './lib/mesh.js';

const RUNS = Number(process.env.RUNS ?? 10);
const SETTLE_MS = Number(process.env.SETTLE_MS ?? 3000);
const IDLE_RUNS = Math.min(RUNS, 3);
assertBuilt();
const builds = (process.env.BUILDS ?? `build=${BINARIES.meshd},${BINARIES.meshctl}`)
  .split(';')
  .map((spec) => {
    const [label, files] = spec.split('=');
    const [meshd, meshctl] = files.split(',').map((f) => path.resolve(f));
    return { label, meshd, meshctl, ready: [], cold: [], idle: [] };
  });
const client = await loadClient();
const dir = mkdtempSync(path.join(tmpdir(), 'mesh-bench-startup-'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const fmt = (s) =>
  `median ${s.median.toFixed(1)} ms   p90 ${s.p90.toFixed(1)} ms   min ${s.min.toFixed(1)} ms`;
const mb = (xs) => `${stats(xs).median.toFixed(1)} MB`;

/** Spawns a node process that stays up; resolves at its "up" line. */
async function bareNode(code) {
  const proc = track(
    spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'ignore'] }),
  );
  await new Promise((resolve) => proc.stdout.once('data', resolve));
  return proc;
}

const rendezvous = await startRendezvous();
try {
  const bare = [];
  const idle = { node: [], server: [] };
  // One home per build, reused by every run: the registry rate-limits new registrations per
  // address, and users restart a daemon with the identity it already has. The first start (it
  // creates the identity and warms the file cache) is not counted.
  for (const b of builds) {
    b.home = path.join(dir, b.label);
    await (await startMeshd(client, { home: b.home, rendezvous, meshd: b.meshd })).stop();
  }
  for (let i = 0; i < RUNS; i++) {
    bare.push(await timeNode(['-e', '']));
    const running = [];
    for (const b of builds) {
      const d = await startMeshd(client, { home: b.home, rendezvous, meshd: b.meshd });
      b.ready.push(d.readyMs);
      b.cold.push(await timeNode([b.meshctl, 'info', '--json'], d.env));
      running.push({ b, d });
    }
    if (i < IDLE_RUNS) {
      // Idle RSS: every build's daemon and both baselines settle side by side for the same time.
      const node = await bareNode("setInterval(() => {}, 1e9); console.log('up')");
      const server = await bareNode(
        `require('node:net').createServer().listen(${JSON.stringify(path.join(dir, `s${i}.sock`))}, () => console.log('up'))`,
      );
      await sleep(SETTLE_MS);
      for (const { b, d } of running) b.idle.push(rssOf(d.proc.pid).rss);
      idle.node.push(rssOf(node.pid).rss);
      idle.server.push(rssOf(server.pid).rss);
      await Promise.all([stopChild(node), stopChild(server)]);
    }
    for (const { d } of running) await d.stop();
  }
  const b = stats(bare);
  console.log(
    `start-up and footprint (${RUNS} runs, node ${process.version}, ${process.platform})`,
  );
  row("baseline: node -e ''", fmt(b));
  row(`baseline: bare node idle RSS (median of ${IDLE_RUNS})`, mb(idle.node));
  row('baseline: bare node unix-socket server idle RSS', mb(idle.server));
  for (const build of builds) {
    const c = stats(build.cold);
    console.log(
      `${build.label}: ${path.relative(process.cwd(), build.meshd)}, ${path.relative(process.cwd(), build.meshctl)}`,
    );
    row('meshd start → ready (IPC hello + info)', fmt(stats(build.ready)));
    row('meshctl info --json, cold process', fmt(c));
    row(
      '  ratio to bare node (median / min)',
      `${(c.median / b.median).toFixed(2)}× / ${(c.min / b.min).toFixed(2)}×`,
    );
    row(`meshd idle RSS (${SETTLE_MS} ms after ready)`, mb(build.idle));
  }
} finally {
  await rendezvous.stop();
  rmSync(dir, { recursive: true, force: true });
}
