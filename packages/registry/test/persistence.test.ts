import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { RegistryClient } from '@mesh/registry-client';
import { RegistryServer } from '../src/index.js';
import { Harness, identity } from './helpers.js';
import { storeOptions } from './postgres/database.js';

const h = new Harness();
afterEach(() => h.close());
const ADMIN = 'test-admin-secret';
const here = path.dirname(fileURLToPath(import.meta.url));

describe.each(['sqlite', 'postgres'] as const)('durable %s store', (kind) => {
  it('a restart keeps nodes, keys, hostnames, trust, networks and inboxes', async () => {
    const store = await storeOptions(kind, () => h.tempDir());
    const first = await h.server({ ...store, adminToken: ADMIN });
    const a = await h.node(first, { hostname: 'alpha' });
    const b = await h.node(first);
    await a.client.setTags(['gpu']);
    await a.client.setVisibility(true);
    await b.client.reportTrust(a.nodeId);
    await a.client.reportTrust(b.nodeId); // a pair needs both sides
    const { networkId } = await h.client(first).createNetwork({
      name: 'persist',
      adminToken: ADMIN,
      joinRule: 'token',
      token: 't',
      nodeId: a.nodeId,
    });
    await b.client.requestHandshake(a.nodeId, 'after restart');
    await a.client.inviteToNetwork(networkId, b.nodeId);
    await a.client.heartbeat();
    await a.client.close();
    await b.client.close();
    await first.close();

    const second = await h.server({ ...store, adminToken: ADMIN });
    const c = h.client(second);
    const info = await c.lookup(a.nodeId);
    expect(info).toMatchObject({
      hostname: 'alpha',
      tags: ['gpu'],
      public: true,
      networks: [0, networkId],
      publicKey: a.id.publicKey,
    });
    expect(await c.checkTrust(b.nodeId, { nodeId: a.nodeId })).toBe(true);
    expect((await c.resolveHostname('alpha')).nodeId).toBe(a.nodeId);
    // Same key → same id after restart; new keys continue the sequence.
    expect((await c.register({ listenAddr: ':1', publicKey: b.id.publicKey })).nodeId).toBe(
      b.nodeId,
    );
    expect((await c.register({ listenAddr: ':1', publicKey: identity().publicKey })).nodeId).toBe(
      3,
    );
    const a2 = h.client(second, { signer: a.id.sign, nodeId: a.nodeId });
    expect((await a2.pollHandshakes()).requests).toEqual([
      expect.objectContaining({ fromNodeId: b.nodeId, justification: 'after restart' }),
    ]);
    const b2 = h.client(second, { signer: b.id.sign, nodeId: b.nodeId });
    expect(await b2.pollInvites()).toEqual([
      expect.objectContaining({ networkId, inviterId: a.nodeId, networkName: 'persist' }),
    ]);
    await expect(b2.joinNetwork({ networkId, token: 'x' })).rejects.toMatchObject({
      code: 'REMOTE',
    });
    await b2.joinNetwork({ networkId, token: 't' });
    expect(
      (await h.client(second).createNetwork({ name: 'next', adminToken: ADMIN })).networkId,
    ).toBe(networkId + 1);
  });
});

describe('durable SQLite store, crash', () => {
  it('kill -9 during a burst of registrations loses no acknowledged one', async () => {
    const dir = h.tempDir();
    const storePath = path.join(dir, 'crash.db');
    const child = spawn(
      process.execPath,
      // tsx runs the TypeScript; alias.ts points workspace packages at their sources (no build needed).
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
      const workers = Array.from({ length: 4 }, async () => {
        const c = new RegistryClient({ port, reconnect: { attempts: 1 }, timeoutMs: 5000 });
        try {
          for (;;) {
            const key = identity().publicKey;
            const r = await c.register({ listenAddr: ':4000', publicKey: key });
            acknowledged.set(key, r.nodeId);
            // Kill once a good number were acknowledged, while the others are mid-flight.
            if (acknowledged.size === 60) child.kill('SIGKILL');
          }
        } catch {
          // The connection dies with the process.
        } finally {
          await c.close();
        }
      });
      await Promise.all(workers);
      await exited;
      expect(acknowledged.size).toBeGreaterThanOrEqual(60);

      const after = await h.server({ storePath });
      const c = h.client(after);
      for (const [key, nodeId] of acknowledged) {
        expect((await c.lookup(nodeId)).publicKey).toBe(key);
      }
      expect(after.stats().nodes).toBeGreaterThanOrEqual(acknowledged.size);
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
  });
});

describe('in-memory store', () => {
  it('works without any storage option', async () => {
    const server = new RegistryServer({ port: 0 });
    h.servers.push(server);
    await server.listen();
    const a = await h.node(server);
    expect(a.nodeId).toBe(1);
  });
});
