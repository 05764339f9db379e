import {
  HandshakeServiceKey,
  PolicyManagerKey,
  TrustCheckerKey,
  WebhookManagerKey,
  ServiceUnavailableError,
  createServiceRegistry,
  awaitPluginInit,
  PluginInitError,
  PluginShutdownError,
  ServiceNotProvidedError,
  assertDistinctPayloadKinds,
  orderPlugins,
  dispatchPayload,
  loadAll,
  noopLogger,
  notifyPeerForgotten,
  shutdownAll,
} from '@mesh/daemonapi';
import { MemoryEventBus } from '../bus/memory-bus.js';
import { MemoryConnReadWriter, MemoryConnection } from '../network/connection.js';
import { MemoryPortAllocator } from '../network/ports.js';
import { AsyncQueue } from '../util/async-queue.js';
import { MemoryDaemonError } from './errors.js';
import { MemoryIdentity, randomX25519PublicKey } from './identity.js';
import { MemoryPeerDirectory } from './peer-directory.js';
import type { Clock } from '../clock/manual-clock.js';
import type { MemoryRegistry } from '../network/memory-registry.js';
import type {
  ServiceKey,
  DatagramHandler,
  RegistryListedNode,
  ServiceRegistry,
  Addr,
  ConnReadWriter,
  Connection,
  ControlSender,
  Daemon,
  DialOptions,
  EventBus,
  EventPayload,
  HandshakeService,
  HandshakeTrustRecord,
  Identity,
  IpcMethodHandler,
  Logger,
  PayloadDispatchResult,
  Plugin,
  PluginContext,
  PluginHookFailure,
  PluginPayload,
  PolicyManager,
  PortAllocator,
  RegistryClient,
  ShutdownAllOptions,
  TrustChecker,
  TunnelRegistry,
  VersionInfo,
  WebhookManager,
} from '@mesh/daemonapi';

/** What a {@link MemoryDaemon} needs from its network. */
export interface MemoryFabric {
  /** The network's settable clock. */
  readonly clock: Clock;
  /** The network's registry. */
  readonly registry: MemoryRegistry;
  /** The running daemon with `nodeId`, if any. */
  daemon(nodeId: number): MemoryDaemon | undefined;
  /** Removes a stopped daemon from the network. */
  detach(daemon: MemoryDaemon): void;
}

/** Options of a {@link MemoryDaemon} (see `MemoryNetwork.createDaemon`). */
export interface MemoryDaemonOptions {
  /** Node id; the network assigns the next free one when absent. */
  readonly nodeId?: number;
  /**
   * Name advertised to other daemons' peer directories.
   * @defaultValue `node-<id>`
   */
  readonly name?: string;
  /**
   * Root logger; plugins get `logger.child(pluginName)`.
   * @defaultValue {@link noopLogger}
   */
  readonly logger?: Logger;
  /**
   * Whether the daemon has an Ed25519 identity (a real key pair).
   * @defaultValue true
   */
  readonly identity?: boolean;
  /** Registry client handed to plugins; wins over `registry`. None by default. */
  readonly registryClient?: RegistryClient;
  /**
   * Whether `registryClient()` (and `regConnListNodes`) reach the network's in-memory registry
   * (`MemoryNetwork.registry`), as the engine's reach the real one.
   * @defaultValue false
   */
  readonly registry?: boolean;
  /** Admin token reported by `adminToken()`. */
  readonly adminToken?: string;
  /**
   * Value of `trustAutoApprove()`.
   * @defaultValue false
   */
  readonly trustAutoApprove?: boolean;
  /** Per-plugin data directory handed to plugins. */
  readonly dataDir?: (plugin: string) => string;
  /**
   * Deadline for plugin shutdown when the daemon stops.
   * @defaultValue 5000
   */
  readonly stopTimeoutMs?: number;
}

/** A datagram received by a {@link DatagramReceiver}. */
export interface MemoryDatagram {
  /** Sender address. */
  readonly source: Addr;
  /** Sender port (a fresh ephemeral port per datagram, as the engine sends). */
  readonly srcPort: number;
  /** Destination port. */
  readonly port: number;
  /** The bytes (a copy). */
  readonly data: Uint8Array;
}

/** Receives datagrams sent to one port of a {@link MemoryDaemon}. */
export interface DatagramReceiver extends AsyncIterable<MemoryDatagram> {
  /** The port. */
  readonly port: number;
  /** The next datagram; `undefined` after `close`. */
  next(): Promise<MemoryDatagram | undefined>;
  /** Stops receiving. Idempotent. */
  close(): void;
}

/** Counts of everything a plugin could leave open on a {@link MemoryDaemon}. */
export interface MemoryDaemonResources {
  /** Bound ports. */
  readonly ports: readonly number[];
  /** Open stream connections (both directions). */
  readonly connections: number;
  /** Open event-bus subscriptions. */
  readonly busSubscriptions: number;
  /** Peer-directory listeners. */
  readonly peerSubscriptions: number;
  /** Registered IPC methods. */
  readonly methods: readonly string[];
  /** Open datagram receivers. */
  readonly datagramReceivers: number;
}

/**
 * Tunnel table: a peer gets a tunnel on first contact (a dial, a datagram or a plugin payload
 * either way), as the engine's key exchange does, and `removePeer` drops it (and records it).
 */
class MemoryTunnels implements TunnelRegistry {
  readonly removed: number[] = [];
  readonly peers = new Set<number>();
  removePeer(nodeId: number): void {
    this.peers.delete(nodeId);
    this.removed.push(nodeId);
  }
}

/** Formats an address as reference §B.1 text. */
export function formatAddr(addr: Addr): string {
  const hex = (n: number): string => n.toString(16).toUpperCase().padStart(4, '0');
  return `${addr.network}:${hex(addr.network)}.${hex(addr.node >>> 16)}.${hex(addr.node & 0xffff)}`;
}

/**
 * An in-memory implementation of the {@link Daemon} contract, real enough to run plugins:
 * streams, datagrams and ports between the daemons of one `MemoryNetwork`, a pattern-matching
 * event bus, a peer directory, IPC method registration, and a plugin host with payload dispatch
 * and forgotten-peer notification. Extra members (not in the contract) let tests drive it.
 */
export class MemoryDaemon implements Daemon {
  /** Name advertised to other daemons. */
  readonly name: string;
  /** The peer keystore (drive it with `see` / `forget`). */
  readonly peerDirectory = new MemoryPeerDirectory();
  /** This daemon's X25519 public key, as other daemons' directories see it. */
  readonly x25519PublicKey: Uint8Array = randomX25519PublicKey();
  /** Tags set through `setMemberTags`, by network. */
  readonly memberTags = new Map<number, readonly string[]>();
  /** Payload handlers that failed (contained), newest last. */
  readonly payloadFailures: {
    readonly plugin: string;
    readonly kind: string;
    readonly error: unknown;
  }[] = [];

  readonly #fabric: MemoryFabric;
  readonly #nodeId: number;
  readonly #options: MemoryDaemonOptions;
  readonly #logger: Logger;
  readonly #identity: MemoryIdentity | undefined;
  readonly #bus: MemoryEventBus;
  readonly #ports = new MemoryPortAllocator();
  readonly #tunnels = new MemoryTunnels();
  readonly #connections = new Set<MemoryConnection>();
  readonly #datagrams = new Map<number, AsyncQueue<MemoryDatagram>>();
  readonly #methods = new Map<string, IpcMethodHandler>();
  readonly #lifetime = new AbortController();
  readonly #control: ControlSender;
  #plugins: Plugin[] = [];
  #stopping: Promise<void> | undefined;
  readonly #services: ServiceRegistry = createServiceRegistry();
  readonly #datagramHandlers = new Map<number, DatagramHandler>();
  readonly #shorthandRemovers = new Map<symbol, () => void>();

  /** Use `MemoryNetwork.createDaemon`. */
  constructor(fabric: MemoryFabric, nodeId: number, options: MemoryDaemonOptions = {}) {
    this.#fabric = fabric;
    this.#nodeId = nodeId;
    this.#options = options;
    this.name = options.name ?? `node-${nodeId}`;
    this.#logger = options.logger ?? noopLogger;
    this.#identity = options.identity === false ? undefined : new MemoryIdentity();
    this.#bus = new MemoryEventBus(fabric.clock, () => this.#nodeId);
    this.#control = {
      sendDirect: async (target, payload) => {
        const daemon = this.#fabric.daemon(target);
        if (daemon === undefined) return;
        this.#contact(daemon);
        await daemon.deliverPayload(this.#nodeId, payload);
      },
      sendRouted: async (target, payload) => {
        const daemon = this.#fabric.daemon(target);
        if (daemon === undefined) return false;
        this.#contact(daemon);
        void daemon.deliverPayload(this.#nodeId, payload);
        return true;
      },
    };
  }

  // ---- lifecycle and identity ----

  /** The daemon is ready once created; `start` only checks it was not stopped. */
  async start(): Promise<void> {
    this.#assertRunning();
  }

  /**
   * Shuts loaded plugins down (with `stopTimeoutMs`), aborts the daemon-wide signal, closes
   * every connection, port, subscription and method, and leaves the network. Idempotent.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  /** Whether `stop` was called. */
  get stopped(): boolean {
    return this.#stopping !== undefined;
  }

  /** The daemon-wide cancellation signal plugins receive; aborted when the daemon stops. */
  get signal(): AbortSignal {
    return this.#lifetime.signal;
  }

  nodeId(): number {
    return this.#nodeId;
  }

  identity(): Identity | undefined {
    return this.#identity;
  }

  identityPath(): string | undefined {
    return undefined;
  }

  sign(message: Uint8Array): Uint8Array | undefined {
    return this.#identity?.sign(message);
  }

  adminToken(): string | undefined {
    return this.#options.adminToken;
  }

  trustAutoApprove(): boolean {
    return this.#options.trustAutoApprove ?? false;
  }

  addr(): Addr {
    return { network: 0, node: this.#nodeId };
  }

  versionInfo(): VersionInfo {
    return { version: '0.0.0-memory', commit: '', buildTime: '' };
  }

  // ---- streams, datagrams, ports ----

  async dialConnection(dst: Addr, port: number, options: DialOptions = {}): Promise<Connection> {
    this.#assertRunning();
    options.signal?.throwIfAborted();
    const target = this.#fabric.daemon(dst.node);
    if (target === undefined || target.stopped) {
      throw new MemoryDaemonError('HOST_UNREACHABLE', `no daemon at ${formatAddr(dst)}`);
    }
    if (!target.#ports.boundPorts().includes(port)) {
      throw new MemoryDaemonError(
        'CONNECTION_REFUSED',
        `nothing listens on ${formatAddr(dst)}:${port}`,
      );
    }
    this.#contact(target);
    const localPort = this.#ports.ephemeralPort();
    const local = new MemoryConnection(
      {
        localAddr: this.addr(),
        localPort,
        remoteAddr: { network: dst.network, node: dst.node },
        remotePort: port,
      },
      (c) => this.#connections.delete(c),
    );
    const remote = new MemoryConnection(
      {
        localAddr: { network: dst.network, node: dst.node },
        localPort: port,
        remoteAddr: this.addr(),
        remotePort: localPort,
      },
      (c) => target.#connections.delete(c),
    );
    MemoryConnection.link(local, remote);
    this.#connections.add(local);
    target.#connections.add(remote);
    target.#ports.deliver(port, remote);
    target.publishEvent('conn.established', {
      src_addr: formatAddr(this.addr()),
      src_port: localPort,
      dst_port: port,
    });
    return local;
  }

  async sendData(conn: Connection, data: Uint8Array): Promise<void> {
    this.#own(conn).write(data);
  }

  /**
   * Sends from a fresh ephemeral source port, as the engine does. The receiver publishes
   * `data.datagram` for every non-empty datagram, then hands it to the `onDatagram` handler of
   * the port (a throwing handler is contained and logged) and to a `receiveDatagrams` receiver.
   * Empty datagrams are dropped on arrival, as the engine's transport drops them.
   * @throws MemoryDaemonError `INVALID_PORT`; RangeError for a payload over 65535 bytes.
   */
  async sendDatagram(dst: Addr, port: number, data: Uint8Array): Promise<void> {
    this.#assertRunning();
    if (!Number.isInteger(port) || port < 0 || port > 0xffff)
      throw new MemoryDaemonError('INVALID_PORT', `invalid datagram port ${port}`);
    if (data.length > 0xffff)
      throw new RangeError(`datagram too large: ${data.length} bytes (max 65535)`);
    const srcPort = this.#ports.ephemeralPort();
    const target = this.#fabric.daemon(dst.node);
    if (target === undefined || target.stopped) return; // best-effort, like UDP
    this.#contact(target);
    if (data.length === 0) return;
    target.publishEvent('data.datagram', {
      src_addr: formatAddr(this.addr()),
      src_port: srcPort,
      dst_port: port,
      size: data.length,
    });
    const handler = target.#datagramHandlers.get(port);
    if (handler !== undefined) {
      try {
        handler({ src: this.addr(), srcPort, dstPort: port, data: data.slice() });
      } catch (error) {
        target.#logger.warn('datagram handler failed', { port, error: String(error) });
      }
    }
    target.#datagrams.get(port)?.push({ source: this.addr(), srcPort, port, data: data.slice() });
  }

  closeConnection(conn: Connection): void {
    if (conn instanceof MemoryConnection) conn.close();
  }

  newConnReadWriter(conn: Connection): ConnReadWriter {
    return new MemoryConnReadWriter(this.#own(conn, { allowClosed: true }));
  }

  ports(): PortAllocator {
    return this.#ports;
  }

  tunnels(): TunnelRegistry {
    return this.#tunnels;
  }

  /** Node ids passed to `tunnels().removePeer`, in order. */
  get removedTunnels(): readonly number[] {
    return this.#tunnels.removed;
  }

  /** Peers this daemon has a tunnel with (made on first contact, dropped by `removePeer`), ascending. */
  tunnelPeers(): number[] {
    return [...this.#tunnels.peers].sort((a, b) => a - b);
  }

  onDatagram(port: number, handler: DatagramHandler): () => void {
    if (this.#datagramHandlers.has(port))
      throw new MemoryDaemonError('PORT_IN_USE', `datagram port ${port} already has a handler`);
    this.#datagramHandlers.set(port, handler);
    return () => {
      if (this.#datagramHandlers.get(port) === handler) this.#datagramHandlers.delete(port);
    };
  }

  services(): ServiceRegistry {
    return this.#services;
  }

  /** Starts receiving datagrams sent to `port` as an async iterable (a test-side extension). */
  receiveDatagrams(port: number): DatagramReceiver {
    if (this.#datagrams.has(port))
      throw new MemoryDaemonError('PORT_IN_USE', `datagram port ${port} already has a receiver`);
    const close = (): void => {
      if (this.#datagrams.get(port) === queue) this.#datagrams.delete(port);
      queue.end();
    };
    const queue = new AsyncQueue<MemoryDatagram>({ onReturn: close });
    this.#datagrams.set(port, queue);
    return {
      port,
      next: () => queue.next(),
      close,
      [Symbol.asyncIterator]: () => queue[Symbol.asyncIterator](),
    };
  }

  // ---- registry ----

  registryClient(): RegistryClient | undefined {
    if (this.#options.registryClient !== undefined) return this.#options.registryClient;
    if (this.#options.registry !== true) return undefined;
    this.#registryClient ??= this.#fabric.registry.clientFor(this);
    return this.#registryClient;
  }

  #registryClient: RegistryClient | undefined;

  /**
   * `list_nodes` with an explicit token, through the registry client as the engine does.
   * @throws MemoryDaemonError `NO_REGISTRY` when the daemon has no registry client; the
   *   registry's refusal (`REGISTRY_DENIED` for network 0 without the admin token).
   */
  async regConnListNodes(networkId: number, token: string): Promise<RegistryListedNode[]> {
    const client = this.registryClient();
    if (client === undefined)
      throw new MemoryDaemonError(
        'NO_REGISTRY',
        'list_nodes needs a registry: create the daemon with `registry: true` or a `registryClient`',
      );
    return client.listNodes(networkId, { adminToken: token });
  }

  /** Records the tags in `memberTags` and, with a registry client, sets them there too. */
  async setMemberTags(networkId: number, tags: readonly string[]): Promise<void> {
    this.memberTags.set(networkId, [...tags]);
    await this.registryClient()?.setMemberTags(networkId, tags);
  }

  // ---- events ----

  publishEvent(topic: string, payload?: EventPayload): void {
    this.#bus.publish(topic, payload);
  }

  bus(): EventBus {
    return this.#bus;
  }

  // ---- services plugins register ----

  getTrustChecker(): TrustChecker | undefined {
    return this.#services.get(TrustCheckerKey);
  }

  registerTrustChecker(checker: TrustChecker): void {
    this.#replaceService(TrustCheckerKey, checker);
  }

  handshakeService(): HandshakeService | undefined {
    return this.#services.get(HandshakeServiceKey);
  }

  registerHandshakeService(service: HandshakeService): void {
    this.#replaceService(HandshakeServiceKey, service);
  }

  trustedPeers(): HandshakeTrustRecord[] {
    return this.#services.get(HandshakeServiceKey)?.trustedPeers() ?? [];
  }

  /**
   * Revokes through the handshake service, then, as the engine does, drops the peer's tunnel
   * and tells every loaded plugin the peer was forgotten (`onPeerForgotten`).
   * @throws ServiceUnavailableError (code `SERVICE_UNAVAILABLE`) without a handshake service.
   */
  async handshakeRevokeTrust(nodeId: number): Promise<void> {
    await this.#services.require(HandshakeServiceKey).revokeTrust(nodeId);
    this.#tunnels.removePeer(nodeId);
    await this.#notifyForgotten(nodeId);
  }

  /** @throws ServiceUnavailableError (code `SERVICE_UNAVAILABLE`) without a handshake service. */
  async handshakeSendRequest(nodeId: number, reason: string): Promise<void> {
    await this.#services.require(HandshakeServiceKey).sendRequest(nodeId, reason);
  }

  registerPolicyManager(manager: PolicyManager): void {
    this.#replaceService(PolicyManagerKey, manager);
  }

  /** The registered policy manager (test-side accessor). */
  policyManager(): PolicyManager | undefined {
    return this.#services.get(PolicyManagerKey);
  }

  setWebhookUrl(url: string): void {
    const manager = this.#services.get(WebhookManagerKey);
    if (manager === undefined) throw new ServiceUnavailableError(WebhookManagerKey.name);
    manager.setUrl(url);
  }

  registerWebhookManager(manager: WebhookManager): void {
    this.#replaceService(WebhookManagerKey, manager);
  }

  /**
   * The seed's `register*` setters replace what the same setter installed before (as the engine
   * does: Go assigns a field); a service installed through `services().provide` still conflicts.
   */
  #replaceService<T>(key: ServiceKey<T>, impl: T): void {
    this.#shorthandRemovers.get(key.id)?.();
    this.#shorthandRemovers.set(key.id, this.#services.provide(key, impl));
  }

  /** The registered webhook manager (test-side accessor). */
  webhookManager(): WebhookManager | undefined {
    return this.#services.get(WebhookManagerKey);
  }

  // ---- IPC methods ----

  registerMethod(name: string, handler: IpcMethodHandler): () => void {
    if (this.#methods.has(name))
      throw new MemoryDaemonError('METHOD_EXISTS', `IPC method "${name}" is already registered`);
    this.#methods.set(name, handler);
    return () => {
      if (this.#methods.get(name) === handler) this.#methods.delete(name);
    };
  }

  /** Calls a registered IPC method as the IPC server would. */
  async callMethod(
    name: string,
    params?: unknown,
    options: { signal?: AbortSignal } = {},
  ): Promise<unknown> {
    const handler = this.#methods.get(name);
    if (handler === undefined)
      throw new MemoryDaemonError('METHOD_NOT_FOUND', `method not found: ${name}`);
    return await handler(params, { signal: options.signal ?? this.#lifetime.signal });
  }

  // ---- plugin host ----

  /** Plugins loaded with {@link loadPlugins}, in load order. */
  plugins(): readonly Plugin[] {
    return this.#plugins;
  }

  /** The context {@link loadPlugins} hands to the plugin `name`. */
  pluginContext(name: string): PluginContext {
    const dataDir = this.#options.dataDir?.(name);
    return {
      logger: this.#logger.child(name),
      signal: this.#lifetime.signal,
      peers: this.peerDirectory,
      control: this.#control,
      ...(this.#identity === undefined ? {} : { secrets: this.#identity }),
      ...(dataDir === undefined ? {} : { dataDir }),
    };
  }

  /**
   * Initialises `plugins` the way `loadAll` does for the registry: payload kinds and service
   * needs are checked first (a need met by neither a plugin here nor an installed service fails
   * with `UnmetServiceNeedError`), plugins start after the providers of what they `need` (name
   * order among the rest, `PluginDependencyCycleError` on a cycle), each must have installed what
   * it `provides` when its `init` finishes (`ServiceNotProvidedError`), and a failure shuts the
   * failing and earlier plugins down again. An `init` that has not settled when the daemon stops,
   * or after `initTimeoutMs`, counts as failed. Each loaded plugin is announced on the bus as
   * `plugin.loaded` (`name`, and `version` when the plugin declares one).
   * @throws PluginInitError / PayloadKindConflictError / UnmetServiceNeedError /
   *   PluginDependencyCycleError, as `loadAll`.
   */
  async loadPlugins(
    plugins: readonly Plugin[],
    options: { readonly initTimeoutMs?: number } = {},
  ): Promise<void> {
    this.#assertRunning();
    assertDistinctPayloadKinds([...this.#plugins, ...plugins]);
    const ordered = orderPlugins(plugins, (id) => this.#services.has({ id, name: '' }));
    const started: Plugin[] = [];
    for (const plugin of ordered) {
      started.push(plugin);
      try {
        this.#lifetime.signal.throwIfAborted();
        await awaitPluginInit(plugin.name, plugin.init(this, this.pluginContext(plugin.name)), {
          signal: this.#lifetime.signal,
          timeoutMs: options.initTimeoutMs,
        });
        for (const key of plugin.provides ?? []) {
          if (!this.#services.has(key)) throw new ServiceNotProvidedError(plugin.name, key.name);
        }
      } catch (error) {
        let rollback: PluginShutdownError | undefined;
        await shutdownAll(started, { timeoutMs: this.#options.stopTimeoutMs ?? 5000 }).catch(
          (e: unknown) => {
            if (e instanceof PluginShutdownError) rollback = e;
          },
        );
        throw new PluginInitError(plugin.name, error, rollback);
      }
    }
    this.#plugins.push(...started);
    this.#announce(started);
  }

  #announce(plugins: readonly Plugin[]): void {
    for (const plugin of plugins) {
      this.#bus.publish('plugin.loaded', {
        name: plugin.name,
        ...(plugin.version === undefined ? {} : { version: plugin.version }),
      });
    }
  }

  /**
   * Loads every plugin of the process-wide registry exactly as the engine does, through
   * `loadAll` (`provides` / `needs` order, then name order; rollback on failure; this daemon's
   * signal, logger, services and data directories), then hosts them like {@link loadPlugins}: payloads, forgotten-peer hooks
   * and `stop` reach them.
   * @returns the plugins loaded, in start order.
   * @throws PluginInitError / PayloadKindConflictError, as `loadAll`.
   */
  async loadRegistered(options: { readonly initTimeoutMs?: number } = {}): Promise<Plugin[]> {
    this.#assertRunning();
    const dataDir = this.#options.dataDir;
    const plugins = await loadAll(this, {
      signal: this.#lifetime.signal,
      logger: this.#logger,
      services: {
        peers: this.peerDirectory,
        control: this.#control,
        ...(this.#identity === undefined ? {} : { secrets: this.#identity }),
      },
      shutdownTimeoutMs: this.#options.stopTimeoutMs ?? 5000,
      ...(dataDir === undefined ? {} : { dataDir }),
      ...(options.initTimeoutMs === undefined ? {} : { initTimeoutMs: options.initTimeoutMs }),
    });
    try {
      // loadAll checked the registry's claims among themselves; these must not clash with the
      // plugins this daemon already hosts either.
      assertDistinctPayloadKinds([...this.#plugins, ...plugins]);
    } catch (error) {
      await shutdownAll(plugins, { timeoutMs: this.#options.stopTimeoutMs ?? 5000 }).catch(
        () => {},
      );
      throw error;
    }
    this.#plugins.push(...plugins);
    this.#announce(plugins);
    return plugins;
  }

  /** Shuts every loaded plugin down in reverse order (see `shutdownAll`) and forgets them. */
  async unloadPlugins(options?: ShutdownAllOptions): Promise<void> {
    const plugins = this.#plugins;
    this.#plugins = [];
    await shutdownAll(plugins, options);
  }

  /** Dispatches an inbound payload from `source` to the loaded plugin claiming its kind. */
  async deliverPayload(source: number, payload: PluginPayload): Promise<PayloadDispatchResult> {
    const result = await dispatchPayload(this.#plugins, source, payload);
    if (result.status === 'failed') {
      this.payloadFailures.push({ plugin: result.plugin, kind: payload.kind, error: result.error });
      this.#logger.warn('plugin payload handler failed', {
        plugin: result.plugin,
        kind: payload.kind,
      });
    }
    return result;
  }

  /**
   * Forgets a peer: the directory emits `forgotten`, the tunnel is dropped and every loaded
   * plugin's `onPeerForgotten` runs (all of them, even if some throw). Returns the failures.
   */
  async forgetPeer(nodeId: number): Promise<PluginHookFailure[]> {
    this.peerDirectory.forget(nodeId);
    this.#tunnels.removePeer(nodeId);
    return this.#notifyForgotten(nodeId);
  }

  async #notifyForgotten(nodeId: number): Promise<PluginHookFailure[]> {
    const failures = await notifyPeerForgotten(this.#plugins, nodeId);
    for (const failure of failures) {
      this.#logger.warn('plugin onPeerForgotten failed', { plugin: failure.plugin, peer: nodeId });
    }
    return failures;
  }

  /** What is open right now; a leak check compares this before and after a plugin runs. */
  resources(): MemoryDaemonResources {
    return {
      ports: this.#ports.boundPorts(),
      connections: this.#connections.size,
      busSubscriptions: this.#bus.subscriptionCount,
      peerSubscriptions: this.peerDirectory.listenerCount,
      methods: [...this.#methods.keys()].sort(),
      datagramReceivers: this.#datagrams.size,
    };
  }

  /** Makes this daemon and `other` known to each other's peer directory. */
  meet(other: MemoryDaemon): void {
    this.peerDirectory.see({
      nodeId: other.#nodeId,
      x25519PublicKey: other.x25519PublicKey,
      name: other.name,
    });
    other.peerDirectory.see({
      nodeId: this.#nodeId,
      x25519PublicKey: this.x25519PublicKey,
      name: this.name,
    });
  }

  async #stop(): Promise<void> {
    this.#lifetime.abort(
      new MemoryDaemonError('DAEMON_STOPPED', `daemon ${this.name} is stopping`),
    );
    try {
      await this.unloadPlugins({ timeoutMs: this.#options.stopTimeoutMs ?? 5000 });
    } catch (error) {
      this.#logger.error('plugins failed to shut down', { error });
    }
    for (const conn of [...this.#connections]) conn.close();
    this.#ports.unbindAll();
    for (const queue of this.#datagrams.values()) queue.end();
    this.#datagrams.clear();
    this.#bus.closeAll();
    this.peerDirectory.clearListeners();
    this.#methods.clear();
    this.#fabric.detach(this);
  }

  #own(conn: Connection, options: { allowClosed?: boolean } = {}): MemoryConnection {
    if (!(conn instanceof MemoryConnection)) {
      throw new MemoryDaemonError('FOREIGN_CONNECTION', 'not a connection of an in-memory daemon');
    }
    if (this.#connections.has(conn)) return conn;
    if (conn.closed) {
      if (options.allowClosed === true) return conn;
      throw new MemoryDaemonError('CONNECTION_CLOSED', 'the connection is closed');
    }
    throw new MemoryDaemonError('FOREIGN_CONNECTION', 'the connection belongs to another daemon');
  }

  /**
   * Contact with `other`: when there was no tunnel yet, both sides now hold one and learn (or
   * refresh) each other in their peer directories (`seen`), as the engine's key exchange does.
   */
  #contact(other: MemoryDaemon): void {
    if (other === this || this.#tunnels.peers.has(other.#nodeId)) return;
    this.#tunnels.peers.add(other.#nodeId);
    other.#tunnels.peers.add(this.#nodeId);
    this.meet(other);
  }

  #assertRunning(): void {
    if (this.stopped)
      throw new MemoryDaemonError('DAEMON_STOPPED', `daemon ${this.name} is stopped`);
  }
}
