import {
  HandshakeServiceKey,
  TrustCheckerKey,
  WebhookManagerKey,
  defineService,
  errorCode,
} from '@mesh/daemonapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROBE_PLUGIN, PROVIDER_PLUGIN, createProbe, probeUntil } from './probe.js';
import {
  Inbox,
  expectMeshError,
  failureOf,
  pattern,
  readBytes,
  readToEnd,
  utf8,
  within,
} from './steps.js';
import type {
  ConformanceCluster,
  DaemonConformanceHarness,
  DaemonConformanceOptions,
} from './harness.js';
import type { ProbeState } from './probe.js';
import type {
  Daemon,
  Datagram,
  Event,
  HandshakeService,
  HandshakeTrustRecord,
  TrustChecker,
  WebhookManager,
} from '@mesh/daemonapi';

/** First and last port of the ephemeral range (reference §B.2). */
const EPHEMERAL_MIN = 49152;
const EPHEMERAL_MAX = 65535;
/** A node id no harness hands out. */
const UNKNOWN_NODE = 0xfffffff0;
/** The keys `list_nodes` entries may carry (`RegistryListedNode`). */
const LISTED_NODE_KEYS = ['address', 'hostname', 'nodeId', 'realAddr', 'tags', 'taskExec'];

/** The running cluster and what the probe saw, shared by the checks of one suite. */
interface Suite {
  cluster: ConformanceCluster;
  a: Daemon;
  b: Daemon;
  probe(daemon: Daemon): ProbeState;
  ms: number;
}

/**
 * Registers the daemon-contract conformance suite with vitest: one `it` per behaviour of the
 * `@mesh/daemonapi` `Daemon` contract, run against two daemons the harness starts (once per
 * suite) and stops afterwards. The same suite runs against the test kit's `MemoryDaemon` and
 * against the engine, so a plugin that passes on one behaves the same on the other.
 *
 * ```ts
 * describeDaemonConformance('memory daemon', memoryConformanceHarness());
 * ```
 */
export function describeDaemonConformance(
  name: string,
  harness: DaemonConformanceHarness,
  options: DaemonConformanceOptions = {},
): void {
  const ms = options.stepTimeoutMs ?? 10_000;
  describe(`daemon conformance: ${name}`, () => {
    const suite = {} as Suite;
    const probe = createProbe();

    beforeAll(async () => {
      const cluster = await harness.start({
        count: 2,
        plugins: [
          { name: PROBE_PLUGIN, factory: probe.factory },
          { name: PROVIDER_PLUGIN, factory: probe.provider },
        ],
      });
      const [a, b] = cluster.daemons;
      suite.cluster = cluster;
      if (a === undefined || b === undefined) {
        await cluster.close();
        throw new Error(`the harness started ${cluster.daemons.length} daemon(s); 2 are needed`);
      }
      Object.assign(suite, {
        a,
        b,
        ms,
        probe: (daemon: Daemon): ProbeState => {
          const state = probe.states.get(daemon);
          if (state === undefined)
            throw new Error(
              `the "${PROBE_PLUGIN}" plugin was not initialised on node ${daemon.nodeId()}: ` +
                'the harness must load setup.plugins through the engine (registerConformancePlugins)',
            );
          return state;
        },
      });
    }, 60_000);

    afterAll(async () => {
      await suite.cluster?.close();
    }, 60_000);

    describeIdentity(suite);
    describeStreams(suite);
    describePorts(suite);
    describeDatagrams(suite);
    describeServices(suite);
    describeEvents(suite);
    if (options.peerDirectory !== false) describePeerDirectory(suite);
    describeRegistry(suite);
    describeMethods(suite);
    describePlugins(suite);
    describeRevoke(suite);
  });
}

/** The node identity checks. */
function describeIdentity(s: Suite): void {
  describe('identity', () => {
    it('distinct node ids, addr() on the backbone, a 64-byte signature', () => {
      expect(s.a.nodeId()).toBeGreaterThan(0);
      expect(s.b.nodeId()).toBeGreaterThan(0);
      expect(s.a.nodeId()).not.toBe(s.b.nodeId());
      expect(s.a.addr()).toEqual({ network: 0, node: s.a.nodeId() });
      const identity = s.a.identity();
      expect(identity?.publicKey.length, 'identity().publicKey').toBe(32);
      const message = utf8('conformance');
      const signature = s.a.sign(message);
      expect(signature?.length, 'sign() length').toBe(64);
      if (identity !== undefined && signature !== undefined)
        expect(identity.verify(message, signature)).toBe(true);
      expect(s.a.versionInfo().version).toMatch(/^\d+\.\d+\.\d+/);
    });
  });
}

/** Binds a port on `server`, dials it from `client` and accepts; returns both ends. */
async function connect(s: Suite, client: Daemon, server: Daemon) {
  const listener = server.ports().bind(0);
  const accepted = listener.accept();
  const dialled = await within('dial', s.ms, client.dialConnection(server.addr(), listener.port));
  const inbound = await within('accept', s.ms, accepted);
  if (inbound === undefined) throw new Error('accept() ended without a connection');
  return { listener, dialled, inbound };
}

/** Streams: dial, accept, byte exchange, FIN, refusal. */
function describeStreams(s: Suite): void {
  describe('streams', () => {
    it('a dial to a bound port exchanges bytes both ways, and FIN ends both readers', async () => {
      const { listener, dialled, inbound } = await connect(s, s.a, s.b);
      try {
        expect(dialled.info().remoteAddr).toEqual(s.b.addr());
        expect(dialled.info().remotePort).toBe(listener.port);
        expect(inbound.info().localPort).toBe(listener.port);
        expect(inbound.info().remoteAddr.node).toBe(s.a.nodeId());
        expect(inbound.info().remotePort).toBe(dialled.info().localPort);
        const client = s.a.newConnReadWriter(dialled);
        const server = s.b.newConnReadWriter(inbound);
        const clientIn = client[Symbol.asyncIterator]();
        const serverIn = server[Symbol.asyncIterator]();
        await client.write(utf8('ping from a'));
        expect(await within('read ping', s.ms, readBytes(serverIn, 11))).toEqual(
          utf8('ping from a'),
        );
        await server.write(utf8('pong from b'));
        expect(await within('read pong', s.ms, readBytes(clientIn, 11))).toEqual(
          utf8('pong from b'),
        );
        await client.close();
        expect((await within('FIN at the server', s.ms, readToEnd(serverIn))).length).toBe(0);
        await server.close();
        expect((await within('FIN at the client', s.ms, readToEnd(clientIn))).length).toBe(0);
      } finally {
        await listener.close();
      }
    });

    it('newConnReadWriter round trip: 256 KiB echoed back intact', async () => {
      const { listener, dialled, inbound } = await connect(s, s.a, s.b);
      try {
        const server = s.b.newConnReadWriter(inbound);
        const echo = (async () => {
          for await (const chunk of server) await server.write(chunk);
          await server.close();
        })();
        const client = s.a.newConnReadWriter(dialled);
        const data = pattern(256 * 1024, 7);
        const back = readBytes(client[Symbol.asyncIterator](), data.length);
        for (let at = 0; at < data.length; at += 16 * 1024)
          await within('write', s.ms, client.write(data.subarray(at, at + 16 * 1024)));
        expect(Buffer.compare(await within('echo', s.ms * 3, back), data)).toBe(0);
        await client.close();
        await within('echo session end', s.ms, echo);
      } finally {
        await listener.close();
      }
    });

    it('sendData arrives; closeConnection is idempotent and ends the peer reader', async () => {
      const { listener, dialled, inbound } = await connect(s, s.a, s.b);
      try {
        const serverIn = s.b.newConnReadWriter(inbound)[Symbol.asyncIterator]();
        await s.a.sendData(dialled, utf8('via sendData'));
        expect(await within('read', s.ms, readBytes(serverIn, 12))).toEqual(utf8('via sendData'));
        s.a.closeConnection(dialled);
        s.a.closeConnection(dialled);
        expect((await within('FIN', s.ms, readToEnd(serverIn))).length).toBe(0);
        s.b.closeConnection(inbound);
      } finally {
        await listener.close();
      }
    });

    it('a dial to an unbound port is refused with CONNECTION_REFUSED', async () => {
      const listener = s.b.ports().bind(0);
      const port = listener.port;
      await listener.close();
      const error = await within(
        'refused dial',
        s.ms,
        failureOf('a dial to an unbound port', () => s.a.dialConnection(s.b.addr(), port)),
      );
      expectMeshError('a dial to an unbound port', error, 'CONNECTION_REFUSED');
    });
  });
}

/** The port table: bind(0), PORT_IN_USE, unbind, INVALID_PORT. */
function describePorts(s: Suite): void {
  describe('ports', () => {
    it('bind(0) gives distinct free ports from the ephemeral range', async () => {
      const first = s.a.ports().bind(0);
      const second = s.a.ports().bind(0);
      try {
        for (const port of [first.port, second.port]) {
          expect(port).toBeGreaterThanOrEqual(EPHEMERAL_MIN);
          expect(port).toBeLessThanOrEqual(EPHEMERAL_MAX);
        }
        expect(first.port).not.toBe(second.port);
      } finally {
        await first.close();
        await second.close();
      }
    });

    it('binding a bound port fails with PORT_IN_USE; unbind releases it', async () => {
      const listener = s.a.ports().bind(0);
      const port = listener.port;
      const error = await failureOf('binding a bound port', () => s.a.ports().bind(port));
      expectMeshError('binding a bound port', error, 'PORT_IN_USE');
      s.a.ports().unbind(port);
      expect(await within('accept after unbind', s.ms, listener.accept())).toBeUndefined();
      const again = s.a.ports().bind(port);
      expect(again.port).toBe(port);
      s.a.ports().unbind(port);
      s.a.ports().unbind(port); // unbinding an unbound port is a no-op
      const refused = await within(
        'dial after unbind',
        s.ms,
        failureOf('a dial to an unbound port', () => s.b.dialConnection(s.a.addr(), port)),
      );
      expectMeshError('a dial after unbind', refused, 'CONNECTION_REFUSED');
    });

    it('binding an invalid port fails with INVALID_PORT', async () => {
      const error = await failureOf('bind(70000)', () => s.a.ports().bind(70_000));
      expectMeshError('bind(70000)', error, 'INVALID_PORT');
    });
  });
}

/** Datagrams both ways through onDatagram(port). */
function describeDatagrams(s: Suite): void {
  describe('datagrams', () => {
    it('sendDatagram reaches onDatagram(port) both ways, with source address and ports', async () => {
      const atB = new Inbox<Datagram>();
      const atA = new Inbox<Datagram>();
      const stopB = s.b.onDatagram(4101, atB.push);
      const stopA = s.a.onDatagram(4102, atA.push);
      try {
        await s.a.sendDatagram(s.b.addr(), 4101, utf8('to b'));
        const first = await atB.next('datagram at b', s.ms);
        expect(first.src).toEqual(s.a.addr());
        expect(first.dstPort).toBe(4101);
        expect(first.srcPort).toBeGreaterThanOrEqual(EPHEMERAL_MIN);
        expect(first.srcPort).toBeLessThanOrEqual(EPHEMERAL_MAX);
        expect(bytes(first.data)).toEqual(utf8('to b'));
        await s.b.sendDatagram(s.a.addr(), 4102, utf8('to a'));
        const second = await atA.next('datagram at a', s.ms);
        expect(second.src).toEqual(s.b.addr());
        expect(second.dstPort).toBe(4102);
        expect(bytes(second.data)).toEqual(utf8('to a'));
      } finally {
        stopA();
        stopB();
      }
    });

    it('the receiver publishes data.datagram', async () => {
      const events = s.b.bus().subscribe('data.datagram');
      const stop = s.b.onDatagram(4103, () => {});
      try {
        await s.a.sendDatagram(s.b.addr(), 4103, utf8('12345'));
        const iterator = events[Symbol.asyncIterator]();
        let event: Event | undefined;
        while (event === undefined) {
          const next = await within('data.datagram', s.ms, iterator.next());
          if (next.done === true) throw new Error('subscription ended');
          if (next.value.payload['dst_port'] === 4103) event = next.value;
        }
        expect(typeof event.payload['src_port']).toBe('number');
        expect(event.payload['size']).toBe(5);
        expect(typeof event.payload['src_addr']).toBe('string');
      } finally {
        stop();
        events.close();
      }
    });

    it('a second handler on a port fails with PORT_IN_USE; the remover frees the port', async () => {
      const stop = s.b.onDatagram(4104, () => {});
      const error = await failureOf('a second onDatagram(4104)', () =>
        s.b.onDatagram(4104, () => {}),
      );
      expectMeshError('a second onDatagram', error, 'PORT_IN_USE');
      stop();
      const inbox = new Inbox<Datagram>();
      const again = s.b.onDatagram(4104, inbox.push);
      stop(); // a stale remover must not remove the new handler
      try {
        await s.a.sendDatagram(s.b.addr(), 4104, utf8('after'));
        expect(bytes((await inbox.next('datagram to the new handler', s.ms)).data)).toEqual(
          utf8('after'),
        );
      } finally {
        again();
      }
    });

    it('a throwing handler does not stop delivery', async () => {
      const inbox = new Inbox<Datagram>();
      const stop = s.b.onDatagram(4105, (d) => {
        inbox.push(d);
        throw new Error('conformance: handler failure');
      });
      try {
        await s.a.sendDatagram(s.b.addr(), 4105, utf8('one'));
        await inbox.next('first datagram', s.ms);
        await s.a.sendDatagram(s.b.addr(), 4105, utf8('two'));
        expect(bytes((await inbox.next('second datagram', s.ms)).data)).toEqual(utf8('two'));
      } finally {
        stop();
      }
    });

    it('sendDatagram to an invalid port fails with INVALID_PORT', async () => {
      const error = await failureOf('sendDatagram to port 70000', () =>
        s.a.sendDatagram(s.b.addr(), 70_000, utf8('x')),
      );
      expectMeshError('sendDatagram to port 70000', error, 'INVALID_PORT');
    });
  });
}

/** The typed service registry and the seed shorthands over it. */
function describeServices(s: Suite): void {
  describe('services', () => {
    it('provide / get / has / names / require, and the remover', () => {
      const key = defineService<{ hello(): string }>('conformance.greeter');
      const services = s.a.services();
      expect(services.get(key)).toBeUndefined();
      expect(services.has(key)).toBe(false);
      const impl = { hello: () => 'hi' };
      const remove = services.provide(key, impl);
      try {
        expect(services.get(key)).toBe(impl);
        // Keys compare by their Symbol.for id: a second definition of the name is the same key.
        expect(services.require(defineService<{ hello(): string }>('conformance.greeter'))).toBe(
          impl,
        );
        expect(services.has(key)).toBe(true);
        expect(services.names()).toContain('conformance.greeter');
        expect(services.names()).toEqual([...services.names()].sort());
      } finally {
        remove();
      }
      expect(services.has(key)).toBe(false);
      expectMeshError(
        'require of a missing service',
        captureSync(() => services.require(key)),
        'SERVICE_UNAVAILABLE',
      );
    });

    it('a second provide conflicts; a stale remover leaves the new one alone', () => {
      const key = defineService<number>('conformance.conflict');
      const services = s.a.services();
      const remove = services.provide(key, 1);
      const conflict = captureSync(() => services.provide(key, 2));
      expect(errorCode(conflict), `a second provide: ${String(conflict)}`).toBe('SERVICE_CONFLICT');
      expect(services.get(key)).toBe(1);
      remove();
      const removeSecond = services.provide(key, 2);
      remove();
      expect(services.get(key)).toBe(2);
      removeSecond();
      expect(services.has(key)).toBe(false);
    });

    it('the register* / get* shorthands are views of services()', () => {
      const first: TrustChecker = { isTrusted: () => ({ trusted: false }) };
      const second: TrustChecker = { isTrusted: () => ({ trusted: false }) };
      s.b.registerTrustChecker(first);
      expect(s.b.services().get(TrustCheckerKey)).toBe(first);
      expect(s.b.getTrustChecker()).toBe(first);
      s.b.registerTrustChecker(second); // the seed setter replaces its own earlier value
      expect(s.b.getTrustChecker()).toBe(second);
      expect(s.b.handshakeService()).toBe(s.b.services().get(HandshakeServiceKey));
    });

    it('setWebhookUrl fails with SERVICE_UNAVAILABLE until a webhook manager is installed', () => {
      expect(s.b.services().has(WebhookManagerKey)).toBe(false);
      expectMeshError(
        'setWebhookUrl without a webhook plugin',
        captureSync(() => s.b.setWebhookUrl('http://127.0.0.1:1/hook')),
        'SERVICE_UNAVAILABLE',
      );
      const urls: string[] = [];
      const manager: WebhookManager = {
        setUrl: (url) => void urls.push(url),
        stats: () => ({ dropped: 0, circuitSkips: 0, delivered: 0, failed: 0 }),
      };
      const remove = s.b.services().provide(WebhookManagerKey, manager);
      try {
        s.b.setWebhookUrl('http://127.0.0.1:1/hook');
        expect(urls).toEqual(['http://127.0.0.1:1/hook']);
      } finally {
        remove();
      }
    });
  });
}

/** The bytes of `data` as a plain Uint8Array (an engine may hand out a subclass such as Buffer). */
function bytes(data: Uint8Array): Uint8Array {
  return new Uint8Array(data);
}

/** The value `call` throws; fails the check when it returns. */
function captureSync(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  throw new Error('the call succeeded; it must throw');
}

/** The event bus: patterns, event fields, closing. */
function describeEvents(s: Suite): void {
  describe('events', () => {
    it('subscribe patterns: `*`, `prefix.*` and exact', async () => {
      const bus = s.a.bus();
      const all = bus.subscribe('*');
      const prefix = bus.subscribe('conformance.*');
      const exact = bus.subscribe('conformance.exact');
      try {
        s.a.publishEvent('conformancex.no', { n: 0 });
        s.a.publishEvent('conformance.a', { n: 1 });
        bus.publish('conformance.exact', { n: 2 });
        s.a.publishEvent('conformance.b.c', { n: 3 });
        s.a.publishEvent('conformance', { n: 4 });
        s.a.publishEvent('conformance.exact', { n: 5 });
        const take = async (
          sub: AsyncIterable<Event>,
          count: number,
          keep: (e: Event) => boolean,
        ) => {
          const out: Event[] = [];
          const iterator = sub[Symbol.asyncIterator]();
          while (out.length < count) {
            const next = await within('event', s.ms, iterator.next());
            if (next.done === true) break;
            if (keep(next.value)) out.push(next.value);
          }
          return out;
        };
        const mine = (e: Event): boolean => e.topic.startsWith('conformance');
        expect((await take(all, 6, mine)).map((e) => e.payload['n'])).toEqual([0, 1, 2, 3, 4, 5]);
        expect((await take(prefix, 4, () => true)).map((e) => e.topic)).toEqual([
          'conformance.a',
          'conformance.exact',
          'conformance.b.c',
          'conformance.exact',
        ]);
        const exactEvents = await take(exact, 2, () => true);
        expect(exactEvents.map((e) => e.payload['n'])).toEqual([2, 5]);
        const event = exactEvents[0];
        if (event === undefined) throw new Error('no exact event');
        expect(event.nodeId).toBe(s.a.nodeId());
        expect(Number.isFinite(event.time)).toBe(true);
        expect(event.payload).toEqual({ n: 2 });
      } finally {
        all.close();
        prefix.close();
        exact.close();
      }
    });

    it('close ends iteration, and an aborted signal closes the subscription', async () => {
      const sub = s.a.bus().subscribe('conformance.closing');
      const pending = sub[Symbol.asyncIterator]().next();
      sub.close();
      expect((await within('iteration end', s.ms, pending)).done).toBe(true);
      const controller = new AbortController();
      const aborted = s.a.bus().subscribe('conformance.closing', { signal: controller.signal });
      const waiting = aborted[Symbol.asyncIterator]().next();
      controller.abort();
      expect((await within('iteration end on abort', s.ms, waiting)).done).toBe(true);
    });
  });
}

/** The PeerDirectory plugins get in their context. */
function describePeerDirectory(s: Suite): void {
  describe('peer directory', () => {
    it('plugins get a PeerDirectory that reports `seen` after contact', async () => {
      const state = s.probe(s.a);
      const peers = state.context.peers;
      expect(peers, 'PluginContext.peers').toBeDefined();
      // Contact (a datagram) makes sure the peer is known, whatever happened before.
      await s.a.sendDatagram(s.b.addr(), 4199, utf8('hello'));
      const seen = (): boolean =>
        state.peerEvents.some((e) => e.type === 'seen' && e.nodeId === s.b.nodeId());
      await within('a `seen` event for the peer', s.ms, probeUntil(state, seen));
      const event = state.peerEvents.find((e) => e.type === 'seen' && e.nodeId === s.b.nodeId());
      if (event?.type !== 'seen') throw new Error('no seen event');
      expect(event.x25519PublicKey.length).toBe(32);
      expect(['direct', 'routed']).toContain(event.via);
      const key = await within('lookupX25519', s.ms, peers!.lookupX25519(s.b.nodeId()));
      expect(key).toEqual(event.x25519PublicKey);
      expect(await within('lookupName', s.ms, peers!.lookupName(s.b.nodeId()))).toBe(event.name);
    });

    it('lookups of an unknown node answer undefined; unsubscribe stops events', async () => {
      const peers = s.probe(s.a).context.peers!;
      expect(await within('lookupX25519', s.ms, peers.lookupX25519(UNKNOWN_NODE))).toBeUndefined();
      expect(await within('lookupName', s.ms, peers.lookupName(UNKNOWN_NODE))).toBeUndefined();
      const unsubscribe = peers.subscribe(() => {});
      unsubscribe();
      unsubscribe();
    });
  });
}

/** Registry calls plugins make. */
function describeRegistry(s: Suite): void {
  describe('registry', () => {
    it('registryClient().lookup reports the other node with its identity key', async () => {
      const client = s.a.registryClient();
      expect(client, 'registryClient()').toBeDefined();
      const info = await within('lookup', s.ms, client!.lookup(s.b.nodeId()));
      expect(info.nodeId).toBe(s.b.nodeId());
      expect(info.address).toMatch(/^\d+:[0-9A-F]{4}\.[0-9A-F]{4}\.[0-9A-F]{4}$/);
      expect(Array.isArray(info.networks)).toBe(true);
      const key = s.b.identity()?.publicKey;
      if (key !== undefined) expect(info.publicKey).toBe(Buffer.from(key).toString('base64'));
      expect(typeof info.public).toBe('boolean');
    });

    it('regConnListNodes returns RegistryListedNode[] with both nodes; the client agrees', async () => {
      const token = s.a.adminToken();
      expect(token, 'adminToken(): the harness must configure the registry admin token').toEqual(
        expect.any(String),
      );
      const nodes = await within('regConnListNodes', s.ms, s.a.regConnListNodes(0, token!));
      expect(Array.isArray(nodes)).toBe(true);
      for (const node of nodes) {
        expect(Object.keys(node).filter((k) => !LISTED_NODE_KEYS.includes(k))).toEqual([]);
        expect(Number.isInteger(node.nodeId)).toBe(true);
        expect(node.address).toMatch(/^0:0000\.[0-9A-F]{4}\.[0-9A-F]{4}$/);
        if (node.hostname !== undefined) expect(typeof node.hostname).toBe('string');
        if (node.tags !== undefined)
          expect(node.tags.every((t) => typeof t === 'string')).toBe(true);
        if (node.taskExec !== undefined) expect(typeof node.taskExec).toBe('boolean');
        if (node.realAddr !== undefined) expect(typeof node.realAddr).toBe('string');
      }
      const ids = nodes.map((n) => n.nodeId);
      expect(ids).toEqual(expect.arrayContaining([s.a.nodeId(), s.b.nodeId()]));
      const viaClient = await within(
        'listNodes',
        s.ms,
        s.a.registryClient()!.listNodes(0, { adminToken: token! }),
      );
      expect(viaClient.map((n) => n.nodeId).sort()).toEqual([...ids].sort());
    });

    it('list_nodes of the backbone without the admin token is refused', async () => {
      const error = await within(
        'refused listNodes',
        s.ms,
        failureOf('listNodes(0) without a token', () => s.a.registryClient()!.listNodes(0)),
      );
      expect(error).toBeInstanceOf(Error);
    });
  });
}

/** IPC method registration. */
function describeMethods(s: Suite): void {
  describe('IPC methods', () => {
    it('registerMethod refuses a taken name; only the current remover frees it', () => {
      const remove = s.a.registerMethod('conformance.ping', () => 'pong');
      const conflict = captureSync(() => s.a.registerMethod('conformance.ping', () => 'again'));
      expect(conflict).toBeInstanceOf(Error);
      remove();
      const removeSecond = s.a.registerMethod('conformance.ping', () => 'again');
      remove(); // stale: must not remove the second registration
      expect(captureSync(() => s.a.registerMethod('conformance.ping', () => 'x'))).toBeInstanceOf(
        Error,
      );
      removeSecond();
      s.a.registerMethod('conformance.ping', () => 'x')();
    });
  });
}

/** Plugin loading through the engine. */
function describePlugins(s: Suite): void {
  describe('plugin host', () => {
    it('loaded the probe through loadAll with a live context', () => {
      for (const daemon of [s.a, s.b]) {
        const { context } = s.probe(daemon);
        expect(context.signal.aborted).toBe(false);
        expect(typeof context.logger.child).toBe('function');
      }
    });

    it('a plugin starts after the provider of what it needs (not in name order)', () => {
      for (const daemon of [s.a, s.b]) {
        expect(s.probe(daemon).need, `node ${daemon.nodeId()}: the needed service at init`).toEqual(
          {
            nodeId: daemon.nodeId(),
          },
        );
      }
    });
  });
}

/** A handshake service that trusts nobody and records revocations. */
function recordingHandshake(revoked: number[]): HandshakeService {
  const trusted: HandshakeTrustRecord[] = [
    { nodeId: UNKNOWN_NODE, publicKey: '', approvedAt: 0, mutual: false, network: 0 },
  ];
  return {
    isTrusted: () => false,
    trustedPeers: () => trusted,
    pendingRequests: () => [],
    pendingCount: () => 0,
    sendRequest: async () => {},
    approveHandshake: async () => {},
    rejectHandshake: async () => {},
    revokeTrust: async (peer) => void revoked.push(peer),
    waitForTrust: async () => false,
    processRelayedRequest: () => {},
    processRelayedApproval: () => {},
    processRelayedRejection: () => {},
    stop: async () => {},
  };
}

/** handshakeRevokeTrust and its side effects. */
function describeRevoke(s: Suite): void {
  describe('trust revocation', () => {
    it('without a handshake service: trustedPeers() is empty and revoke fails with SERVICE_UNAVAILABLE', async () => {
      expect(s.a.handshakeService()).toBeUndefined();
      expect(s.a.trustedPeers()).toEqual([]);
      const error = await failureOf('handshakeRevokeTrust without a handshake plugin', () =>
        s.a.handshakeRevokeTrust(s.b.nodeId()),
      );
      expectMeshError(
        'handshakeRevokeTrust without a handshake plugin',
        error,
        'SERVICE_UNAVAILABLE',
      );
    });

    it('handshakeRevokeTrust revokes, removes the tunnel and tells plugins the peer is forgotten', async () => {
      // Contact first, so there is a tunnel to remove.
      const { listener, dialled } = await connect(s, s.a, s.b);
      s.a.closeConnection(dialled);
      await listener.close();
      expect(s.cluster.tunnelPeers(s.a), 'a tunnel to the peer after contact').toContain(
        s.b.nodeId(),
      );
      const revoked: number[] = [];
      const remove = s.a.services().provide(HandshakeServiceKey, recordingHandshake(revoked));
      try {
        expect(s.a.trustedPeers().map((p) => p.nodeId)).toEqual([UNKNOWN_NODE]);
        await within('handshakeRevokeTrust', s.ms, s.a.handshakeRevokeTrust(s.b.nodeId()));
        expect(revoked).toEqual([s.b.nodeId()]);
        expect(s.cluster.tunnelPeers(s.a)).not.toContain(s.b.nodeId());
        const state = s.probe(s.a);
        await within(
          'onPeerForgotten',
          s.ms,
          probeUntil(state, () => state.forgotten.includes(s.b.nodeId())),
        );
      } finally {
        remove();
      }
    });

    it('after a revocation a new dial builds a fresh tunnel', async () => {
      const { listener, dialled, inbound } = await connect(s, s.a, s.b);
      try {
        await s.a.sendData(dialled, utf8('again'));
        const serverIn = s.b.newConnReadWriter(inbound)[Symbol.asyncIterator]();
        expect(await within('read', s.ms, readBytes(serverIn, 5))).toEqual(utf8('again'));
        expect(s.cluster.tunnelPeers(s.a)).toContain(s.b.nodeId());
        s.a.closeConnection(dialled);
      } finally {
        await listener.close();
      }
    });
  });
}
