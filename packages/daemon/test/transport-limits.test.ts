import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type { Addr } from '@mesh/protocol';
import type { Connection } from '../src/transport/index.js';
import { TransportError } from '../src/transport/index.js';
import { Harness } from './transport-harness.js';

let h: Harness;
afterEach(async () => {
  await h.closeAll();
});

async function failure(p: Promise<unknown>): Promise<TransportError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TransportError);
  return err as TransportError;
}

function errorOf(conn: Connection): Promise<TransportError> {
  return once(conn, 'error').then(([e]) => e as TransportError);
}

describe('admission limits', () => {
  it('resets SYNs beyond the per-port limit and beyond the total limit', async () => {
    h = new Harness();
    const [a, b] = await h.pair({}, { limits: { maxConnectionsPerPort: 2, maxConnections: 3 } });
    b.transport.listen(1000).on('connection', (c) => c.resume());
    b.transport.listen(2000).on('connection', (c) => c.resume());
    await a.transport.dial(b.addr, 1000);
    await a.transport.dial(b.addr, 1000);
    expect((await failure(a.transport.dial(b.addr, 1000))).code).toBe('CONNECTION_REFUSED');
    await a.transport.dial(b.addr, 2000);
    expect((await failure(a.transport.dial(b.addr, 2000))).code).toBe('CONNECTION_REFUSED');
    expect(b.transport.stats().connectionLimitRejected).toBe(2);
    expect(b.transport.stats().activeConnections).toBe(3);
  });

  it('refuses to dial beyond the local connection limit', async () => {
    h = new Harness();
    const [a, b] = await h.pair({ limits: { maxConnections: 1 } });
    b.transport.listen(1000);
    await a.transport.dial(b.addr, 1000);
    expect((await failure(a.transport.dial(b.addr, 1000))).code).toBe('CONNECTION_LIMIT');
  });

  it('resets a connection that finds the accept queue full, without orphaning it', async () => {
    h = new Harness();
    const [a, b] = await h.pair();
    const listener = b.transport.listen(1000, { backlog: 1 });
    const first = await a.transport.dial(b.addr, 1000);
    const second = await a.transport.dial(b.addr, 1000);
    const err = await errorOf(second);
    expect(err.code).toBe('CONNECTION_RESET');
    expect(b.transport.stats().acceptQueueOverflows).toBe(1);
    // The queued one is still there to accept and works.
    const accepted = await listener.accept();
    expect(accepted.remotePort).toBe(first.localPort);
    first.write('still fine');
    const [got] = (await once(accepted, 'data')) as [Buffer];
    expect(got.toString()).toBe('still fine');
    expect(b.transport.connections().map((c) => c.remotePort)).toEqual([first.localPort]);
  });

  it('drops SYNs over the per-source rate limit and publishes security.syn_rate_limited', async () => {
    h = new Harness();
    const [a, b] = await h.pair(
      { tuning: { dialMaxAttempts: 2, dialRtoMs: 30 } },
      { limits: { synRatePerSource: 0.001, synBurstPerSource: 3 } },
    );
    b.transport.listen(1000);
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => a.transport.dial(b.addr, 1000)),
    );
    const ok = results.filter((r) => r.status === 'fulfilled');
    const failed = results.filter((r) => r.status === 'rejected');
    expect(ok).toHaveLength(3);
    expect(failed).toHaveLength(2);
    for (const f of failed) expect((f.reason as TransportError).code).toBe('DIAL_TIMEOUT');
    expect(b.transport.stats().synRateLimited).toBe(4);
    expect(b.events.filter((e) => e.topic === 'security.syn_rate_limited')).toHaveLength(4);
  });

  it('drops SYNs over the global rate limit whatever the source', async () => {
    h = new Harness();
    const b = await h.endpoint({ node: 2, limits: { synRate: 0.001, synBurst: 2 } });
    const sources = await Promise.all(
      [1, 3, 4].map((node) => h.endpoint({ node, tuning: { dialMaxAttempts: 1, dialRtoMs: 30 } })),
    );
    for (const s of sources) h.connect(s, b);
    b.transport.listen(1000);
    const results = await Promise.allSettled(sources.map((s) => s.transport.dial(b.addr, 1000)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    expect(b.transport.stats().synRateLimited).toBe(1);
  });

  it('calls the relay hook after the direct SYN attempts and then times out', async () => {
    h = new Harness();
    const stalled: Addr[] = [];
    const a = await h.endpoint({
      node: 1,
      tuning: { dialRtoMs: 10, dialRtoMaxMs: 20, dialDirectAttempts: 2, dialMaxAttempts: 4 },
      onDialStalled: (peer) => stalled.push(peer),
    });
    const b = await h.endpoint({ node: 2 });
    h.connect(a, b);
    b.mute = true; // b never answers
    b.transport.listen(1000);
    const err = await failure(a.transport.dial(b.addr, 1000));
    expect(err.code).toBe('DIAL_TIMEOUT');
    expect(stalled.map((s) => s.node)).toEqual([2]);
    expect(a.transport.connections()).toEqual([]);
  });

  it('aborts a dial through an AbortSignal', async () => {
    h = new Harness();
    const [a, b] = await h.pair();
    b.mute = true;
    b.transport.listen(1000);
    const ac = new AbortController();
    const dial = a.transport.dial(b.addr, 1000, { signal: ac.signal });
    ac.abort();
    expect((await failure(dial)).code).toBe('DIAL_ABORTED');
    expect(a.transport.stats().activeConnections).toBe(0);
  });
});

describe('liveness', () => {
  it('resets with RETRANSMIT_LIMIT and an error to the reader when the peer is gone', async () => {
    h = new Harness();
    const [a, b] = await h.pair({ tuning: { maxRetransmits: 4, minRtoMs: 5, maxRtoMs: 40 } });
    const listener = b.transport.listen(1000);
    const accepted = listener.accept();
    const client = await a.transport.dial(b.addr, 1000);
    await accepted;
    b.mute = true; // the peer stops answering
    const err = errorOf(client);
    client.write('anyone there?');
    expect((await err).code).toBe('RETRANSMIT_LIMIT');
    expect(client.state).toBe('CLOSED');
    expect(client.info().retransmits).toBeGreaterThanOrEqual(3);
    expect(a.transport.connections()).toEqual([]);
  });

  it('closes an idle connection after keepalives go unanswered', async () => {
    h = new Harness();
    const [a, b] = await h.pair({ tuning: { keepaliveMs: 20, idleTimeoutMs: 120 } });
    const listener = b.transport.listen(1000);
    const accepted = listener.accept();
    const client = await a.transport.dial(b.addr, 1000);
    await accepted;
    b.mute = true;
    const err = await errorOf(client);
    expect(err.code).toBe('IDLE_TIMEOUT');
    expect(client.info().keepalives).toBeGreaterThan(0);
    expect(a.events.some((e) => e.topic === 'conn.idle_timeout')).toBe(true);
  });

  it('keeps a quiet connection open while the peer answers keepalives', async () => {
    h = new Harness();
    const [a, b] = await h.pair({ tuning: { keepaliveMs: 10, idleTimeoutMs: 300 } });
    const listener = b.transport.listen(1000);
    const accepted = listener.accept();
    const client = await a.transport.dial(b.addr, 1000);
    const server = await accepted;
    // Several keepalive rounds pass; each is answered, so the idle timer never fires.
    // 40 rounds take longer than the idle timeout.
    for (let i = 0; i < 40; i++) await once(client, 'keepalive');
    expect(client.state).toBe('ESTABLISHED');
    server.write('still here');
    const [got] = (await once(client, 'data')) as [Buffer];
    expect(got.toString()).toBe('still here');
  });

  it('drops packets whose inner source differs from the tunnel peer', async () => {
    h = new Harness();
    const [a, b] = await h.pair();
    b.transport.listen(1000);
    const { Flags, Proto } = await import('@mesh/protocol');
    b.transport.receive(
      {
        flags: Flags.SYN,
        proto: Proto.STREAM,
        src: a.addr,
        dst: b.addr,
        srcPort: 50000,
        dstPort: 1000,
        seq: 0,
        ack: 0,
        window: 512,
        payload: new Uint8Array(0),
      },
      99,
    );
    expect(b.transport.stats().spoofedDropped).toBe(1);
    expect(b.transport.connections()).toEqual([]);
  });

  it('resets open connections when the transport closes, and ends them with graceMs', async () => {
    h = new Harness();
    const { a, b, client, server } = await h.connected(1000);
    const eof = once(client, 'end');
    client.resume();
    await b.transport.close({ graceMs: 2000 });
    await eof;
    expect(server.destroyed).toBe(true);
    expect(b.transport.scheduler.pending).toBe(0);
    await expect(b.transport.dial(a.addr, 1)).rejects.toMatchObject({ code: 'TRANSPORT_CLOSED' });
  });
});
