/**
 * Stream throughput with and without the policy gate: two in-process daemons (real UDP on
 * loopback, in-process registry and beacon) in one network; each round streams 8 MiB over a new
 * connection. "gated" runs a 20-rule policy on both daemons (the gate judges the SYN on both
 * sides); "baseline" runs no policy. Rounds alternate; the best of each is reported.
 * Run: pnpm --filter meshd run bench
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Beacon } from '@mesh/beacon';
import { Daemon } from '@mesh/daemon';
import { PolicyManagerKey } from '@mesh/daemonapi';
import { PolicyRunnerManager } from '@mesh/plugin-policy';
import { MemoryStore, RegistryServer } from '@mesh/registry';

const ADMIN = 'bench-admin';
const BYTES = 8 * 1024 * 1024;
const PORT = 5000;

const registry = new RegistryServer({
  host: '127.0.0.1',
  port: 0,
  store: new MemoryStore(),
  adminToken: ADMIN,
});
await registry.listen();
const beacon = new Beacon({ udp: { host: '127.0.0.1', port: 0 } });
await beacon.listen();
const dirs: string[] = [];
async function daemon(): Promise<Daemon> {
  const dir = await mkdtemp(path.join(tmpdir(), 'mesh-bench-'));
  dirs.push(dir);
  const d = new Daemon({
    registry: `127.0.0.1:${registry.address().port}`,
    beacon: `127.0.0.1:${beacon.address().udp!.port}`,
    listen: '127.0.0.1:0',
    identityPath: path.join(dir, 'identity.json'),
    public: true,
    loadPlugins: false,
  });
  await d.start();
  return d;
}
const a = await daemon();
const b = await daemon();
const { networkId } = await a
  .rawRegistryClient()!
  .createNetwork({ name: 'bench', adminToken: ADMIN, nodeId: a.nodeId() });
await b.rawRegistryClient()!.joinNetwork({ networkId });

const rules = Array.from({ length: 19 }, (_, i) => ({
  name: `r${i}`,
  on: i % 3 === 0 ? 'connect' : i % 3 === 1 ? 'dial' : 'datagram',
  match: `port == ${10_000 + i} && has_tag(peer_tags, "t${i}")`,
  actions: [{ type: 'deny' }],
}));
rules.push({ name: 'allow', on: 'connect', match: 'true', actions: [{ type: 'allow' }] });
const policy = JSON.stringify({ version: 1, default_verdict: 'allow', rules });
const logger = { debug() {}, info() {}, warn() {}, error() {} };
const managers = [a, b].map((d) => new PolicyRunnerManager({ daemon: d, logger }));

const listener = b.listen(PORT);
void (async () => {
  for (;;) {
    let conn;
    try {
      conn = await listener.accept();
    } catch {
      return;
    }
    conn.on('data', () => undefined);
    conn.on('end', () => conn.end());
    conn.on('error', () => undefined);
  }
})();

async function round(): Promise<number> {
  const chunk = Buffer.alloc(64 * 1024, 7);
  const start = process.hrtime.bigint();
  const conn = await a.dial(b.addr(), PORT);
  for (let sent = 0; sent < BYTES; sent += chunk.length) {
    if (!conn.write(chunk)) await new Promise((r) => conn.once('drain', r));
  }
  conn.end();
  await new Promise<void>((resolve) => {
    conn.on('close', () => resolve());
    conn.on('end', () => resolve());
    conn.resume();
  });
  const s = Number(process.hrtime.bigint() - start) / 1e9;
  return BYTES / 1024 / 1024 / s;
}

const removers: (() => void)[] = [];
async function gate(on: boolean): Promise<void> {
  for (const r of removers.splice(0)) r();
  if (!on) return;
  for (const [i, d] of [a, b].entries()) {
    const runner = await managers[i]!.start(networkId, policy);
    await runner.reconcileNow();
    removers.push(d.services().provide(PolicyManagerKey, managers[i]!));
  }
}

const best = { baseline: 0, gated: 0 };
for (let i = 0; i < 3; i++) {
  await gate(false);
  best.baseline = Math.max(best.baseline, await round());
  await gate(true);
  best.gated = Math.max(best.gated, await round());
}
const status = managers[1]!.get(networkId)!.status();
console.log(`stream 8 MiB, baseline (no policy): ${best.baseline.toFixed(1)} MiB/s`);
console.log(`stream 8 MiB, 20-rule policy gate:  ${best.gated.toFixed(1)} MiB/s`);
console.log(
  `cost: ${(((best.baseline - best.gated) / best.baseline) * 100).toFixed(1)} % (gate evaluations on b: ${String(status['gate_evaluations'])})`,
);

await gate(false);
for (const m of managers) await m.stopAll();
listener.close();
await a.stop();
await b.stop();
await registry.close();
await beacon.close();
for (const d of dirs) await rm(d, { recursive: true, force: true });
