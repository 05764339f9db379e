// The bridge against a real nats-server in operator/JWT mode.
import type { NatsConnection, Subscription } from 'nats';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NatsBridge } from '../src/bridge/nats-bridge.js';
import type { NatsBridgeOptions } from '../src/bridge/nats-bridge.js';
import { CommandRouter } from '../src/commands/command-router.js';
import { ConnectionStateRing } from '../src/connection/state-ring.js';
import type { NatsCredential } from '../src/credentials/credentials.js';
import { httpsRefresher } from '../src/credentials/https-refresher.js';
import { RefreshLoop } from '../src/credentials/refresh-loop.js';
import {
  CredentialEndpoint,
  NatsServer,
  makeTrust,
  testClient,
  until,
  userCredential,
} from './harness.js';
import type { Trust } from './harness.js';

let trust: Trust;
let server: NatsServer;
let observer: NatsConnection;
const closers: (() => Promise<void> | void)[] = [];

beforeEach(async () => {
  trust = await makeTrust();
  server = await NatsServer.start(trust);
  observer = await testClient(server, trust);
});
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
  await observer.close();
  await server.close();
});

function bridge(cred: () => NatsCredential | undefined, extra: Partial<NatsBridgeOptions> = {}) {
  const ring = new ConnectionStateRing();
  const b = new NatsBridge({
    servers: [server.url],
    prefix: 'fleet',
    nodeId: () => 42,
    credential: cred,
    ring,
    reconnectWaitMs: 50,
    ...extra,
  });
  closers.push(() => b.close());
  b.start();
  return { b, ring };
}

function collect(sub: Subscription): { subject: string; body: Record<string, unknown> }[] {
  const got: { subject: string; body: Record<string, unknown> }[] = [];
  void (async () => {
    for await (const m of sub)
      got.push({ subject: m.subject, body: JSON.parse(new TextDecoder().decode(m.data)) });
  })();
  return got;
}

const ev = (topic: string, payload: Record<string, unknown> = {}) => ({
  topic,
  nodeId: 42,
  time: Date.UTC(2026, 0, 1),
  payload,
});

describe('NatsBridge', () => {
  it('publishes events on <prefix>.<node_id>.<topic> with the JSON envelope', async () => {
    const cred = await userCredential(trust, 3600);
    const got = collect(observer.subscribe('fleet.42.>'));
    await observer.flush();
    const { b, ring } = bridge(() => cred);
    await until(() => b.stats().state === 'connected', 'connect');
    b.publish(ev('conn.established', { conn_id: 1 }));
    b.publish(ev('handshake.approved', { peer_node_id: 7 }));
    await until(() => got.length === 2, 'two messages');
    expect(got.map((g) => g.subject)).toEqual([
      'fleet.42.conn.established',
      'fleet.42.handshake.approved',
    ]);
    expect(got[0].body).toEqual({
      event: 'conn.established',
      node_id: 42,
      timestamp: '2026-01-01T00:00:00.000Z',
      data: { conn_id: 1 },
    });
    expect(ring.snapshot().map((e) => e.type)).toEqual(['connect']);
    expect(b.stats()).toMatchObject({ published: 2, dropped: 0, buffered: 0 });
  });

  it('survives a server restart: buffers (bounded), counts drops, reconnects and flushes', async () => {
    const cred = await userCredential(trust, 3600);
    const { b, ring } = bridge(() => cred, { bufferSize: 3 });
    await until(() => b.stats().state === 'connected', 'connect');
    await server.stop();
    await until(() => b.stats().state !== 'connected', 'disconnect noticed');
    for (let i = 0; i < 10; i++) b.publish(ev('while.down', { i }));
    expect(b.stats()).toMatchObject({ buffered: 3, dropped: 7 });
    await server.restart();
    await until(
      () => b.stats().state === 'connected' && b.stats().buffered === 0,
      'reconnect and flush',
    );
    expect(b.stats().published).toBe(3);
    const types = ring.snapshot().map((e) => e.type);
    expect(types).toContain('disconnect');
    expect(types).toContain('reconnect');
    // And it keeps working after the restart.
    await until(() => !observer.isClosed() && observer.info !== undefined, 'observer');
    const got = collect(observer.subscribe('fleet.42.after'));
    await observer.flush();
    b.publish(ev('after'));
    await until(() => got.length === 1, 'event after restart');
  });

  it('keeps working when its JWT expires: the refresh loop swaps in a fresh one (custom CA)', async () => {
    const endpoint = await CredentialEndpoint.start();
    closers.push(() => endpoint.close());
    const first = await userCredential(trust, 4);
    const fresh = await userCredential(trust, 3600);
    endpoint.answer = () => Promise.resolve(fresh);
    const refreshed: NatsCredential[] = [];
    const holder: { b?: NatsBridge } = {};
    const loop = new RefreshLoop({
      refresher: httpsRefresher({ url: endpoint.url, bearer: 'issuer-key', ca: endpoint.ca }),
      skewMs: 2000,
      onRefreshed: async (c) => {
        refreshed.push(c);
        await holder.b?.reconnectNow();
      },
    });
    closers.push(() => loop.stop());
    loop.start(first);
    const made = bridge(() => loop.current());
    holder.b = made.b;
    await until(() => made.b.stats().state === 'connected', 'connect');
    await until(() => refreshed.length === 1, 'refresh before exp - 2 s');
    expect(endpoint.requests[0].authorization).toBe('Bearer issuer-key');
    expect(JSON.parse(endpoint.requests[0].body)).toEqual({
      jwt: first.kind === 'jwt' ? first.jwt : '',
    });
    expect(loop.current()).toEqual(fresh);
    // Past the first JWT's expiry the connection still carries events.
    const exp = Math.floor(Date.now() / 1000) + 4;
    await until(() => Date.now() > exp * 1000 + 500, 'the first JWT to expire');
    const got = collect(observer.subscribe('fleet.42.still.up'));
    await observer.flush();
    made.b.publish(ev('still.up'));
    await until(() => got.length === 1, 'event after the old JWT expired');
    expect(made.b.stats().state).toBe('connected');
  });

  it('a refresh endpoint with an unknown certificate is a transient failure, not a crash', async () => {
    const endpoint = await CredentialEndpoint.start();
    closers.push(() => endpoint.close());
    const refresher = httpsRefresher({ url: endpoint.url });
    await expect(refresher(undefined)).rejects.toMatchObject({
      code: 'NATS_REFRESH_FAILED',
      retryable: true,
    });
  });

  it('runs only allow-listed methods from the command subject', async () => {
    const cred = await userCredential(trust, 3600);
    const calls: string[] = [];
    const router = new CommandRouter(
      {
        ping: () => ({ pong: true }),
        set_webhook: () => {
          calls.push('set_webhook');
          return {};
        },
      },
      ['ping'],
    );
    const { b } = bridge(() => cred, { commands: { subject: 'fleet.42.cmd', router } });
    await until(() => b.stats().state === 'connected', 'connect');
    const ask = async (body: unknown) =>
      JSON.parse(
        new TextDecoder().decode(
          (await observer.request('fleet.42.cmd', new TextEncoder().encode(JSON.stringify(body))))
            .data,
        ),
      ) as Record<string, unknown>;
    expect(await ask({ method: 'ping' })).toEqual({ result: { pong: true } });
    expect(await ask({ method: 'set_webhook', params: { url: 'http://x' } })).toMatchObject({
      error: { code: 'METHOD_NOT_ALLOWED' },
    });
    expect(await ask({ method: 'nope' })).toMatchObject({ error: { code: 'METHOD_NOT_ALLOWED' } });
    expect(await ask('garbage')).toMatchObject({ error: { code: 'INVALID_COMMAND' } });
    expect(calls).toEqual([]);
  });
});
