// Store damage: a registry whose database lost acknowledged writes (deleted, truncated or
// corrupted WAL, 0-byte database, rows deleted behind its back) refuses to start with
// STORE_DAMAGED unless told to accept the loss, and never hands out an acknowledged id again.
import { spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  closeSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '@mesh/registry-client';
import { Harness, identity } from './helpers.js';
import { freshDatabase, query } from './postgres/database.js';

const h = new Harness();
afterEach(() => h.close());
const here = path.dirname(fileURLToPath(import.meta.url));
/** Registrations acknowledged before the kill. */
const ACKED = 40;

/** A store directory as a `kill -9` left it, and the key → id pairs acknowledged before. */
interface Crashed {
  readonly dir: string;
  readonly acknowledged: Map<string, number>;
}

/**
 * Runs a registry child on a fresh SQLite store, registers {@link ACKED} nodes one after another
 * (each acknowledged), then kills the child with SIGKILL: the commits sit in the WAL.
 */
async function crashAfterWrites(): Promise<Crashed> {
  // Outlives each test's harness cleanup: every test copies it.
  const dir = mkdtempSync(path.join(tmpdir(), 'mesh-registry-crash-'));
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--import',
      path.join(here, 'fixtures/alias.ts'),
      path.join(here, 'fixtures/registry-child.ts'),
      path.join(dir, 'registry.db'),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const line = out.split('\n')[0];
        if (out.includes('\n') && line) resolve((JSON.parse(line) as { port: number }).port);
      });
      child.once('exit', (code) => reject(new Error(`registry child exited early (${code})`)));
    });
    const acknowledged = new Map<string, number>();
    const c = new RegistryClient({ port, reconnect: { attempts: 1 }, timeoutMs: 10_000 });
    try {
      for (let i = 0; i < ACKED; i++) {
        const key = identity().publicKey;
        acknowledged.set(key, (await c.register({ listenAddr: ':4000', publicKey: key })).nodeId);
      }
    } finally {
      await c.close();
    }
    child.kill('SIGKILL');
    await exited;
    return { dir, acknowledged };
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
}

let crashed: Crashed;
beforeAll(async () => {
  crashed = await crashAfterWrites();
}, 60_000);
afterAll(() => rmSync(crashed.dir, { recursive: true, force: true }));

/** A private copy of the crashed store (database, WAL, mark; the shared-memory index is a cache). */
function copyOfCrash(): string {
  const dir = h.tempDir();
  for (const f of ['registry.db', 'registry.db-wal', 'registry.db.mark'])
    if (existsSync(path.join(crashed.dir, f)))
      copyFileSync(path.join(crashed.dir, f), path.join(dir, f));
  return path.join(dir, 'registry.db');
}

const highestAcked = (): number => Math.max(...crashed.acknowledged.values());

describe('SQLite store after kill -9', () => {
  it('restarts with every acknowledged write and a 0600 mark file', async () => {
    const storePath = copyOfCrash();
    // The writes really were only in the WAL: this is what the damage tests below take away.
    expect(statSync(`${storePath}-wal`).size).toBeGreaterThan(0);
    expect(statSync(`${storePath}.mark`).mode & 0o777).toBe(0o600);
    const server = await h.server({ storePath });
    const c = h.client(server);
    for (const [key, nodeId] of crashed.acknowledged)
      expect((await c.lookup(nodeId)).publicKey).toBe(key);
    expect(server.stats().nodes).toBe(ACKED);
    expect((await c.register({ listenAddr: ':1', publicKey: identity().publicKey })).nodeId).toBe(
      highestAcked() + 1,
    );
  });
});

/** Each way the WAL can be damaged after the crash. */
const walDamage: [string, (wal: string) => void][] = [
  ['deleted', (wal) => rmSync(wal)],
  ['truncated', (wal) => truncateSync(wal, Math.floor(statSync(wal).size / 2))],
  [
    'corrupted',
    (wal) => {
      // Garbage over a frame in the middle: its checksum fails, so it and every later frame
      // (the later commits) are ignored.
      const fd = openSync(wal, 'r+');
      try {
        writeSync(fd, Buffer.alloc(512, 0xa5), 0, 512, Math.floor(statSync(wal).size / 2));
      } finally {
        closeSync(fd);
      }
    },
  ],
];

describe.each(walDamage)('SQLite store with its WAL %s', (_name, damage) => {
  it('refuses to start with STORE_DAMAGED', async () => {
    const storePath = copyOfCrash();
    damage(`${storePath}-wal`);
    await expect(h.server({ storePath })).rejects.toMatchObject({
      code: 'STORE_DAMAGED',
      message: expect.stringMatching(/lost acknowledged data.*accept-data-loss/s) as unknown,
    });
    // Refusing leaves the evidence alone: a second start refuses again.
    await expect(h.server({ storePath })).rejects.toMatchObject({ code: 'STORE_DAMAGED' });
  });

  it('starts with acceptDataLoss and never reuses an acknowledged id', async () => {
    const storePath = copyOfCrash();
    damage(`${storePath}-wal`);
    const server = await h.server({ storePath, acceptDataLoss: true });
    expect(server.stats().nodes).toBeLessThan(ACKED);
    const c = h.client(server);
    const fresh = await c.register({ listenAddr: ':1', publicKey: identity().publicKey });
    expect(fresh.nodeId).toBe(highestAcked() + 1);
    await server.close();
    // The loss was accepted once: the next start is a normal one and continues the sequence.
    const again = await h.server({ storePath });
    const c2 = h.client(again);
    expect((await c2.register({ listenAddr: ':1', publicKey: identity().publicKey })).nodeId).toBe(
      highestAcked() + 2,
    );
  });
});

describe('SQLite store', () => {
  it('a 0-byte database file is refused, and accepted without reusing ids', async () => {
    const dir = h.tempDir();
    const storePath = path.join(dir, 'registry.db');
    const first = await h.server({ storePath });
    for (let i = 0; i < 3; i++) await h.node(first);
    await first.close();
    truncateSync(storePath, 0);
    rmSync(`${storePath}-wal`, { force: true });
    await expect(h.server({ storePath })).rejects.toMatchObject({ code: 'STORE_DAMAGED' });
    const second = await h.server({ storePath, acceptDataLoss: true });
    expect(second.stats().nodes).toBe(0);
    expect((await h.node(second)).nodeId).toBe(4);
  });

  it('a damaged mark file is refused; a missing one is rebuilt from the database', async () => {
    const dir = h.tempDir();
    const storePath = path.join(dir, 'registry.db');
    const first = await h.server({ storePath });
    await h.node(first);
    await h.node(first);
    await first.close();
    rmSync(`${storePath}.mark`);
    const second = await h.server({ storePath });
    await second.close();
    expect(JSON.parse(readFileSync(`${storePath}.mark`, 'utf8'))).toMatchObject({
      nodeCount: 2,
      highestNodeId: 2,
    });
    truncateSync(`${storePath}.mark`, 5);
    await expect(h.server({ storePath })).rejects.toMatchObject({ code: 'STORE_DAMAGED' });
    const third = await h.server({ storePath, acceptDataLoss: true });
    expect((await h.node(third)).nodeId).toBe(3);
  });

  it('deregistration lowers the recorded count: a restart after it is not mistaken for damage', async () => {
    const dir = h.tempDir();
    mkdirSync(dir, { recursive: true });
    const storePath = path.join(dir, 'registry.db');
    const first = await h.server({ storePath });
    const a = await h.node(first);
    await h.node(first);
    await a.client.deregister();
    await first.close();
    const second = await h.server({ storePath });
    expect(second.stats().nodes).toBe(1);
    expect((await h.node(second)).nodeId).toBe(3);
  });
});

describe('PostgreSQL store', () => {
  it('node rows lost behind the registry are refused; accepted without reusing ids', async () => {
    const storePath = await freshDatabase();
    const first = await h.server({ storePath });
    for (let i = 0; i < 3; i++) await h.node(first);
    await first.close();
    await query(storePath, 'DELETE FROM nodes WHERE id = 3');
    await expect(h.server({ storePath })).rejects.toMatchObject({
      code: 'STORE_DAMAGED',
      message: expect.stringContaining('meta.node_count') as unknown,
    });
    const second = await h.server({ storePath, acceptDataLoss: true });
    expect(second.stats().nodes).toBe(2);
    expect((await h.node(second)).nodeId).toBe(4);
    await second.close();
    await h.server({ storePath });
  });

  it('a lost allocation counter is refused; accepted, ids continue above the highest known', async () => {
    const storePath = await freshDatabase();
    const first = await h.server({ storePath });
    for (let i = 0; i < 3; i++) await h.node(first);
    await first.close();
    await query(storePath, "DELETE FROM meta WHERE key = 'next_node'");
    await expect(h.server({ storePath })).rejects.toMatchObject({ code: 'STORE_DAMAGED' });
    const second = await h.server({ storePath, acceptDataLoss: true });
    expect((await h.node(second)).nodeId).toBe(4);
  });
});
