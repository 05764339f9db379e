// PostgreSQL store benchmark: NODES (default 1 000 000) registered nodes, bulk-loaded into a
// throwaway PostgreSQL 15 cluster (multi-row INSERT … SELECT unnest) and, in the same run, into
// the SQLite store. Measures time to ready and RSS of a registry instance, then lookups and
// heartbeats per second through one SQLite instance, one PostgreSQL instance and two
// PostgreSQL instances. Run: pnpm --filter @mesh/registry run bench:postgres (as root: the
// cluster runs as the `postgres` user). NODES=… OPS=… CONNS=… override the sizes.
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openPostgresStore, openSqliteStore } from '@mesh/registry';
import type { NodeRecord, StoreWrite } from '@mesh/registry';
import { RegistryClient } from '@mesh/registry-client';
import { startCluster, stopCluster } from '../test/postgres/cluster.js';

const NODES = Number(process.env['NODES'] ?? 1_000_000);
const OPS = Number(process.env['OPS'] ?? 40_000);
const CONNS = Number(process.env['CONNS'] ?? 8);
/** Nodes with real keys, for signed heartbeats. */
const SIGNERS = 256;
const mb = (b: number): string => `${(b / 1024 / 1024).toFixed(0)} MiB`;

interface Signer {
  readonly publicKey: string;
  readonly privateKey: KeyObject;
}
const signers: Signer[] = Array.from({ length: SIGNERS }, () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const x = publicKey.export({ format: 'jwk' }).x!;
  return { publicKey: Buffer.from(x, 'base64url').toString('base64'), privateKey };
});

function node(id: number, now: number): NodeRecord {
  return {
    id,
    publicKey: id <= SIGNERS ? signers[id - 1].publicKey : randomBytes(32).toString('base64'),
    realAddr: `10.${(id >> 16) & 255}.${(id >> 8) & 255}.${id & 255}:4000`,
    lanAddrs: [],
    networks: [0],
    public: true,
    hostname: `node-${id}`,
    tags: ['bench'],
    taskExec: false,
    relayOnly: false,
    lastSeen: now,
    keyCreatedAt: now,
  };
}

/** Instance child: loads the store, reports time to ready and RSS. */
async function instance(
  storePath: string,
): Promise<{ child: ChildProcess; port: number; readyMs: number; rss: number }> {
  const child = fork(fileURLToPath(new URL('./server-child.ts', import.meta.url)), [storePath], {
    execArgv: ['--import', 'tsx', '--expose-gc', '--max-old-space-size=4096'],
  });
  const info = await new Promise<{ port: number; restartMs: number; rssAfter: number }>(
    (resolve, reject) => {
      child.once('message', (m) => resolve(m as never));
      child.once('exit', (code) => reject(new Error(`server child exited (${code})`)));
    },
  );
  return { child, port: info.port, readyMs: info.restartMs, rss: info.rssAfter };
}

async function stop(child: ChildProcess): Promise<void> {
  const gone = new Promise((r) => child.once('exit', r));
  child.send('stop');
  await gone;
}

/** Operations per second over CONNS connections spread across `ports`. */
async function rate(ports: number[], op: 'lookup' | 'heartbeat'): Promise<number> {
  const clients = Array.from({ length: CONNS }, (_, k) => {
    const id = 1 + (k % SIGNERS);
    const sig = sign(null, Buffer.from(`heartbeat:${id}`), signers[id - 1].privateKey);
    return new RegistryClient({
      port: ports[k % ports.length],
      nodeId: id,
      signer: () => sig,
    });
  });
  await Promise.all(clients.map((c) => c.lookup(1)));
  const per = Math.floor(OPS / CONNS);
  const start = performance.now();
  await Promise.all(
    clients.map(async (c, k) => {
      for (let i = 0; i < per; i++) {
        if (op === 'lookup') await c.lookup(1 + ((i * 7919 + k * 104_729) % NODES));
        else await c.heartbeat();
      }
    }),
  );
  const secs = (performance.now() - start) / 1000;
  await Promise.all(clients.map((c) => c.close()));
  return Math.round((per * CONNS) / secs);
}

const dir = mkdtempSync(path.join(tmpdir(), 'mesh-registry-pg-bench-'));
const cluster = await startCluster();
const rows: string[][] = [];
try {
  const now = Date.now();
  // 1. Bulk-load PostgreSQL (schema from the store's own migrations).
  const url = cluster.url;
  await (await openPostgresStore(url)).close();
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  let t = performance.now();
  for (let base = 1; base <= NODES; base += 20_000) {
    const batch: NodeRecord[] = [];
    for (let id = base; id < Math.min(base + 20_000, NODES + 1); id++) batch.push(node(id, now));
    await db.query(
      `INSERT INTO nodes (id, data, last_seen, hostname)
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[])`,
      [
        batch.map((n) => n.id),
        batch.map((n) => JSON.stringify(n)),
        batch.map((n) => n.lastSeen),
        batch.map((n) => n.hostname),
      ],
    );
    await db.query(
      'INSERT INTO key_index (public_key, node_id) SELECT * FROM unnest($1::text[], $2::bigint[])',
      [batch.map((n) => n.publicKey), batch.map((n) => n.id)],
    );
  }
  await db.query("INSERT INTO meta (key, value) VALUES ('next_node', $1)", [NODES + 1]);
  await db.query('VACUUM ANALYZE');
  await db.end();
  const pgLoad = performance.now() - t;

  // 2. The same nodes into SQLite (transactions of 10 000).
  const sqlitePath = path.join(dir, 'registry.db');
  t = performance.now();
  const sqlite = await openSqliteStore(sqlitePath, { synchronous: 'NORMAL' });
  for (let base = 1; base <= NODES; base += 10_000) {
    const writes: StoreWrite[] = [];
    for (let id = base; id < Math.min(base + 10_000, NODES + 1); id++) {
      const n = node(id, now);
      writes.push(
        { kind: 'node', node: n },
        { kind: 'keyIndex', publicKey: n.publicKey, nodeId: id },
      );
    }
    await sqlite.apply(writes);
  }
  await sqlite.apply([{ kind: 'meta', key: 'next_node', value: NODES + 1 }]);
  await sqlite.close();
  const sqliteLoad = performance.now() - t;
  console.log(
    `seeded ${NODES} nodes: PostgreSQL ${(pgLoad / 1000).toFixed(1)} s, SQLite ${(sqliteLoad / 1000).toFixed(1)} s`,
  );

  // 3. One SQLite instance (baseline), one PostgreSQL instance, two PostgreSQL instances.
  const s = await instance(sqlitePath);
  rows.push([
    'SQLite, 1 instance',
    `${(s.readyMs / 1000).toFixed(1)} s`,
    mb(s.rss),
    String(await rate([s.port], 'lookup')),
    String(await rate([s.port], 'heartbeat')),
  ]);
  await stop(s.child);
  const p1 = await instance(url);
  rows.push([
    'PostgreSQL, 1 instance',
    `${(p1.readyMs / 1000).toFixed(1)} s`,
    mb(p1.rss),
    String(await rate([p1.port], 'lookup')),
    String(await rate([p1.port], 'heartbeat')),
  ]);
  const p2 = await instance(url);
  rows.push([
    'PostgreSQL, 2 instances',
    `${(p2.readyMs / 1000).toFixed(1)} s (2nd)`,
    `${mb(p1.rss)} + ${mb(p2.rss)}`,
    String(await rate([p1.port, p2.port], 'lookup')),
    String(await rate([p1.port, p2.port], 'heartbeat')),
  ]);
  await stop(p1.child);
  await stop(p2.child);

  console.log(
    `\n${NODES} nodes, ${OPS} operations over ${CONNS} binary-mode connections per row\n`,
  );
  console.log('| store | time to ready | RSS | lookups/s | heartbeats/s |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
} finally {
  stopCluster(cluster);
  rmSync(dir, { recursive: true, force: true });
}
