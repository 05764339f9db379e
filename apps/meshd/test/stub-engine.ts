// An in-memory engine for handler tests: real Duplex pairs instead of a network.
import { Duplex } from 'node:stream';
import type { DaemonSnapshot, LoadedPlugin } from '@mesh/daemon';
import { EventBus, RegistryLink } from '@mesh/daemon/internals';
import type { HandshakeService } from '@mesh/daemonapi';
import type { Addr } from '@mesh/protocol';
import type {
  EngineConnection,
  EngineDatagram,
  EngineListener,
  HandshakeEngine,
  NodeEngine,
  PluginEngine,
  StreamEngine,
} from '../src/ipc/engine.js';

let nextId = 1;

/** A Duplex whose writes appear as reads on its twin. */
function pair(a: {
  localPort: number;
  remoteAddr: Addr;
  remotePort: number;
}): [EngineConnection, EngineConnection] {
  const ends: Duplex[] = [];
  const make = (other: () => Duplex): Duplex =>
    new Duplex({
      allowHalfOpen: true,
      read() {},
      write(chunk, _enc, cb) {
        other().push(chunk);
        cb();
      },
      final(cb) {
        other().push(null);
        cb();
      },
    });
  const left = make(() => ends[1]);
  const right = make(() => ends[0]);
  ends.push(left, right);
  Object.assign(left, { id: nextId++, ...a });
  Object.assign(right, {
    id: nextId++,
    localPort: a.remotePort,
    remoteAddr: { network: 0, node: 1 },
    remotePort: a.localPort,
  });
  return [left as EngineConnection, right as EngineConnection];
}

export class StubEngine implements StreamEngine, NodeEngine, HandshakeEngine, PluginEngine {
  readonly remoteEnds: EngineConnection[] = [];
  readonly localEnds: EngineConnection[] = [];
  readonly listeners = new Map<
    number,
    { queue: EngineConnection[]; waiters: ((c: EngineConnection) => void)[]; closed: boolean }
  >();
  readonly datagramFns = new Set<(d: EngineDatagram) => void>();
  readonly sent: { dst: Addr; port: number; data: Uint8Array }[] = [];
  readonly hosts = new Map<string, number>([['beta', 2]]);
  handshake: HandshakeService | undefined;
  pluginMethods = new Map<string, (p: unknown) => unknown>();
  webhook = '';

  async dial(dst: Addr, port: number): Promise<EngineConnection> {
    if (port === 9)
      throw Object.assign(new Error('connection refused'), { code: 'CONNECTION_REFUSED' });
    const [local, remote] = pair({ localPort: 49152, remoteAddr: dst, remotePort: port });
    this.remoteEnds.push(remote);
    this.localEnds.push(local);
    return local;
  }

  listen(port: number): EngineListener {
    if (this.listeners.has(port))
      throw Object.assign(new Error(`port ${port} in use`), { code: 'PORT_IN_USE' });
    const state = {
      queue: [] as EngineConnection[],
      waiters: [] as ((c: EngineConnection) => void)[],
      closed: false,
      reject: [] as ((e: Error) => void)[],
    };
    this.listeners.set(port, state);
    return {
      port,
      accept: () =>
        state.closed
          ? Promise.reject(new Error('closed'))
          : state.queue.length > 0
            ? Promise.resolve(state.queue.shift()!)
            : new Promise((resolve, reject) => {
                state.waiters.push(resolve);
                state.reject.push(reject);
              }),
      close: () => {
        state.closed = true;
        this.listeners.delete(port);
        for (const r of state.reject.splice(0)) r(new Error('closed'));
      },
    };
  }

  /** A peer connects to a listening port; returns the peer's end. */
  inbound(port: number): EngineConnection {
    const l = this.listeners.get(port)!;
    const [local, remote] = pair({
      localPort: port,
      remoteAddr: { network: 0, node: 9 },
      remotePort: 50000,
    });
    const w = l.waiters.shift();
    if (w) w(local);
    else l.queue.push(local);
    return remote;
  }

  async sendDatagram(dst: Addr, port: number, data: Uint8Array): Promise<void> {
    this.sent.push({ dst, port, data });
  }

  onAnyDatagram(fn: (d: EngineDatagram) => void): () => void {
    this.datagramFns.add(fn);
    return () => this.datagramFns.delete(fn);
  }

  /** The node settings the engine owns (set.* and reload change them through the setters). */
  settings = { hostname: 'engine-name', public: false, tags: [] as string[] };
  /** When set, the webhook setter throws this (a missing webhook plugin). */
  webhookError: Error | undefined;

  snapshot(): DaemonSnapshot {
    return {
      node_id: 1,
      address: '0:0000.0000.0001',
      hostname: this.settings.hostname,
      public: this.settings.public,
      tags: this.settings.tags,
      task_exec: false,
      uptime_secs: 5,
      connections: 0,
      ports: this.listeners.size,
      peers: 0,
      encrypted_peers: 0,
      authenticated_peers: 0,
      encrypt: false,
      identity: true,
      public_key: '',
      owner: '',
      bytes_sent: 0,
      bytes_recv: 0,
      pkts_sent: 0,
      pkts_recv: 0,
      endpoint: '127.0.0.1:1',
      version: '0.1.0',
      transport: 'udp',
      webhook: { dropped: 0, circuitSkips: 0, delivered: 0, failed: 0 },
      bus_subscribers: 0,
      peer_list: [],
      conn_list: [],
    };
  }

  async setHostname(hostname: string): Promise<string> {
    this.settings.hostname = hostname;
    return hostname;
  }

  async setVisibility(isPublic: boolean): Promise<void> {
    this.settings.public = isPublic;
  }

  async setTags(tags: readonly string[]): Promise<string[]> {
    this.settings.tags = [...tags];
    return [...tags];
  }

  addr(): Addr {
    return { network: 0, node: 1 };
  }

  rawRegistryClient() {
    return {
      resolveHostname: async (h: string) => {
        const node = this.hosts.get(h);
        if (node === undefined) throw new Error(`hostname not found: ${h}`);
        return { nodeId: node, address: `0:0000.0000.000${node}`, public: true, hostname: h };
      },
      deregister: async () => {},
    };
  }

  setWebhookUrl(url: string): void {
    if (this.webhookError !== undefined) throw this.webhookError;
    this.webhook = url;
  }

  handshakeService(): HandshakeService | undefined {
    return this.handshake;
  }

  pluginList(): LoadedPlugin[] {
    return this.pluginMethods.size > 0 ? [{ name: 'hello', version: '1.2.3' }] : [];
  }

  methodNames(): string[] {
    return [...this.pluginMethods.keys()].sort();
  }

  method(name: string) {
    return this.pluginMethods.get(name);
  }
}

/**
 * The stub plus the lifecycle members meshd drives, with the engine's real event bus and
 * registry-link tracker: start "registers", heartbeats reach or lose the registry, stop
 * deregisters, each publishing what the engine publishes.
 */
export class LifecycleStubEngine extends StubEngine {
  started = false;
  stopped = false;
  heartbeats: boolean[] = [];
  heartbeatResult = true;
  readonly events = new EventBus(() => 1);
  readonly registryLink = new RegistryLink(this.events, '127.0.0.1:9000');

  async start(): Promise<void> {
    this.started = true;
    this.registryLink.reached('register');
    this.events.publish('node.registered', { address: '0:0000.0000.0001' });
  }

  async stop(): Promise<void> {
    this.events.publish('node.deregistered', { address: '0:0000.0000.0001' });
    this.stopped = true;
  }

  async heartbeatNow(): Promise<boolean> {
    this.heartbeats.push(this.heartbeatResult);
    if (this.heartbeatResult) this.registryLink.reached('heartbeat');
    else this.registryLink.lost('heartbeat: registry unreachable');
    return this.heartbeatResult;
  }

  bus(): EventBus {
    return this.events;
  }
}
