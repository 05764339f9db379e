import { afterEach, describe, expect, it } from 'vitest';
import { PayloadKindConflictError, PluginInitError, PluginInitTimeoutError } from '@mesh/daemonapi';
import type { HandshakeService, Plugin, PluginContext } from '@mesh/daemonapi';
import {
  EPHEMERAL_PORT_START,
  MemoryDaemonError,
  MemoryNetwork,
  createRecordingLogger,
  formatAddr,
} from '../src/index.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array | undefined): string => new TextDecoder().decode(b);

let network: MemoryNetwork;
afterEach(async () => {
  await network.close();
});

describe('streams and ports', () => {
  it('dials, accepts, exchanges bytes both ways and propagates close as end of stream', async () => {
    network = new MemoryNetwork();
    const a = network.createDaemon();
    const b = network.createDaemon();
    const listener = b.ports().bind(1000);
    const outbound = await a.dialConnection(b.addr(), 1000);
    const inbound = (await listener.accept())!;
    expect(outbound.info()).toMatchObject({
      localAddr: a.addr(),
      remoteAddr: b.addr(),
      remotePort: 1000,
    });
    expect(inbound.info()).toMatchObject({
      localAddr: b.addr(),
      localPort: 1000,
      remoteAddr: a.addr(),
    });
    expect(inbound.info().remotePort).toBe(outbound.info().localPort);
    expect(outbound.info().localPort).toBeGreaterThanOrEqual(EPHEMERAL_PORT_START);

    const written = text('hello');
    await a.sendData(outbound, written);
    written[0] = 0; // the receiver got a copy
    const server = b.newConnReadWriter(inbound);
    const reader = server[Symbol.asyncIterator]();
    expect(str((await reader.next()).value)).toBe('hello');
    await server.write(text('world'));
    const client = a.newConnReadWriter(outbound);
    const clientReader = client[Symbol.asyncIterator]();
    expect(str((await clientReader.next()).value)).toBe('world');

    a.closeConnection(outbound);
    expect((await reader.next()).done).toBe(true);
    await expect(b.sendData(inbound, text('late'))).rejects.toMatchObject({
      code: 'CONNECTION_CLOSED',
    });
    expect(a.resources().connections).toBe(0);
    expect(b.resources().connections).toBe(0);
  });

  it('refuses dials to closed ports and unknown nodes, and honours an aborted signal', async () => {
    network = new MemoryNetwork();
    const a = network.createDaemon();
    const b = network.createDaemon();
    await expect(a.dialConnection(b.addr(), 80)).rejects.toMatchObject({
      code: 'CONNECTION_REFUSED',
    });
    await expect(a.dialConnection({ network: 0, node: 999 }, 80)).rejects.toMatchObject({
      code: 'HOST_UNREACHABLE',
    });
    b.ports().bind(80);
    const controller = new AbortController();
    controller.abort(new Error('cancelled'));
    await expect(a.dialConnection(b.addr(), 80, { signal: controller.signal })).rejects.toThrow(
      'cancelled',
    );
  });

  it('binds ephemeral ports, refuses double binds and ends accept on unbind', async () => {
    network = new MemoryNetwork();
    const a = network.createDaemon();
    const first = a.ports().bind(0);
    const second = a.ports().bind(0);
    expect(first.port).toBeGreaterThanOrEqual(EPHEMERAL_PORT_START);
    expect(second.port).not.toBe(first.port);
    expect(() => a.ports().bind(first.port)).toThrow(MemoryDaemonError);
    expect(() => a.ports().bind(70000)).toThrow(/not in 0\.\.65535/);
    const pending = first.accept();
    a.ports().unbind(first.port);
    await expect(pending).resolves.toBeUndefined();
    a.ports().unbind(first.port); // idempotent
    await second.close();
    expect(a.resources().ports).toEqual([]);
  });

  it('closes connections nobody accepted when the listener closes', async () => {
    network = new MemoryNetwork();
    const a = network.createDaemon();
    const b = network.createDaemon();
    const listener = b.ports().bind(5);
    const conn = await a.dialConnection(b.addr(), 5);
    await listener.close();
    const rw = a.newConnReadWriter(conn);
    expect((await rw[Symbol.asyncIterator]().next()).done).toBe(true);
    expect(b.resources().connections).toBe(0);
  });

  it('delivers datagrams to a receiving port and publishes data.datagram', async () => {
    network = new MemoryNetwork();
    const a = network.createDaemon();
    const b = network.createDaemon();
    const events = b.bus().subscribe('data.*');
    const receiver = b.receiveDatagrams(1234);
    await a.sendDatagram(b.addr(), 1234, text('ping'));
    await a.sendDatagram(b.addr(), 9, text('nobody listens')); // dropped, best-effort
    const datagram = await receiver.next();
    expect(datagram).toMatchObject({ source: a.addr(), port: 1234 });
    expect(str(datagram?.data)).toBe('ping');
    const event = await events[Symbol.asyncIterator]().next();
    expect(event.value).toMatchObject({
      topic: 'data.datagram',
      payload: { src_addr: formatAddr(a.addr()), dst_port: 1234, size: 4 },
    });
    receiver.close();
    events.close();
    expect(b.resources()).toMatchObject({ datagramReceivers: 0, busSubscriptions: 0 });
  });
});

describe('event bus', () => {
  it('matches *, prefix.* and exact patterns, stamping node id and clock time', async () => {
    network = new MemoryNetwork();
    const a = network.createDaemon();
    network.clock.set(1_000);
    const all = a.bus().subscribe('*');
    const conn = a.bus().subscribe('conn.*');
    const exact = a.bus().subscribe('handshake.approved');
    a.publishEvent('conn.established', { conn_id: 1 });
    network.clock.advance(500);
    a.publishEvent('handshake.approved', { peer_node_id: 2 });
    a.publishEvent('connx.other');
    const take = async (s: AsyncIterable<unknown>, n: number): Promise<unknown[]> => {
      const out: unknown[] = [];
      const it = s[Symbol.asyncIterator]();
      while (out.length < n) out.push((await it.next()).value);
      return out;
    };
    expect((await take(all, 3)).map((e) => (e as { topic: string }).topic)).toEqual([
      'conn.established',
      'handshake.approved',
      'connx.other',
    ]);
    expect(await take(conn, 1)).toEqual([
      { topic: 'conn.established', nodeId: a.nodeId(), time: 1_000, payload: { conn_id: 1 } },
    ]);
    expect(await take(exact, 1)).toMatchObject([{ topic: 'handshake.approved', time: 1_500 }]);
    for (const s of [all, conn, exact]) s.close();
  });

  it('drops and counts events beyond a full buffer without blocking the publisher', async () => {
    network = new MemoryNetwork();
    const a = network.createDaemon();
    const slow = a.bus().subscribe('*', { bufferSize: 2 });
    for (let i = 0; i < 5; i++) a.publishEvent('tick', { i });
    expect(slow.dropped).toBe(3);
    const seen: unknown[] = [];
    for await (const event of slow) {
      seen.push(event.payload.i);
      if (seen.length === 2) break; // leaving the loop closes the subscription
    }
    expect(seen).toEqual([0, 1]);
    expect(a.resources().busSubscriptions).toBe(0);
  });

  it('closes a subscription when its signal aborts', async () => {
    network = new MemoryNetwork();
    const a = network.createDaemon();
    const controller = new AbortController();
    const subscription = a.bus().subscribe('*', { signal: controller.signal });
    const next = subscription[Symbol.asyncIterator]().next();
    controller.abort();
    await expect(next).resolves.toEqual({ done: true, value: undefined });
    expect(a.resources().busSubscriptions).toBe(0);
  });
});

describe('peer directory, clock and identity', () => {
  it('introduces daemons to each other and forgets peers, notifying every plugin', async () => {
    network = new MemoryNetwork();
    const a = network.createDaemon({ name: 'alpha' });
    const events: string[] = [];
    const unsubscribe = a.peerDirectory.subscribe((e) => events.push(`${e.type}:${e.nodeId}`));
    const b = network.createDaemon({ name: 'beta' });
    expect(await a.peerDirectory.lookupName(b.nodeId())).toBe('beta');
    expect(await b.peerDirectory.lookupName(a.nodeId())).toBe('alpha');
    expect(await a.peerDirectory.lookupX25519(b.nodeId())).toEqual(b.x25519PublicKey);

    const heard: string[] = [];
    const hook = (name: string, fail: boolean): Plugin => ({
      name,
      init: () => {},
      shutdown: () => {},
      onPeerForgotten: (id) => {
        heard.push(`${name}:${id}`);
        if (fail) throw new Error(`${name} failed`);
      },
    });
    await a.loadPlugins([hook('first', true), hook('second', false)]);
    const failures = await a.forgetPeer(b.nodeId());
    expect(heard).toEqual([`first:${b.nodeId()}`, `second:${b.nodeId()}`]);
    expect(failures.map((f) => f.plugin)).toEqual(['first']);
    expect(events).toEqual([`seen:${b.nodeId()}`, `forgotten:${b.nodeId()}`]);
    expect(await a.peerDirectory.lookupName(b.nodeId())).toBeUndefined();
    expect(a.removedTunnels).toEqual([b.nodeId()]);
    unsubscribe();
    expect(a.resources().peerSubscriptions).toBe(0);
  });

  it('has a settable clock', () => {
    network = new MemoryNetwork();
    network.clock.set(42);
    expect(network.clock.advance(8)).toBe(50);
    expect(network.clock.now()).toBe(50);
    expect(() => network.clock.advance(-1)).toThrow(RangeError);
  });

  it('signs and verifies with a real Ed25519 identity', () => {
    network = new MemoryNetwork();
    const a = network.createDaemon();
    const b = network.createDaemon();
    const message = text('handshake:1:2');
    const signature = a.sign(message)!;
    expect(signature).toHaveLength(64);
    expect(a.identity()!.publicKey).toHaveLength(32);
    expect(b.identity()!.verify(message, signature, a.identity()!.publicKey)).toBe(true);
    expect(b.identity()!.verify(text('tampered'), signature, a.identity()!.publicKey)).toBe(false);
    expect(network.createDaemon({ identity: false }).sign(message)).toBeUndefined();
  });
});

describe('plugin host', () => {
  it('hands plugins a context and routes payloads between daemons through the control sender', async () => {
    network = new MemoryNetwork();
    const logger = createRecordingLogger();
    const a = network.createDaemon({ logger, dataDir: (name) => `/state/${name}` });
    const b = network.createDaemon();
    let context: PluginContext | undefined;
    const received: string[] = [];
    const receiver: Plugin = {
      name: 'receiver',
      payloadKinds: ['receiver.msg'],
      init: () => {},
      shutdown: () => {},
      handlePayload: (source, payload) => void received.push(`${source}:${str(payload.body)}`),
    };
    const sender: Plugin = {
      name: 'sender',
      init: (_daemon, ctx) => {
        context = ctx;
        ctx.logger.info('hello');
      },
      shutdown: () => {},
    };
    await a.loadPlugins([sender]);
    await b.loadPlugins([receiver]);
    expect(context).toMatchObject({ dataDir: '/state/sender', signal: a.signal });
    expect(logger.entries).toEqual([
      { level: 'info', component: 'sender', message: 'hello', fields: undefined },
    ]);
    await context!.control!.sendDirect(b.nodeId(), { kind: 'receiver.msg', body: text('direct') });
    expect(
      await context!.control!.sendRouted(b.nodeId(), {
        kind: 'receiver.msg',
        body: text('routed'),
      }),
    ).toBe(true);
    expect(
      await context!.control!.sendRouted(404, { kind: 'receiver.msg', body: text('lost') }),
    ).toBe(false);
    await expect(
      b.deliverPayload(a.nodeId(), { kind: 'nobody.claims', body: new Uint8Array() }),
    ).resolves.toEqual({
      status: 'unclaimed',
    });
    expect(received).toEqual([`${a.nodeId()}:direct`, `${a.nodeId()}:routed`]);
    expect(Array.from(context!.secrets!.signingSeed())).toHaveLength(32);
  });

  it('refuses overlapping payload kinds and rolls back a failed init', async () => {
    network = new MemoryNetwork();
    const a = network.createDaemon();
    const log: string[] = [];
    const plugin = (name: string, kinds: string[], failInit = false): Plugin => ({
      name,
      payloadKinds: kinds,
      init: () => {
        log.push(`init:${name}`);
        if (failInit) throw new Error('no');
      },
      shutdown: () => void log.push(`shutdown:${name}`),
    });
    await expect(a.loadPlugins([plugin('x', ['k']), plugin('y', ['k'])])).rejects.toThrow(
      PayloadKindConflictError,
    );
    await expect(a.loadPlugins([plugin('x', ['k']), plugin('y', ['j'], true)])).rejects.toThrow(
      PluginInitError,
    );
    expect(log).toEqual(['init:x', 'init:y', 'shutdown:y', 'shutdown:x']);
    expect(a.plugins()).toEqual([]);
  });

  it('gives up on an init that never settles: after initTimeoutMs, or when the daemon stops', async () => {
    network = new MemoryNetwork();
    const a = network.createDaemon();
    const log: string[] = [];
    let entered: (() => void) | undefined;
    let stuckEntered = Promise.resolve();
    const stuck = (name: string): Plugin => ({
      name,
      init: (daemon) => {
        daemon.ports().bind(0); // half-started: the port must be released by the rollback
        log.push(`init:${name}`);
        entered?.();
        return new Promise<void>(() => {});
      },
      shutdown: () => void log.push(`shutdown:${name}`),
    });
    const timedOut = (await a
      .loadPlugins([stuck('slow')], { initTimeoutMs: 10 })
      .catch((e: unknown) => e)) as PluginInitError;
    expect(timedOut).toBeInstanceOf(PluginInitError);
    expect(timedOut.cause).toBeInstanceOf(PluginInitTimeoutError);
    expect(log).toEqual(['init:slow', 'shutdown:slow']);

    log.length = 0;
    stuckEntered = new Promise<void>((resolve) => (entered = resolve));
    const loading = a.loadPlugins([stuck('forever')]).catch((e: unknown) => e);
    await stuckEntered;
    await a.stop();
    const stopped = (await loading) as PluginInitError;
    expect(stopped).toBeInstanceOf(PluginInitError);
    expect(stopped.cause).toMatchObject({ code: 'DAEMON_STOPPED' });
    expect(log).toEqual(['init:forever', 'shutdown:forever']);
    expect(a.plugins()).toEqual([]);
  });

  it('registers IPC methods that answer until removed', async () => {
    network = new MemoryNetwork();
    const a = network.createDaemon();
    const remove = a.registerMethod('demo.add', (params) => {
      const { x, y } = params as { x: number; y: number };
      return x + y;
    });
    expect(() => a.registerMethod('demo.add', () => 0)).toThrow(/already registered/);
    await expect(a.callMethod('demo.add', { x: 2, y: 3 })).resolves.toBe(5);
    remove();
    await expect(a.callMethod('demo.add', {})).rejects.toMatchObject({ code: 'METHOD_NOT_FOUND' });
  });

  it('proxies handshake calls and reports a missing handshake plugin', async () => {
    network = new MemoryNetwork();
    const a = network.createDaemon();
    await expect(a.handshakeSendRequest(2, 'hi')).rejects.toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
    });
    expect(a.trustedPeers()).toEqual([]);
    const calls: string[] = [];
    const service = {
      trustedPeers: () => [{ nodeId: 2, publicKey: '', approvedAt: 0, mutual: true, network: 0 }],
      sendRequest: async (id: number, why: string) => void calls.push(`send:${id}:${why}`),
      revokeTrust: async (id: number) => void calls.push(`revoke:${id}`),
    } as unknown as HandshakeService;
    a.registerHandshakeService(service);
    await a.handshakeSendRequest(2, 'hi');
    await a.handshakeRevokeTrust(2);
    expect(calls).toEqual(['send:2:hi', 'revoke:2']);
    expect(a.trustedPeers()).toHaveLength(1);
  });

  it('stop shuts plugins down, aborts the daemon signal, closes everything and leaves the network', async () => {
    network = new MemoryNetwork();
    const a = network.createDaemon();
    const b = network.createDaemon();
    const log: string[] = [];
    await a.loadPlugins([
      {
        name: 'p',
        init: () => {},
        shutdown: (signal) => void log.push(`shutdown aborted=${signal.aborted}`),
      },
    ]);
    a.ports().bind(7);
    a.bus().subscribe('*');
    a.registerMethod('x', () => 1);
    const conn = await b.dialConnection(a.addr(), 7);
    await Promise.all([a.stop(), a.stop()]);
    expect(log).toEqual(['shutdown aborted=false']);
    expect(a.signal.aborted).toBe(true);
    expect(a.resources()).toEqual({
      ports: [],
      connections: 0,
      busSubscriptions: 0,
      peerSubscriptions: 0,
      methods: [],
      datagramReceivers: 0,
    });
    await expect(b.sendData(conn, text('x'))).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
    await expect(b.dialConnection(a.addr(), 7)).rejects.toMatchObject({ code: 'HOST_UNREACHABLE' });
    await expect(a.start()).rejects.toMatchObject({ code: 'DAEMON_STOPPED' });
    expect(network.daemons()).toEqual([b]);
  });
});
