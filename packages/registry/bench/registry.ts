// Registry benchmark: lookups per second in binary vs JSON mode with 100 000 registered nodes,
// RSS at 100 000 nodes, and restart (load) time of the SQLite store. Run: pnpm --filter @mesh/registry run bench
// (after `pnpm --filter @mesh/registry... run build`). NODES=… LOOKUPS=… CONNS=… override the sizes.
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { openSqliteStore } from '@mesh/registry';
import type { NodeRecord, StoreWrite } from '@mesh/registry';
import { RegistryClient } from '@mesh/registry-client';

const NODES = Number(process.env['NODES'] ?? 100_000);
const LOOKUPS = Number(process.env['LOOKUPS'] ?? 40_000);
const CONNS = Number(process.env['CONNS'] ?? 4);
const mb = (b: number): string => `${(b / 1024 / 1024).toFixed(1)} MiB`;

const dir = mkdtempSync(path.join(tmpdir(), 'mesh-registry-bench-'));
const storePath = path.join(dir, 'registry.db');

try {
  // 1. Seed the store directly (one transaction per 10 000 nodes).
  const seedStart = performance.now();
  const store = await openSqliteStore(storePath);
  const now = Date.now();
  for (let base = 1; base <= NODES; base += 10_000) {
    const writes: StoreWrite[] = [];
    for (let id = base; id < Math.min(base + 10_000, NODES + 1); id++) {
      const publicKey = randomBytes(32).toString('base64');
      const node: NodeRecord = {
        id,
        publicKey,
        realAddr: `10.${(id >> 16) & 255}.${(id >> 8) & 255}.${id & 255}:4000`,
        lanAddrs: [],
        networks: [0],
        public: id % 2 === 0,
        hostname: `node-${id}`,
        tags: ['bench'],
        taskExec: false,
        relayOnly: false,
        lastSeen: now,
        keyCreatedAt: now,
      };
      writes.push({ kind: 'node', node }, { kind: 'keyIndex', publicKey, nodeId: id });
    }
    await store.apply(writes);
  }
  await store.apply([{ kind: 'meta', key: 'next_node', value: NODES + 1 }]);
  await store.close();
  const seedMs = performance.now() - seedStart;

  // 2. Restart time and RSS: a fresh server process loads the whole store.
  const child = fork(fileURLToPath(new URL('./server-child.ts', import.meta.url)), [storePath], {
    execArgv: ['--import', 'tsx', '--expose-gc'],
  });
  const info = await new Promise<{
    port: number;
    restartMs: number;
    rssBefore: number;
    rssAfter: number;
  }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as never));
    child.once('exit', (code) => reject(new Error(`server child exited (${code})`)));
  });
  const { port, restartMs, rssBefore, rssAfter } = info;

  // 3. Lookups per second, JSON (baseline) then binary, CONNS connections in parallel.
  const rate = async (mode: 'binary' | 'json'): Promise<number> => {
    const clients = Array.from({ length: CONNS }, () => new RegistryClient({ port, mode }));
    await Promise.all(clients.map((c) => c.lookup(1)));
    const per = Math.floor(LOOKUPS / CONNS);
    const start = performance.now();
    await Promise.all(
      clients.map(async (c, k) => {
        for (let i = 0; i < per; i++) await c.lookup(1 + ((i * 7919 + k * 104_729) % NODES));
      }),
    );
    const secs = (performance.now() - start) / 1000;
    await Promise.all(clients.map((c) => c.close()));
    return (per * CONNS) / secs;
  };
  // Alternate the modes and keep each one's best round, so JIT warm-up and noise favour neither.
  let json = 0;
  let binary = 0;
  for (let round = 0; round < 3; round++) {
    json = Math.max(json, await rate('json'));
    binary = Math.max(binary, await rate('binary'));
  }
  child.send('stop');
  await new Promise((resolve) => child.once('exit', resolve));

  const rows = [
    ['nodes', String(NODES)],
    ['seed (direct store writes)', `${seedMs.toFixed(0)} ms`],
    ['restart: open + load store', `${restartMs.toFixed(0)} ms`],
    ['server RSS before load', mb(rssBefore)],
    [
      'server RSS at 100k-node load'.replace('100k', String(NODES)),
      `${mb(rssAfter)} (+${mb(rssAfter - rssBefore)})`,
    ],
    [`lookups/s JSON mode (baseline, ${CONNS} conns)`, json.toFixed(0)],
    [
      `lookups/s binary mode (${CONNS} conns)`,
      `${binary.toFixed(0)} (${(binary / json).toFixed(2)}× JSON)`,
    ],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  for (const [k, v] of rows) process.stdout.write(`${k.padEnd(w)}  ${v}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
