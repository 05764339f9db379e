import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { RegistryClient } from '@mesh/registry-client';
import type { RegistryLogger } from '../src/index.js';
import { Harness, identity } from './helpers.js';
import { pgCtl, startCluster, stopCluster } from './postgres/cluster.js';
import type { TestCluster } from './postgres/cluster.js';
import { freshDatabase, query } from './postgres/database.js';

const h = new Harness();
const here = path.dirname(fileURLToPath(import.meta.url));
const children: ChildProcess[] = [];
const clusters: TestCluster[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.exitCode === null && c.signalCode === null) {
      const gone = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL');
      await gone;
    }
  }
  await h.close();
  for (const c of clusters.splice(0)) stopCluster(c);
});

/** A registry instance in a child process on `storePath`; resolves with its port. */
async function childRegistry(storePath: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--import',
      path.join(here, 'fixtures/alias.ts'),
      path.join(here, 'fixtures/registry-child.ts'),
      storePath,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.push(child);
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`registry child exited early (${code})`)));
  });
  return { child, port };
}

describe('PostgreSQL-backed instances: losing an instance', () => {
  it('kill -9 of one instance during a burst through both loses no acknowledged write; clients fail over and keep heartbeating', async () => {
    const storePath = await freshDatabase();
    const doomed = await childRegistry(storePath);
    const survivor = await h.server({ storePath, registrationsPerMinute: 0 });
    const addresses = [
      { host: '127.0.0.1', port: doomed.port },
      { host: '127.0.0.1', port: survivor.address().port },
    ];
    const exited = new Promise<void>((r) => doomed.child.once('exit', () => r()));
    const acknowledged = new Map<string, number>();
    let killed = false;
    // Half the workers talk to the doomed instance first, half to the survivor; all know both.
    const workers = Array.from({ length: 6 }, async (_, w) => {
      const ordered = w % 2 === 0 ? addresses : [...addresses].reverse();
      const id = identity();
      const c = new RegistryClient({
        port: 0,
        addresses: ordered,
        signer: id.sign,
        reconnect: { attempts: 3, initialDelayMs: 20 },
        timeoutMs: 5000,
      });
      try {
        const mine = await c.register({ listenAddr: ':4000', publicKey: id.publicKey });
        acknowledged.set(id.publicKey, mine.nodeId);
        // The burst registers keys this client does not hold: unsigned (a signature by `id`
        // would be an invalid proof of possession for them).
        c.setSigner(undefined);
        while (acknowledged.size < 120) {
          const key = identity().publicKey;
          try {
            const r = await c.register({ listenAddr: ':4000', publicKey: key });
            acknowledged.set(key, r.nodeId);
          } catch {
            // In flight when the instance died: not acknowledged, so not counted.
          }
          if (!killed && acknowledged.size >= 50) {
            killed = true;
            doomed.child.kill('SIGKILL');
          }
        }
        await exited;
        // After the loss, this client's own node keeps heartbeating (through the survivor).
        c.nodeId = mine.nodeId;
        c.setSigner(id.sign);
        for (let i = 0; i < 3; i++) expect((await c.heartbeat()).time).toBeGreaterThan(0);
      } finally {
        await c.close();
      }
    });
    await Promise.all(workers);
    expect(killed).toBe(true);
    const rows = await query<{ public_key: string; node_id: string }>(
      storePath,
      'SELECT public_key, node_id FROM key_index',
    );
    const stored = new Map(rows.map((r) => [r.public_key, Number(r.node_id)]));
    for (const [key, nodeId] of acknowledged) expect(stored.get(key)).toBe(nodeId);
    // And the survivor serves every one of them.
    const c = h.client(survivor);
    for (const nodeId of [...acknowledged.values()].slice(0, 20))
      expect((await c.lookup(nodeId)).nodeId).toBe(nodeId);
  });
});

describe('PostgreSQL-backed instances: the database restarts', () => {
  it('instances report the outage, refuse writes with a clear error, and recover by themselves', async () => {
    // Its own cluster: stopping the shared one would disturb tests running in parallel.
    const c = await startCluster();
    clusters.push(c);
    const storePath = c.url;
    const logged: string[] = [];
    const logger: RegistryLogger = {
      debug: () => {},
      info: (m) => logged.push(m),
      warn: (m) => logged.push(m),
      error: (m) => logged.push(m),
    };
    const a = await h.server({ storePath, logger, registrationsPerMinute: 0 });
    const b = await h.server({ storePath, registrationsPerMinute: 0 });
    const ca = h.client(a);
    const cb = h.client(b);
    const reg = (c: RegistryClient) =>
      c.register({ listenAddr: ':1', publicKey: identity().publicKey });
    await reg(ca);
    pgCtl(c, 'stop');
    let restarted = false;
    try {
      await expect(reg(ca)).rejects.toMatchObject({
        remoteCode: 'STORE',
        message: expect.stringContaining('nothing was saved'),
      });
      await expect(reg(cb)).rejects.toMatchObject({ remoteCode: 'STORE' });
      expect(logged.some((m) => m.includes('store unavailable'))).toBe(true);
      pgCtl(c, 'start');
      restarted = true;
    } finally {
      if (!restarted) pgCtl(c, 'start');
    }
    // Recovers without a restart of the registry: writes go through again, through both.
    const x = await retry(() => reg(ca));
    const y = await retry(() => reg(cb));
    expect(y.nodeId).not.toBe(x.nodeId);
    await retry(() => cb.lookup(x.nodeId));
    // The pool reconnects on demand, the LISTEN connection on its own backoff (up to 2 s), so
    // writes can go through before the notification channel is back: wait for it to say so.
    await retry(async () => {
      if (!logged.some((m) => m.includes('available again')))
        throw new Error('the store never logged "available again"');
    });
  });
});

/** Retries until the call succeeds (the pool reconnects on demand), up to 15 s. */
async function retry<T>(fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
