import { validateHostname } from './hostname.js';
import {
  HandshakeServiceKey,
  PolicyManagerKey,
  ServiceUnavailableError,
  TrustCheckerKey,
  WebhookManagerKey,
  createServiceRegistry,
  noopLogger,
  type DatagramHandler,
  type HandshakeService,
  type HandshakeTrustRecord,
  type IpcMethodHandler,
  type Logger,
  type PeerDirectory,
  type PolicyManager,
  type RegistryListedNode,
  type ServiceKey,
  type ServiceRegistry,
  type TrustChecker,
  type WebhookManager,
} from '@mesh/daemonapi';
import {
  BROADCAST_NODE,
  PACKET_HEADER_SIZE,
  PLUGIN_PAYLOAD_PORT,
  Proto,
  encodePacket,
  encodePacketHeaderInto,
  formatAddr,
  type Addr,
  type Packet,
} from '@mesh/protocol';
import type { RegistryClient } from '@mesh/registry-client';
import path from 'node:path';
import { DaemonError, KeyRotationError } from '../errors/errors.js';
import { EventBus } from '../events/event-bus.js';
import { Identity } from '../identity/identity.js';
import { IdentityHolder } from '../identity/identity-holder.js';
import { KeyRotation, type KeyRotationResult } from '../identity/key-rotation.js';
import { EnginePeerDirectory } from '../peers/peer-directory.js';
import { PluginRuntime, type LoadedPlugin } from '../plugins/plugin-runtime.js';
import { PluginRegistryClient } from '../registry/registry-adapter.js';
import { DATA_EXCHANGE_PORT, startDataExchange } from '../services/data-exchange.js';
import { ECHO_PORT, startEcho } from '../services/echo.js';
import { EVENT_STREAM_PORT, startEventStream } from '../services/event-stream.js';
import type { RunningService } from '../services/service.js';
import {
  Transport,
  TransportError,
  isTransportError,
  type Connection,
  type Datagram,
  type DialOptions as TransportDialOptions,
  type Listener,
} from '../transport/index.js';
import {
  Tunnel,
  formatEndpoint,
  parseEndpoint,
  type PacketOrigin,
  type UdpEndpoint,
} from '../tunnel/tunnel.js';
import type { WsRelayLink } from '../tunnel/ws-relay-link.js';
import { AdmissionGate, type PortEvent } from './admission-gate.js';
import { BUILD_INFO, DAEMON_VERSION } from './build-info.js';
import { ConnReadWriterAdapter, ConnectionHandle, ListenerAdapter } from './contract-adapters.js';
import { EarlyHeartbeat } from './early-heartbeat.js';
import type { DaemonOptions } from './options.js';
import { RegistrySession, type NodeSettingsState } from './registry-session.js';
import { RxWatchdog } from './rx-watchdog.js';
import { connectionRow, type DaemonSnapshot } from './snapshot.js';

export { DAEMON_VERSION, PLUGIN_PAYLOAD_PORT };

/** Lifecycle state of a {@link Daemon}. */
export type DaemonState = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

/**
 * The mesh daemon engine: the lifecycle root. It owns the collaborators and wires them:
 * the {@link RegistrySession} (registration, heartbeats, the node settings), the
 * {@link AdmissionGate} (spoof, trust and policy decisions), the {@link PluginRuntime} (plugins,
 * payloads, plugin IPC methods), the peer directory, the tunnel and the stream transport.
 * It satisfies the `@mesh/daemonapi` `Daemon` contract structurally (see
 * test/daemon-contract.test.ts) and never imports a plugin.
 */
export class Daemon {
  readonly #opts: DaemonOptions;
  readonly #log: Logger;
  readonly #bus: EventBus;
  readonly #serviceRegistry: ServiceRegistry = createServiceRegistry();
  readonly #shorthandRemovers = new Map<symbol, () => void>();
  readonly #gate: AdmissionGate;
  readonly #plugins: PluginRuntime;
  readonly #peers: EnginePeerDirectory;
  #state: DaemonState = 'new';
  #holder: IdentityHolder | undefined;
  #rotation: KeyRotation | undefined;
  #session: RegistrySession | undefined;
  #pluginRegistry: PluginRegistryClient | undefined;
  #tunnel: Tunnel | undefined;
  #transport: Transport | undefined;
  #services: RunningService[] = [];
  readonly #datagramListeners = new Set<(d: Datagram) => void>();
  readonly #portDatagramHandlers = new Map<number, DatagramHandler>();
  readonly #boundByPlugins = new Map<number, Listener>();
  readonly #memberCache = new Map<number, { at: number; members: Promise<number[]> }>();
  #endpoint: UdpEndpoint | undefined;
  #startedAt = 0;
  #heartbeatTimer: NodeJS.Timeout | undefined;
  #rxWatchdog: RxWatchdog | undefined;
  #heartbeatFailures = 0;
  /** Heartbeats queued or running: one at a time, in call order. */
  #heartbeats: Promise<unknown> = Promise.resolve();
  #heartbeatsPending = 0;
  #earlyHeartbeat: EarlyHeartbeat | undefined;
  readonly #stopped: Promise<void>;
  #resolveStopped: () => void = () => {};

  /**
   * @param options configuration; only `registry` is required
   */
  constructor(options: DaemonOptions) {
    this.#opts = options;
    this.#log = options.logger ?? noopLogger;
    this.#bus = new EventBus(() => this.nodeId());
    this.#stopped = new Promise((resolve) => (this.#resolveStopped = resolve));
    this.#gate = new AdmissionGate({
      services: this.#serviceRegistry,
      session: () => this.#session,
    });
    this.#peers = new EnginePeerDirectory(
      { lookup: (nodeId) => this.#requireSession().lookupPeer(nodeId) },
      this.#log.child('peers'),
    );
    const stateDir = this.#stateDir();
    this.#plugins = new PluginRuntime({
      ...(options.plugins === undefined ? {} : { modules: options.plugins }),
      ...(stateDir === undefined ? {} : { dataRoot: stateDir }),
      logger: this.#log.child('plugins'),
      shutdownTimeoutMs: options.pluginShutdownTimeoutMs ?? 5000,
      initTimeoutMs: options.pluginInitTimeoutMs ?? 30_000,
      hookTimeoutMs: options.pluginHookTimeoutMs ?? 5000,
      bus: this.#bus,
      secrets: { signingSeed: () => this.#requireIdentity().signingSeed() },
      peers: this.#peers,
      sendDatagram: (nodeId, port, data) =>
        this.sendDatagram({ network: 0, node: nodeId }, port, data),
      hasRoute: (nodeId) => this.#hasRoute(nodeId),
    });
  }

  // ---- lifecycle -----------------------------------------------------------------------------

  /** Current lifecycle state. */
  get state(): DaemonState {
    return this.#state;
  }

  /** Resolves once the daemon has stopped. */
  get stopped(): Promise<void> {
    return this.#stopped;
  }

  /**
   * Starts the engine (reference §A.3): identity, tunnel socket, endpoint discovery,
   * registration, beacon, heartbeat loop, services, then plugins. Resolves when ready.
   */
  async start(): Promise<void> {
    if (this.#state !== 'new')
      throw new DaemonError('ALREADY_STARTED', `cannot start a daemon that is ${this.#state}`);
    this.#state = 'starting';
    try {
      await this.#startEngine();
      await this.#plugins.importModules();
      this.#state = 'running';
      if (this.#opts.loadPlugins !== false) await this.#plugins.load(this);
      this.#bus.publish('daemon.ready', { node_id: this.nodeId(), address: this.#address() });
    } catch (error) {
      await this.#teardown(false);
      throw error;
    }
  }

  /** Stops: plugins first (with a deadline), then services, transport, heartbeat, tunnel. Idempotent. */
  async stop(): Promise<void> {
    if (this.#state === 'stopped' || this.#state === 'stopping') return this.#stopped;
    if (this.#state === 'new') {
      this.#state = 'stopped';
      this.#resolveStopped();
      return;
    }
    await this.#teardown(true);
  }

  async #startEngine(): Promise<void> {
    const opts = this.#opts;
    validateHostname(opts.hostname ?? '');
    this.#startedAt = Date.now();
    let loaded: Identity;
    if (opts.identityPath !== undefined) {
      const { identity, created } = await Identity.loadOrCreate(opts.identityPath);
      loaded = identity;
      if (created) this.#log.info('identity created', { path: opts.identityPath });
    } else {
      loaded = opts.identity ?? Identity.generate();
    }
    // The tunnel and the registry session read the key through the holder: a rotation swaps it once.
    const identity = new IdentityHolder(loaded);
    this.#holder = identity;

    const registryAddrs = opts.registry.split(',').map((a) => {
      const e = parseEndpoint(a.trim());
      if (e === undefined)
        throw new DaemonError('CONFIG', `registry address "${a.trim()}" is not host:port`);
      return e;
    });
    const registryAddr = registryAddrs[0];
    const beacon = opts.beacon === undefined ? undefined : parseEndpoint(opts.beacon);
    if (opts.beacon !== undefined && beacon === undefined) {
      throw new DaemonError('CONFIG', `beacon address "${opts.beacon}" is not host:port`);
    }
    const listen = parseEndpoint(opts.listen ?? '0.0.0.0:0');
    if (listen === undefined)
      throw new DaemonError('CONFIG', `listen address "${opts.listen}" is not host:port`);

    const session = new RegistrySession({
      registry: opts.registry,
      host: registryAddr.address,
      port: registryAddr.port,
      ...(registryAddrs.length > 1
        ? { addresses: registryAddrs.map((e) => ({ host: e.address, port: e.port })) }
        : {}),
      ...(opts.registryTls ? { tls: opts.registryTls } : {}),
      mode: opts.registryMode ?? 'binary',
      timeoutMs: opts.registryTimeoutMs ?? 10_000,
      identity,
      bus: this.#bus,
      logger: this.#log.child('registry'),
      initial: {
        hostname: opts.hostname ?? '',
        public: opts.public === true,
        tags: [],
        taskExec: false,
      },
      ...(opts.owner === undefined ? {} : { owner: opts.owner }),
      version: DAEMON_VERSION,
      onConnectionLost: () => this.#earlyHeartbeat?.trigger(),
    });
    this.#session = session;
    this.#pluginRegistry = new PluginRegistryClient(session.client);

    const transport = opts.transport ?? 'udp';
    let relayLink: WsRelayLink | undefined;
    if (transport !== 'udp') {
      if (opts.beaconWs === undefined) {
        throw new DaemonError(
          'CONFIG',
          `transport "${transport}" needs the beacon WebSocket URL (beaconWs)`,
        );
      }
      // Imported here: `ws` (with http, https and tls) is only loaded by daemons that relay over it.
      const { WsRelayLink } = await import('../tunnel/ws-relay-link.js');
      relayLink = new WsRelayLink({
        url: opts.beaconWs,
        preferred: transport === 'ws',
        logger: this.#log.child('ws-relay'),
      });
    }
    const tunnel = new Tunnel({
      ...(relayLink === undefined ? {} : { relayLink }),
      bus: this.#bus,
      identity,
      encrypt: opts.encrypt ?? true,
      allowPlaintext: opts.allowPlaintext ?? false,
      host: listen.address,
      port: listen.port,
      ...(beacon === undefined ? {} : { beacon }),
      logger: this.#log.child('tunnel'),
      lookupKey: async (nodeId) => {
        // The same answer tells which networks the peer is in (trust gate: shared network).
        let info;
        try {
          info = await session.lookupPeer(nodeId);
        } catch (err) {
          // "Not registered" is an answer (the node has no key); anything else is none (rethrown:
          // the tunnel then refuses the exchange for now instead of accepting it unauthenticated).
          if (isNotFound(err)) return undefined;
          throw err;
        }
        this.#peers.learn(nodeId, info.publicKey, info.hostname);
        return info.publicKey === ''
          ? undefined
          : new Uint8Array(Buffer.from(info.publicKey, 'base64'));
      },
      resolveEndpoint: async (nodeId) => {
        const r = await session.link.track(session.client.resolve(nodeId), 'resolve');
        return r.realAddr === '' ? undefined : parseEndpoint(r.realAddr);
      },
      onPacket: (packet, origin) => this.#route(packet, origin),
      ...opts.tunnel,
      pathMtu: { baseSegmentSize: opts.streams?.segmentSize ?? 1152, ...opts.tunnel?.pathMtu },
    });
    this.#tunnel = tunnel;
    // A tunnel to a peer the directory has not seen yet (an unauthenticated exchange): learn it.
    this.#bus.on('tunnel.established', (e) => {
      const peer = e.payload['peer_node_id'];
      if (typeof peer === 'number' && !this.#peers.has(peer)) void this.#peers.lookupName(peer);
    });
    this.#transport = new Transport({
      localAddr: () => this.addr(),
      send: (packet) => {
        if (packet.dst.node === BROADCAST_NODE) this.#broadcast(packet);
        else sendPacket(tunnel, packet);
      },
      ...(opts.streams === undefined ? {} : { tuning: opts.streams }),
      ...(opts.limits === undefined ? {} : { limits: opts.limits }),
      onEvent: (topic, data) => this.#bus.publish(topic, data),
      onDialStalled: (peer) => tunnel.activateRelay(peer.node),
      pathSegmentSize: (node) => tunnel.segmentSize(node),
      onPathLoss: (node) => tunnel.pathLoss(node),
    });
    this.#transport.on('datagram', (d) => this.#deliverDatagram(d));
    const bound = await tunnel.bind();

    // Endpoint discovery (§A.3 step 1): fixed, else beacon-observed, else the local address.
    let endpoint: UdpEndpoint | undefined;
    if (opts.endpoint !== undefined) {
      endpoint = parseEndpoint(opts.endpoint);
      if (endpoint === undefined)
        throw new DaemonError('CONFIG', `endpoint "${opts.endpoint}" is not host:port`);
    } else {
      endpoint = await tunnel.discover(opts.discoveryTimeoutMs ?? 2000);
      // auto: a beacon that does not answer over UDP means UDP is blocked; relay over ws.
      if (endpoint === undefined && relayLink !== undefined) relayLink.preferred = true;
    }
    if (endpoint === undefined || endpoint.address === '') endpoint = localEndpoint(bound);
    this.#endpoint = endpoint;

    const rotation = new KeyRotation({
      holder: identity,
      identityPath: opts.identityPath,
      registry: () => this.#session,
      nodeId: () => this.#session?.nodeId ?? 0,
      rekey: () => tunnel.rekeyAll(),
      bus: this.#bus,
      logger: this.#log.child('identity'),
    });
    this.#rotation = rotation;
    if (await rotation.loadPending()) await this.#settleRotationAtStart(rotation);

    await this.#register();
    this.#scheduleHeartbeat();
    this.#startRxWatchdog();
    this.#startServices();
  }

  // A rotation interrupted by a crash: registering with the wrong key would give the node a new
  // id, so the registry is asked first which key it holds.
  async #settleRotationAtStart(rotation: KeyRotation): Promise<void> {
    const outcome = await rotation.reconcile();
    const pending = KeyRotation.pendingPath(this.#opts.identityPath ?? 'identity.json');
    if (outcome === 'unknown')
      throw new KeyRotationError(
        'ROTATION_UNKNOWN',
        `an interrupted key rotation is pending (${pending}) and the registry cannot be asked which key it holds; start again once the registry is reachable`,
      );
    if (outcome === 'conflict')
      throw new KeyRotationError(
        'ROTATION_CONFLICT',
        `the registry holds neither the current key nor the pending one (${pending}); remove the pending file to start with the current key`,
      );
  }

  #startRxWatchdog(): void {
    const wd = this.#opts.rxWatchdog;
    if (wd === false) return;
    const tunnel = this.#tunnel!;
    const transport = this.#transport!;
    this.#rxWatchdog = new RxWatchdog({
      bus: this.#bus,
      received: () => tunnel.stats.pktsRecv,
      // Open streams owe us ACKs or keepalives; a tunnel with none may be silent legitimately.
      expecting: () => transport.connections().some((c) => c.state === 'ESTABLISHED'),
      recover: () => tunnel.announceToBeacon(),
      silenceMs: wd?.silenceMs ?? 90_000,
      wedgedMs: wd?.wedgedMs ?? 300_000,
    });
  }

  #startServices(): void {
    const transport = this.#transport!;
    const wanted = this.#opts.services ?? {};
    const ctx = {
      bus: this.#bus,
      logger: this.#log.child('services'),
      stateDir: this.#stateDir(),
      limits: this.#opts.folderLimits ?? {},
    };
    if (wanted.echo !== false) this.#services.push(startEcho(transport.listen(ECHO_PORT)));
    if (wanted.dataExchange !== false) {
      this.#services.push(startDataExchange(transport.listen(DATA_EXCHANGE_PORT), ctx));
    }
    if (wanted.eventStream !== false) {
      this.#services.push(startEventStream(transport.listen(EVENT_STREAM_PORT), ctx));
    }
  }

  async #register(): Promise<void> {
    const session = this.#session!;
    const result = await session.register(formatEndpoint(this.#endpoint!));
    this.#tunnel!.setNodeId(result.nodeId);
    this.#tunnel!.announceToBeacon();
    if (result.reregistered) {
      // The registry may have lost the trust pairs too: report every local one again (§A.4).
      await Promise.all(
        this.trustedPeers().map((peer) =>
          session.client.reportTrust(peer.nodeId).catch((error: unknown) => {
            this.#log.debug('re-reporting trust failed', {
              peer: peer.nodeId,
              error: String(error),
            });
          }),
        ),
      );
      this.#bus.publish('node.reregistered', { address: result.address });
    } else
      this.#bus.publish('node.registered', {
        address: result.address,
        endpoint: formatEndpoint(this.#endpoint!),
      });
  }

  #scheduleHeartbeat(): void {
    const interval = this.#opts.keepaliveMs ?? 60_000;
    // A tick while a heartbeat is queued or running (e.g. an early one) adds nothing.
    this.#heartbeatTimer = setInterval(() => {
      if (this.#heartbeatsPending === 0) void this.heartbeatNow();
    }, interval);
    this.#heartbeatTimer.unref();
    // The registry dropped the connection (restarted?): heartbeat early, not a whole interval later.
    this.#earlyHeartbeat = new EarlyHeartbeat({
      beat: () => this.heartbeatNow(),
      maxDelayMs: interval,
    });
  }

  /**
   * Runs one heartbeat now (the loop calls it every `keepaliveMs`, and early, with backoff, after
   * the registry dropped the connection): on success re-announces to the beacon; when the
   * registry does not know the node, or after `reregisterAfterFailures` consecutive failures,
   * re-registers (same key → same node id) with the current node settings. Heartbeats never
   * overlap: a call while one runs waits for it, then runs its own. Never throws.
   * @returns whether the heartbeat (or the re-registration) succeeded; `false` once stopping
   */
  heartbeatNow(): Promise<boolean> {
    this.#heartbeatsPending += 1;
    const run = this.#heartbeats.then(() => this.#heartbeatOnce());
    const done = (): void => {
      this.#heartbeatsPending -= 1;
    };
    this.#heartbeats = run.then(done, done);
    return run;
  }

  async #heartbeatOnce(): Promise<boolean> {
    if (this.#state !== 'running') return false;
    try {
      // A rotation whose outcome was unknown: settle it before signing with either key.
      if (this.#rotation?.hasPending === true) await this.#rotation.reconcile();
      const beat = await this.#session!.heartbeat();
      this.#heartbeatFailures = 0;
      if (beat.keyExpiryWarning)
        this.#bus.publish('identity.key_expiry_warning', { node_id: this.nodeId() });
      this.#tunnel!.announceToBeacon();
      return true;
    } catch (error) {
      this.#heartbeatFailures += 1;
      this.#log.warn('heartbeat failed', {
        failures: this.#heartbeatFailures,
        error: String(error),
      });
      // The registry answered that it does not know this node (e.g. restarted on an empty store):
      // re-register at once; other failures (the registry unreachable) wait for a few in a row.
      if (!isNotFound(error) && this.#heartbeatFailures < (this.#opts.reregisterAfterFailures ?? 3))
        return false;
      try {
        await this.#register();
        this.#heartbeatFailures = 0;
        return true;
      } catch (regError) {
        this.#log.warn('re-registration failed', { error: String(regError) });
        return false;
      }
    }
  }

  async #teardown(graceful: boolean): Promise<void> {
    this.#state = 'stopping';
    if (graceful) await this.#plugins.stop();
    if (this.#heartbeatTimer !== undefined) clearInterval(this.#heartbeatTimer);
    this.#earlyHeartbeat?.stop();
    this.#rxWatchdog?.stop();
    this.#heartbeatTimer = undefined;
    // FIN every open connection first (services' connections included, so their peers see a clean
    // EOF rather than a reset), then reset what is left and stop all timers; then stop services.
    await this.#transport?.close({ graceMs: graceful ? 200 : 0 });
    for (const service of this.#services.splice(0)) service.stop();
    if (graceful) this.#bus.publish('node.deregistered', { address: this.#address() });
    this.#datagramListeners.clear();
    await this.#tunnel?.close();
    await this.#session?.close();
    this.#state = 'stopped';
    this.#bus.closeAll();
    this.#resolveStopped();
  }

  #stateDir(): string | undefined {
    if (this.#opts.stateDir !== undefined) return this.#opts.stateDir;
    if (this.#opts.identityPath !== undefined) return path.dirname(this.#opts.identityPath);
    return undefined;
  }

  #address(): string {
    return this.#session?.address ?? '';
  }

  #requireSession(): RegistrySession {
    if (this.#session === undefined)
      throw new DaemonError('NOT_STARTED', 'the daemon is not started');
    return this.#session;
  }

  #requireIdentity(): Identity {
    if (this.#holder === undefined)
      throw new DaemonError('NOT_STARTED', 'the daemon is not started');
    return this.#holder.current;
  }

  /**
   * Rotates the node's Ed25519 key: the registry is told with the old key (`rotate_key`), then the
   * new key is used for every registry call and every tunnel (fresh key exchanges with all peers).
   * With an identity file the new key is written to `identity.json.pending` first, the old one is
   * kept as `identity.json.old` and the pending file is renamed over `identity.json`. A rotation
   * whose outcome is unknown (`ROTATION_UNKNOWN`) is settled by asking the registry at the next
   * heartbeat, rotation or start.
   * @returns the node id and both keys
   * @throws KeyRotationError `ROTATION_REFUSED`, `ROTATION_UNKNOWN` or `ROTATION_CONFLICT`
   */
  async rotateKey(): Promise<KeyRotationResult> {
    if (this.#state !== 'running' || this.#rotation === undefined)
      throw new DaemonError('NOT_STARTED', 'the daemon is not running');
    return this.#rotation.rotate();
  }

  // ---- node settings (owned by the registry session) -----------------------------------------

  /**
   * The node settings the registry holds for this node (hostname, visibility, tags, task
   * execution), as last set. Before start: the start-up options.
   * @returns the settings
   */
  nodeSettings(): NodeSettingsState {
    return (
      this.#session?.settings ?? {
        hostname: this.#opts.hostname ?? '',
        public: this.#opts.public === true,
        tags: [],
        taskExec: false,
      }
    );
  }

  /**
   * Sets or clears the hostname in the registry; a later re-registration keeps it.
   * @param hostname the name, `''` clears it
   * @returns the name now registered
   */
  setHostname(hostname: string): Promise<string> {
    try {
      validateHostname(hostname);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return this.#requireSession().setHostname(hostname);
  }

  /**
   * Makes the node public or private, in the registry and at the trust gate at once: a private
   * node refuses streams and datagrams from peers it neither trusts nor shares a network with.
   * @param isPublic the visibility
   */
  setVisibility(isPublic: boolean): Promise<void> {
    return this.#requireSession().setVisibility(isPublic);
  }

  /**
   * Replaces the node tags (the policy gate's local tags).
   * @param tags the tags
   * @returns the tags now registered
   */
  setTags(tags: readonly string[]): Promise<string[]> {
    return this.#requireSession().setTags(tags);
  }

  /**
   * Turns task execution on or off.
   * @param enabled the flag
   */
  setTaskExec(enabled: boolean): Promise<void> {
    return this.#requireSession().setTaskExec(enabled);
  }

  // ---- inbound routing -----------------------------------------------------------------------

  // Broadcast (node 0xFFFFFFFF): unicast a copy to every other member of the network, from a
  // member list cached for 30 s. The backbone (network 0) has no broadcast.
  #broadcast(packet: Packet): void {
    const network = packet.dst.network;
    if (network === 0) {
      this.#bus.publish('datagram.broadcast_refused', { network_id: 0 });
      return;
    }
    const bytes = encodePacket(packet);
    void this.#networkMembers(network).then((members) => {
      for (const node of members) if (node !== this.nodeId()) this.#tunnel?.send(node, bytes);
    });
  }

  #networkMembers(network: number): Promise<number[]> {
    const cached = this.#memberCache.get(network);
    if (cached !== undefined && Date.now() - cached.at < 30_000) return cached.members;
    const members = this.#requireSession()
      .client.listNodes(
        network,
        this.#opts.adminToken === undefined ? {} : { adminToken: this.#opts.adminToken },
      )
      .then((nodes) => nodes.map((n) => n.nodeId))
      .catch((error: unknown) => {
        this.#log.warn('broadcast member list failed', { network, error: String(error) });
        this.#memberCache.delete(network);
        return [] as number[];
      });
    this.#memberCache.set(network, { at: Date.now(), members });
    return members;
  }

  // Inbound path: the admission gate (spoof, trust, policy), then the transport.
  #route(packet: Packet, origin: PacketOrigin): void {
    const transport = this.#transport;
    if (transport === undefined || this.#state === 'stopped') return;
    const decision = this.#gate.inbound(packet, origin);
    if (decision.allowed) {
      transport.receive(packet, origin.peer);
      return;
    }
    if (decision.reason === 'spoof') return; // a packet that claimed another node counts for nothing
    const peer = origin.peer;
    if (packet.proto === Proto.DATAGRAM) {
      this.#bus.publish('datagram.rejected', {
        src_node_id: peer,
        src_port: packet.srcPort,
        dst_port: packet.dstPort,
        reason: decision.reason,
      });
      return;
    }
    this.#bus.publish('syn.rejected', {
      src_node_id: peer,
      dst_port: packet.dstPort,
      reason: decision.reason,
    });
    transport.refuse(packet);
  }

  #deliverDatagram(d: Datagram): void {
    if (d.dstPort === PLUGIN_PAYLOAD_PORT) {
      this.#plugins.receive(d.src.node, d.data);
      return;
    }
    const handler = this.#portDatagramHandlers.get(d.dstPort);
    if (handler !== undefined) {
      try {
        handler({ src: d.src, srcPort: d.srcPort, dstPort: d.dstPort, data: d.data });
      } catch (error) {
        this.#log.warn('datagram handler failed', { port: d.dstPort, error: String(error) });
      }
    }
    for (const fn of this.#datagramListeners) {
      try {
        fn(d);
      } catch (error) {
        this.#log.warn('datagram listener failed', { error: String(error) });
      }
    }
  }

  // ---- trust and policy gates (the admission gate answers) -----------------------------------

  /**
   * The trust gate (§E.1 [N]): a public node accepts everyone; a private node accepts a peer
   * the registered trust checker or handshake service trusts, or one sharing a non-backbone
   * network with it. Visibility is the current one (see {@link setVisibility}).
   * An unauthenticated (anonymous) session never passes the trust gate of a private node.
   * @param peer the source node
   * @param authenticated whether its session is authenticated (default: as the tunnel knows it)
   * @returns whether traffic from `peer` is admitted
   */
  isPeerAdmitted(peer: number, authenticated?: boolean): boolean {
    return this.#gate.isPeerAdmitted(
      peer,
      authenticated ?? (peer === this.nodeId() || this.#tunnel?.isAuthenticated(peer) === true),
    );
  }

  /**
   * Whether `peer` and this node share a non-backbone network.
   * @param peer the peer
   * @returns the answer
   */
  sharesNetwork(peer: number): boolean {
    return this.#gate.sharesNetwork(peer);
  }

  /**
   * The policy gate: every running policy whose network contains `peer` must allow the event.
   * @param event `connect`, `dial` or `datagram`
   * @param port the virtual port
   * @param peer the remote node
   * @param payloadSize datagram size (0 otherwise)
   * @param direction traffic direction
   * @returns whether allowed
   */
  evaluatePolicy(
    event: PortEvent,
    port: number,
    peer: number,
    payloadSize: number,
    direction: 'inbound' | 'outbound',
  ): boolean {
    return this.#gate.evaluatePolicy(event, port, peer, payloadSize, direction);
  }

  // ---- contract: identity and metadata -------------------------------------------------------

  /**
   * This daemon's node id; 0 until registered.
   * @returns the id
   */
  nodeId(): number {
    return this.#session?.nodeId ?? 0;
  }

  /**
   * The Ed25519 identity.
   * @returns it, once started
   */
  identity(): Identity | undefined {
    return this.#holder?.current;
  }

  /**
   * Path of the identity file.
   * @returns it, when persisted
   */
  identityPath(): string | undefined {
    return this.#opts.identityPath;
  }

  /**
   * Signs with the identity.
   * @param message bytes
   * @returns the signature, or `undefined` before start
   */
  sign(message: Uint8Array): Uint8Array | undefined {
    return this.#holder?.sign(message);
  }

  /**
   * The configured admin token.
   * @returns it, if any
   */
  adminToken(): string | undefined {
    return this.#opts.adminToken;
  }

  /**
   * Whether trust auto-approve is on.
   * @returns the flag
   */
  trustAutoApprove(): boolean {
    return this.#opts.trustAutoApprove === true;
  }

  /**
   * This daemon's backbone address.
   * @returns the address
   */
  addr(): Addr {
    return { network: 0, node: this.nodeId() };
  }

  /**
   * Version metadata: the package version, and the commit and build time stamped at build
   * (empty when running from sources).
   * @returns version, commit, build time
   */
  versionInfo(): { version: string; commit: string; buildTime: string } {
    return { ...BUILD_INFO };
  }

  /**
   * The tunnel table.
   * @returns the tunnel
   */
  tunnels(): Tunnel {
    if (this.#tunnel === undefined)
      throw new DaemonError('NOT_STARTED', 'the daemon is not started');
    return this.#tunnel;
  }

  /**
   * The peer directory (also handed to plugins as `PluginContext.peers`).
   * @returns it
   */
  peerDirectory(): PeerDirectory {
    return this.#peers;
  }

  // ---- contract: registry --------------------------------------------------------------------

  /**
   * The plugin-facing registry client.
   * @returns it, once started
   */
  registryClient(): PluginRegistryClient | undefined {
    return this.#pluginRegistry;
  }

  /**
   * The engine's own signed registry client, for registry calls that change no node setting
   * (node settings go through {@link setHostname}, {@link setVisibility}, {@link setTags}).
   * @returns it, once started
   */
  rawRegistryClient(): RegistryClient | undefined {
    return this.#session?.client;
  }

  /**
   * `list_nodes` with an explicit token.
   * @param networkId network
   * @param token admin token
   * @returns the nodes
   */
  async regConnListNodes(networkId: number, token: string): Promise<RegistryListedNode[]> {
    return this.#requireSession().client.listNodes(networkId, { adminToken: token });
  }

  /**
   * Sets this node's member tags in a network.
   * @param networkId network
   * @param tags the tags
   */
  async setMemberTags(networkId: number, tags: readonly string[]): Promise<void> {
    const session = this.#requireSession();
    // Signed by this node, or authorised by the admin token when one is configured.
    await session.client.setMemberTags(
      networkId,
      tags,
      this.#opts.adminToken === undefined ? {} : { adminToken: this.#opts.adminToken },
    );
    session.rememberMemberTags(networkId, tags);
  }

  // ---- contract: events ----------------------------------------------------------------------

  /**
   * Publishes on the bus.
   * @param topic topic
   * @param payload data
   */
  publishEvent(topic: string, payload: Readonly<Record<string, unknown>> = {}): void {
    this.#bus.publish(topic, payload);
  }

  /**
   * The event bus.
   * @returns the bus
   */
  bus(): EventBus {
    return this.#bus;
  }

  // ---- contract: hooks -----------------------------------------------------------------------

  /**
   * The trust checker.
   * @returns it, if registered
   */
  getTrustChecker(): TrustChecker | undefined {
    return this.#serviceRegistry.get(TrustCheckerKey);
  }

  /**
   * Installs the trust checker.
   * @param checker the checker
   */
  registerTrustChecker(checker: TrustChecker): void {
    this.#replaceService(TrustCheckerKey, checker);
  }

  /**
   * The handshake service.
   * @returns it, if registered
   */
  handshakeService(): HandshakeService | undefined {
    return this.#serviceRegistry.get(HandshakeServiceKey);
  }

  /**
   * Installs the handshake service.
   * @param service the service
   */
  registerHandshakeService(service: HandshakeService): void {
    this.#replaceService(HandshakeServiceKey, service);
  }

  /**
   * Trusted peers of the handshake service.
   * @returns records, empty without a service
   */
  trustedPeers(): HandshakeTrustRecord[] {
    return this.#serviceRegistry.get(HandshakeServiceKey)?.trustedPeers() ?? [];
  }

  /**
   * Revokes trust through the handshake service, then forgets the peer.
   * @param nodeId peer
   */
  async handshakeRevokeTrust(nodeId: number): Promise<void> {
    await this.#serviceRegistry.require(HandshakeServiceKey).revokeTrust(nodeId);
    await this.forgetPeer(nodeId);
  }

  /**
   * Sends a trust request through the handshake service.
   * @param nodeId peer
   * @param reason justification
   */
  async handshakeSendRequest(nodeId: number, reason: string): Promise<void> {
    await this.#serviceRegistry.require(HandshakeServiceKey).sendRequest(nodeId, reason);
  }

  /**
   * Installs the policy manager.
   * @param manager the manager
   */
  registerPolicyManager(manager: PolicyManager): void {
    this.#replaceService(PolicyManagerKey, manager);
  }

  /**
   * The policy manager.
   * @returns it, if registered
   */
  policyManager(): PolicyManager | undefined {
    return this.#serviceRegistry.get(PolicyManagerKey);
  }

  /**
   * Hot-swaps the webhook URL.
   * @param url the URL, empty to disable
   * @throws ServiceUnavailableError (code `SERVICE_UNAVAILABLE`) without a webhook plugin
   */
  setWebhookUrl(url: string): void {
    const manager = this.#serviceRegistry.get(WebhookManagerKey);
    if (manager === undefined) throw new ServiceUnavailableError(WebhookManagerKey.name);
    manager.setUrl(url);
  }

  /**
   * Installs the webhook manager.
   * @param manager the manager
   */
  registerWebhookManager(manager: WebhookManager): void {
    this.#replaceService(WebhookManagerKey, manager);
  }

  /**
   * The webhook manager.
   * @returns it, if registered
   */
  webhookManager(): WebhookManager | undefined {
    return this.#serviceRegistry.get(WebhookManagerKey);
  }

  /**
   * Adds an IPC method.
   * @param name `<plugin>.<method>`
   * @param handler the handler
   * @returns the function that removes it
   */
  registerMethod(name: string, handler: IpcMethodHandler): () => void {
    return this.#plugins.registerMethod(name, handler);
  }

  /**
   * An IPC method registered by a plugin (for the IPC layer).
   * @param name method name
   * @returns the handler
   */
  method(name: string): IpcMethodHandler | undefined {
    return this.#plugins.method(name);
  }

  /**
   * Names of the registered IPC methods.
   * @returns sorted names
   */
  methodNames(): string[] {
    return this.#plugins.methodNames();
  }

  /**
   * Hands a plugin payload to the plugin claiming its kind.
   * @param source sending node
   * @param kind payload kind
   * @param body bytes
   * @returns whether a plugin handled it
   */
  async dispatchPluginPayload(source: number, kind: string, body: Uint8Array): Promise<boolean> {
    return this.#plugins.dispatch(source, kind, body);
  }

  /**
   * Sends a plugin payload to a peer: a datagram to port 1 carrying the `@mesh/protocol`
   * plugin-payload frame, dispatched there to the plugin that claims the kind.
   * @param nodeId destination node
   * @param kind payload kind
   * @param body bytes
   */
  async sendPluginPayload(nodeId: number, kind: string, body: Uint8Array): Promise<void> {
    await this.#plugins.send(nodeId, kind, body);
  }

  /**
   * The control sender plugins get in their context.
   * @returns the sender
   */
  control(): PluginRuntime['control'] {
    return this.#plugins.control;
  }

  /**
   * Drops every piece of state about a peer and tells the plugins and the peer directory.
   * @param nodeId the peer
   */
  async forgetPeer(nodeId: number): Promise<void> {
    this.#tunnel?.removePeer(nodeId);
    this.#session?.forgetPeer(nodeId);
    this.#peers.forget(nodeId);
    await this.#plugins.peerForgotten(nodeId);
  }

  /**
   * Names of the loaded plugins, in load order.
   * @returns names
   */
  pluginNames(): string[] {
    return this.#plugins.loaded().map((p) => p.name);
  }

  /**
   * The loaded plugins with their versions, in load order.
   * @returns name and version of each
   */
  pluginList(): LoadedPlugin[] {
    return this.#plugins.loaded();
  }

  // A routed send needs a way to the peer: a tunnel, or a registry record with a key.
  async #hasRoute(nodeId: number): Promise<boolean> {
    if (nodeId === this.nodeId()) return true;
    if (this.#tunnel?.peers().some((p) => p.nodeId === nodeId) === true) return true;
    try {
      return (await this.#requireSession().lookupPeer(nodeId)).publicKey !== '';
    } catch {
      return false;
    }
  }

  // ---- streams, datagrams, ports -------------------------------------------------------------

  /**
   * The stream transport (IPC layer, tests).
   * @returns the transport
   */
  transport(): Transport {
    if (this.#transport === undefined)
      throw new DaemonError('NOT_STARTED', 'the daemon is not started');
    return this.#transport;
  }

  /**
   * Opens a stream (a Node `Duplex`) to `(dst, port)` after the policy `dial` gate.
   * @param dst destination address
   * @param port destination port
   * @param options no-delay, abort signal, timeout
   * @returns the established connection
   */
  async dial(dst: Addr, port: number, options: TransportDialOptions = {}): Promise<Connection> {
    if (this.#state !== 'running')
      throw new DaemonError('NOT_STARTED', 'the daemon is not running');
    if (!this.#gate.outbound('dial', dst.node, port, 0).allowed) {
      throw new DaemonError('POLICY_DENIED', `policy denies dialing ${formatAddr(dst)}:${port}`);
    }
    if (dst.node === this.nodeId()) return this.transport().dial(dst, port, options);
    const tunnel = this.#tunnel!;
    const started = Date.now();
    const known = tunnel.peers().some((p) => p.nodeId === dst.node);
    if (!known) await this.#assertRegistered(dst);
    try {
      // Key exchange first: a SYN queued behind it would carry the exchange in its RTT sample.
      await tunnel.connect(dst.node, Math.min(5000, options.timeoutMs ?? 5000));
      const left =
        options.timeoutMs === undefined
          ? undefined
          : Math.max(1, options.timeoutMs - (Date.now() - started));
      return await this.transport().dial(dst, port, {
        ...options,
        ...(left === undefined ? {} : { timeoutMs: left }),
      });
    } catch (err) {
      // A failed first dial leaves no phantom peer behind (no session was ever made).
      if (!known && !tunnel.isAuthenticated(dst.node)) tunnel.removePeer(dst.node);
      if (isTransportError(err) && err.code === 'CONNECTION_REFUSED')
        throw await this.#explainRefusal(dst, port, err);
      throw err;
    }
  }

  // RST carries no reason on the wire (§B): say which refusals are possible for this peer.
  async #explainRefusal(dst: Addr, port: number, err: TransportError): Promise<TransportError> {
    let isPublic: boolean | undefined;
    try {
      isPublic = (await this.#session?.client.lookup(dst.node, { timeoutMs: 2000 }))?.public;
    } catch {
      isPublic = undefined; // the registry cannot tell: list every reason
    }
    const where = `${formatAddr(dst)}:${port}`;
    const others =
      'nothing listens on that port, its policy denies the connection, or it is at its connection limit';
    const message =
      isPublic === true
        ? `connection refused by ${where}: ${others} (it is public, so trust is not the reason)`
        : `connection refused by ${where}: the peer is private and refuses nodes it does not trust ` +
          `(ask it for trust: meshctl handshake ${dst.node}, then its owner runs meshctl approve ${this.nodeId()}); ` +
          `if it already trusts you, ${others}`;
    return new TransportError('CONNECTION_REFUSED', message, { cause: err });
  }

  // "No such node" when the registry says so, before any tunnel state exists for the node.
  async #assertRegistered(dst: Addr): Promise<void> {
    const registry = this.#session?.client;
    if (registry === undefined) return;
    try {
      await registry.lookup(dst.node);
    } catch (err) {
      // The registry classifies its refusal once (RegistryRemoteError.remoteCode): no text matching.
      if (isNotFound(err)) {
        throw new DaemonError(
          'NO_SUCH_NODE',
          `no such node: ${formatAddr(dst)} (node ${dst.node}) is not registered`,
          { cause: err },
        );
      }
      // The registry could not answer: let the dial itself find out.
    }
  }

  /**
   * Listens on a port.
   * @param port 1..65535
   * @returns the listener (a stream of `Duplex` connections)
   */
  listen(port: number): Listener {
    return this.transport().listen(port);
  }

  /**
   * Sends a best-effort datagram after the policy `datagram` gate.
   * @param dst destination
   * @param port destination port
   * @param data payload (≤ 65535 bytes)
   */
  async sendDatagram(dst: Addr, port: number, data: Uint8Array): Promise<void> {
    if (this.#state !== 'running')
      throw new DaemonError('NOT_STARTED', 'the daemon is not running');
    if (!this.#gate.outbound('datagram', dst.node, port, data.length).allowed) {
      throw new DaemonError(
        'POLICY_DENIED',
        `policy denies datagrams to ${formatAddr(dst)}:${port}`,
      );
    }
    this.transport().sendDatagram(dst, port, data);
  }

  /**
   * Receives every inbound datagram that passed the gates.
   * @param fn listener
   * @returns a function that removes it
   */
  onAnyDatagram(fn: (datagram: Datagram) => void): () => void {
    this.#datagramListeners.add(fn);
    return () => {
      this.#datagramListeners.delete(fn);
    };
  }

  /**
   * Contract: receives the datagrams of one local port.
   * @param port the local virtual port
   * @param handler receives each datagram
   * @returns the function that stops delivery
   */
  onDatagram(port: number, handler: DatagramHandler): () => void {
    if (this.#portDatagramHandlers.has(port))
      throw new DaemonError('PORT_IN_USE', `port ${port} already has a datagram handler`);
    this.#portDatagramHandlers.set(port, handler);
    return () => {
      if (this.#portDatagramHandlers.get(port) === handler) this.#portDatagramHandlers.delete(port);
    };
  }

  /**
   * The seed's `register*` setters replace what the same setter installed before (Go assigns a
   * field); a service another plugin installed through `services().provide` still conflicts.
   */
  #replaceService<T>(key: ServiceKey<T>, impl: T): void {
    this.#shorthandRemovers.get(key.id)?.();
    this.#shorthandRemovers.set(key.id, this.#serviceRegistry.provide(key, impl));
  }

  /**
   * Contract: the typed service registry.
   * @returns the registry
   */
  services(): ServiceRegistry {
    return this.#serviceRegistry;
  }

  /**
   * Contract: opens a stream and returns its handle.
   * @param dst destination
   * @param port port
   * @param options abort signal
   * @returns the handle
   */
  async dialConnection(
    dst: Addr,
    port: number,
    options: { readonly signal?: AbortSignal } = {},
  ): Promise<ConnectionHandle> {
    const stream = await this.dial(
      dst,
      port,
      options.signal === undefined ? {} : { signal: options.signal },
    );
    return new ConnectionHandle(stream, this.addr());
  }

  /**
   * Contract: writes on a connection; resolves once queued.
   * @param conn the handle
   * @param data bytes
   */
  async sendData(conn: ConnectionHandle, data: Uint8Array): Promise<void> {
    await new ConnReadWriterAdapter(conn.stream).write(data);
  }

  /**
   * Contract: tears a connection down (FIN after queued data). Idempotent.
   * @param conn the handle
   */
  closeConnection(conn: ConnectionHandle): void {
    if (!conn.stream.destroyed && !conn.stream.writableEnded) conn.stream.end();
  }

  /**
   * Contract: byte-stream access to a connection.
   * @param conn the handle
   * @returns the reader/writer
   */
  newConnReadWriter(conn: ConnectionHandle): ConnReadWriterAdapter {
    return new ConnReadWriterAdapter(conn.stream);
  }

  /**
   * Contract: the port table (bind yields connection handles).
   * @returns bind/unbind
   */
  ports(): { bind(port: number): ListenerAdapter; unbind(port: number): void } {
    const transport = this.transport();
    const bound = this.#boundByPlugins;
    return {
      bind: (port: number) => {
        // listen(0) picks a free ephemeral port and frees it again when the listener closes.
        const listener = transport.listen(port);
        bound.set(listener.port, listener);
        listener.once('close', () => {
          if (bound.get(listener.port) === listener) bound.delete(listener.port);
        });
        return new ListenerAdapter(listener, () => this.addr());
      },
      unbind: (port: number) => {
        bound.get(port)?.close();
        bound.delete(port);
      },
    };
  }

  // ---- snapshot ------------------------------------------------------------------------------

  /**
   * A typed point-in-time view: identity, node settings, counters, peers, connections.
   * @returns the snapshot
   */
  snapshot(): DaemonSnapshot {
    const tunnel = this.#tunnel;
    const peers = tunnel?.peers() ?? [];
    const stats = tunnel?.stats;
    const conns = this.#transport?.connections() ?? [];
    const settings = this.nodeSettings();
    return {
      node_id: this.nodeId(),
      address: this.nodeId() === 0 ? '' : formatAddr(this.addr()),
      hostname: settings.hostname,
      public: settings.public,
      tags: settings.tags,
      task_exec: settings.taskExec,
      uptime_secs: this.#startedAt === 0 ? 0 : Math.floor((Date.now() - this.#startedAt) / 1000),
      connections: conns.filter(
        (c) => c.state === 'SYN_SENT' || c.state === 'SYN_RECV' || c.state === 'ESTABLISHED',
      ).length,
      ports: this.#transport?.stats().listeners ?? 0,
      peers: peers.length,
      encrypted_peers: peers.filter((p) => p.encrypted).length,
      authenticated_peers: peers.filter((p) => p.authenticated).length,
      encrypt: tunnel?.encrypted ?? this.#opts.encrypt ?? true,
      identity: this.#opts.identityPath !== undefined,
      public_key: this.#holder?.publicKeyBase64 ?? '',
      owner: this.#opts.owner ?? '',
      bytes_sent: stats?.bytesSent ?? 0,
      bytes_recv: stats?.bytesRecv ?? 0,
      pkts_sent: stats?.pktsSent ?? 0,
      pkts_recv: stats?.pktsRecv ?? 0,
      endpoint: this.#endpoint === undefined ? '' : formatEndpoint(this.#endpoint),
      version: DAEMON_VERSION,
      transport: this.#opts.transport ?? 'udp',
      webhook: this.#serviceRegistry.get(WebhookManagerKey)?.stats() ?? {
        dropped: 0,
        circuitSkips: 0,
        delivered: 0,
        failed: 0,
      },
      bus_subscribers: this.#bus.subscriberCount,
      peer_list: peers.map((p) => ({
        node_id: p.nodeId,
        endpoint: p.endpoint,
        encrypted: p.encrypted,
        authenticated: p.authenticated,
        relay: p.relay,
      })),
      conn_list: conns.map(connectionRow),
    };
  }

  /**
   * The snapshot under its reference name (§E.6 `info`).
   * @returns the snapshot
   */
  info(): DaemonSnapshot {
    return this.snapshot();
  }
}

// Wildcard binds are not reachable addresses: advertise loopback instead (§A.3 step 1).
/** The advertised endpoint for a bound address. */
function localEndpoint(bound: UdpEndpoint): UdpEndpoint {
  if (bound.address === '0.0.0.0') return { address: '127.0.0.1', port: bound.port };
  if (bound.address === '::') return { address: '::1', port: bound.port };
  return bound;
}

/** Whether a registry call failed because the registry does not know the node (`NOT_FOUND`). */
function isNotFound(err: unknown): boolean {
  return (
    typeof err === 'object' &&
    err !== null &&
    (err as { remoteCode?: unknown }).remoteCode === 'NOT_FOUND'
  );
}

/**
 * Hands one outgoing packet to the tunnel as two pieces, its 34-byte header (checksum over the
 * payload included) and the payload as the stream holds it: the payload is never copied into
 * a packet buffer (the tunnel seals and sends the pieces as one datagram).
 */
function sendPacket(tunnel: Tunnel, packet: Packet): void {
  const header = Buffer.allocUnsafe(PACKET_HEADER_SIZE); // from Node's pool: no allocation
  encodePacketHeaderInto(packet, header);
  if (packet.payload.length === 0) tunnel.sendPieces(packet.dst.node, [header]);
  else tunnel.sendPieces(packet.dst.node, [header, packet.payload]);
}
