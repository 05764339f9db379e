import { afterEach, describe, expect, it } from 'vitest';
import type { RegistryClient } from '@mesh/registry-client';
import { Harness, identity } from './helpers.js';
import { freshDatabase, query } from './postgres/database.js';

const h = new Harness();
afterEach(() => h.close());

/** Retries `fn` until it succeeds or `ms` pass (cross-instance visibility is asynchronous). */
async function within<T>(ms: number, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setImmediate(r));
    }
  }
}

async function twoInstances(options: { registrationsPerMinute?: number } = {}) {
  const storePath = await freshDatabase();
  const a = await h.server({ storePath, ...options });
  const b = await h.server({ storePath, ...options });
  return { storePath, a, b };
}

describe('two registry instances on one PostgreSQL database', () => {
  it('a node registered through A is found and resolved through B within one second', async () => {
    const { a, b } = await twoInstances();
    const x = await h.node(a, { hostname: 'x-host' });
    await x.client.setVisibility(true);
    const y = await h.node(b);
    const fromB = h.client(b);
    const started = Date.now();
    const info = await within(1000, () => fromB.lookup(x.nodeId));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(info).toMatchObject({ nodeId: x.nodeId, hostname: 'x-host', publicKey: x.id.publicKey });
    expect((await within(1000, () => fromB.resolveHostname('x-host'))).nodeId).toBe(x.nodeId);
    // Ids come from one sequence: no collision between the instances.
    expect(y.nodeId).not.toBe(x.nodeId);
    // Resolve through B, once trust reported through A is visible there.
    await within(1000, () => x.client.lookup(y.nodeId));
    await x.client.reportTrust(y.nodeId);
    const yb = h.client(b, { signer: y.id.sign, nodeId: y.nodeId });
    const r = await within(1000, () => yb.resolve(x.nodeId));
    expect(r.realAddr).toMatch(/:4000$/);
    // Visibility changed through A is seen through B.
    await x.client.setVisibility(false);
    await within(1000, async () => {
      if ((await fromB.lookup(x.nodeId)).public) throw new Error('not yet');
    });
  });

  it('hostname uniqueness holds across instances', async () => {
    const { a, b } = await twoInstances();
    await h.node(a, { hostname: 'only-one' });
    const other = await h.node(b);
    await expect(other.client.setHostname('only-one')).rejects.toMatchObject({
      remoteCode: 'CONFLICT',
    });
    // Racing for the same new name through both instances: exactly one wins.
    const p = await h.node(a);
    const q = await h.node(b);
    const results = await Promise.allSettled([
      p.client.setHostname('contested'),
      q.client.setHostname('contested'),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.find((r) => r.status === 'rejected');
    expect((lost as PromiseRejectedResult).reason).toMatchObject({ remoteCode: 'CONFLICT' });
  });

  it('relays a handshake requested through A and polled through B', async () => {
    const { a, b } = await twoInstances();
    const asker = await h.node(a);
    const target = await h.node(b);
    await within(1000, () => asker.client.lookup(target.nodeId));
    await asker.client.requestHandshake(target.nodeId, 'hello from A');
    const polled = await within(1000, async () => {
      const r = await target.client.pollHandshakes();
      if (r.requests.length === 0) throw new Error('not yet');
      return r;
    });
    expect(polled.requests).toEqual([
      expect.objectContaining({ fromNodeId: asker.nodeId, justification: 'hello from A' }),
    ]);
    // The answer travels back the other way.
    await target.client.respondHandshake(asker.nodeId, true);
    const back = await within(1000, async () => {
      const r = await asker.client.pollHandshakes();
      if (r.responses.length === 0) throw new Error('not yet');
      return r;
    });
    expect(back.responses).toEqual([
      expect.objectContaining({ fromNodeId: target.nodeId, accept: true }),
    ]);
  });

  it('concurrent registrations through both instances get distinct ids, all stored', async () => {
    const { storePath, a, b } = await twoInstances({ registrationsPerMinute: 0 });
    const clients: RegistryClient[] = [h.client(a), h.client(b)];
    const ids = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        clients[i % 2]
          .register({ listenAddr: ':1', publicKey: identity().publicKey })
          .then((r) => r.nodeId),
      ),
    );
    expect(new Set(ids).size).toBe(40);
    const rows = await query<{ n: string }>(storePath, 'SELECT count(*) AS n FROM nodes');
    expect(Number(rows[0].n)).toBe(40);
  });

  it('the registration rate limit is shared by the instances', async () => {
    const { a, b } = await twoInstances({ registrationsPerMinute: 4 });
    const ca = h.client(a);
    const cb = h.client(b);
    const reg = (c: RegistryClient) =>
      c.register({ listenAddr: ':1', publicKey: identity().publicKey });
    await reg(ca);
    await reg(cb);
    await reg(ca);
    await reg(cb);
    await expect(reg(ca)).rejects.toMatchObject({ remoteCode: 'RATE_LIMITED' });
    await expect(reg(cb)).rejects.toMatchObject({ remoteCode: 'RATE_LIMITED' });
  });
});
