import {
  HandshakeServiceKey,
  PolicyManagerKey,
  ServiceUnavailableError,
  TrustCheckerKey,
  WebhookManagerKey,
  createServiceRegistry,
  noopLogger,
  type DatagramHandler,
  type RegistryListedNode,
  type ServiceKey,
  type ServiceRegistry,
  type HandshakeService,
  type HandshakeTrustRecord,
  type IpcMethodHandler,
  type Logger,
  type PolicyManager,
  type TrustChecker,
  type WebhookManager,
} from '@mesh/daemonapi';
import {
  BROADCAST_NODE,
  Proto,
  Flags,
  encodePacket,
  formatAddr,
  type Addr,
  type Packet,
} from '@mesh/protocol';
import {
  Transport,
  type Connection,
  type Datagram,
  type DialOptions as TransportDialOptions,
  type Listener,
} from '../transport/index.js';
import { startEcho, ECHO_PORT } from '../services/echo.js';
import { startDataExchange, DATA_EXCHANGE_PORT } from '../services/data-exchange.js';
import { startEventStream, EVENT_STREAM_PORT } from '../services/event-stream.js';
import type { RunningService } from '../services/service.js';
import { ConnReadWriterAdapter, ConnectionHandle, ListenerAdapter } from './contract-adapters.js';
import { RegistryClient } from '@mesh/registry-client';
import path from 'node:path';
import { DaemonError } from '../errors/errors.js';
import { EventBus } from '../events/event-bus.js';
import { Identity } from '../identity/identity.js';
import { PluginHost } from '../plugins/plugin-host.js';
import { RegistryLink } from './registry-link.js';
import { RxWatchdog } from './rx-watchdog.js';
import { PluginRegistryClient } from '../registry/registry-adapter.js';
import { WsRelayLink } from '../tunnel/ws-relay-link.js';
import {
  Tunnel,
  formatEndpoint,
  parseEndpoint,
  type PacketOrigin,
  type UdpEndpoint,
} from '../tunnel/tunnel.js';
import type { DaemonOptions } from './options.js';

/** Virtual port carrying plugin payloads between daemons (reference port 1, "control"). */
export const PLUGIN_PAYLOAD_PORT = 1;

/** Package version reported by `versionInfo()`. */
export const DAEMON_VERSION = '0.1.0';

/** Lifecycle state of a {@link Daemon}. */
export type DaemonState = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

/** One peer row of {@link DaemonInfo}. */
export interface DaemonPeerInfo {
  /** Peer node id. */
  readonly node_id: number;
  /** Direct UDP endpoint or empty. */
  readonly endpoint: string;
  /** Whether a session key exists. */
  readonly encrypted: boolean;
  /** Whether the peer's key was checked against the registry. */
  readonly authenticated: boolean;
  /** Whether frames go through the beacon relay. */
  readonly relay: boolean;
}

/** The `info` snapshot an IPC layer serves (reference §E.6 InfoOK field names). */
export interface DaemonInfo {
  /** Node id (0 before registration). */
  readonly node_id: number;
  /** Address text. */
  readonly address: string;
  /** Registered hostname. */
  readonly hostname: string;
  /** Seconds since start. */
  readonly uptime_secs: number;
  /** Open connections (SYN_SENT, SYN_RECV, ESTABLISHED). */
  readonly connections: number;
  /** Bound ports. */
  readonly ports: number;
  /** Known peers. */
  readonly peers: number;
  /** Peers with a session key. */
  readonly encrypted_peers: number;
  /** Peers whose identity was verified. */
  readonly authenticated_peers: number;
  /** Whether tunnel encryption is on. */
  readonly encrypt: boolean;
  /** Whether the identity is persisted to a file. */
  readonly identity: boolean;
  /** Ed25519 public key, base64. */
  readonly public_key: string;
  /** Owner string. */
  readonly owner: string;
  /** Tunnel bytes sent. */
  readonly bytes_sent: number;
  /** Tunnel bytes received. */
  readonly bytes_recv: number;
  /** Packets sent. */
  readonly pkts_sent: number;
  /** Packets received. */
  readonly pkts_recv: number;
  /** The public UDP endpoint registered. */
  readonly endpoint: string;
  /** Daemon version. */
  readonly version: string;
  /** Relay transport setting. */
  readonly transport: string;
  /** Webhook plugin counters (zero without one). */
  readonly webhook: { readonly dropped: number; readonly circuitSkips: number };
  /** Active event-bus subscriptions. */
  readonly bus_subscribers: number;
  /** Per-peer rows. */
  readonly peer_list: readonly DaemonPeerInfo[];
  /** Per-connection rows with transport statistics. */
  readonly conn_list: readonly Readonly<Record<string, unknown>>[];
}

/**
 * The mesh daemon engine. It satisfies the `@mesh/daemonapi` `Daemon` contract structurally
 * (see test/daemon-contract.test.ts) and never imports a plugin.
 */
export class Daemon {
  readonly #opts: DaemonOptions;
  readonly #log: Logger;
  readonly #bus: EventBus;
  #state: DaemonState = 'new';
  #identity: Identity | undefined;
  #tunnel: Tunnel | undefined;
  #transport: Transport | undefined;
  #services: RunningService[] = [];
  readonly #datagramListeners = new Set<(d: Datagram) => void>();
  #registry: RegistryClient | undefined;
  #registryLink: RegistryLink | undefined;
  #pluginRegistry: PluginRegistryClient | undefined;
  #plugins: PluginHost | undefined;
  #nodeId = 0;
  #address = '';
  #endpoint: UdpEndpoint | undefined;
  #startedAt = 0;
  #heartbeatTimer: NodeJS.Timeout | undefined;
  #rxWatchdog: RxWatchdog | undefined;
  #heartbeatFailures = 0;
  #heartbeating = false;
  readonly #serviceRegistry: ServiceRegistry = createServiceRegistry();
  readonly #shorthandRemovers = new Map<symbol, () => void>();
  readonly #portDatagramHandlers = new Map<number, DatagramHandler>();
  readonly #methods = new Map<string, IpcMethodHandler>();
  readonly #peerNetworks = new Map<number, readonly number[]>();
  #ownNetworks: readonly number[] = [];
  readonly #stopped: Promise<void>;
  #resolveStopped: () => void = () => {};

  /**
   * @param options configuration; only `registry` is required
   */
  constructor(options: DaemonOptions) {
    this.#opts = options;
    this.#log = options.logger ?? noopLogger;
    this.#bus = new EventBus(() => this.#nodeId);
    this.#stopped = new Promise((resolve) => (this.#resolveStopped = resolve));
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
      this.#plugins = new PluginHost({
        ...(this.#opts.plugins === undefined ? {} : { modules: this.#opts.plugins }),
        logger: this.#log.child('plugins'),
        ...(this.#stateDir() === undefined ? {} : { dataRoot: this.#stateDir()! }),
        shutdownTimeoutMs: this.#opts.pluginShutdownTimeoutMs ?? 5000,
        initTimeoutMs: this.#opts.pluginInitTimeoutMs ?? 30_000,
        hookTimeoutMs: this.#opts.pluginHookTimeoutMs ?? 5000,
        services: {
          secrets: { signingSeed: () => this.#identity!.signingSeed() },
          control: {
            sendDirect: (nodeId, payload) =>
              this.sendPluginPayload(nodeId, payload.kind, payload.body),
            sendRouted: async (nodeId, payload) => {
              // No routing table: a routed send is a direct send through the tunnel (or relay).
              await this.sendPluginPayload(nodeId, payload.kind, payload.body);
              return true;
            },
          },
        },
        bus: this.#bus,
      });
      await this.#plugins.importModules();
      this.#state = 'running';
      if (this.#opts.loadPlugins !== false) await this.#plugins.load(this);
      this.#bus.publish('daemon.ready', { node_id: this.#nodeId, address: this.#address });
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
    this.#startedAt = Date.now();
    if (opts.identityPath !== undefined) {
      const { identity, created } = await Identity.loadOrCreate(opts.identityPath);
      this.#identity = identity;
      if (created) this.#log.info('identity created', { path: opts.identityPath });
    } else {
      this.#identity = opts.identity ?? Identity.generate();
    }
    const identity = this.#identity;

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

    const link = new RegistryLink(this.#bus, opts.registry);
    this.#registryLink = link;
    const registryLog = this.#log.child('registry');
    this.#registry = new RegistryClient({
      // The client reconnects inside a call; its warning is the only sign the link dropped.
      logger: {
        debug: (msg, fields) => registryLog.debug(msg, fields),
        warn: (msg, fields) => {
          registryLog.warn(msg, fields);
          if (msg.startsWith('registry transport failure')) {
            const error = fields?.['error'];
            link.lost(`connection dropped: ${typeof error === 'string' ? error : msg}`);
          }
        },
      },
      host: registryAddr.address,
      port: registryAddr.port,
      ...(registryAddrs.length > 1
        ? { addresses: registryAddrs.map((e) => ({ host: e.address, port: e.port })) }
        : {}),
      ...(opts.registryTls ? { tls: opts.registryTls } : {}),
      mode: opts.registryMode ?? 'binary',
      signer: (challenge) => identity.sign(new TextEncoder().encode(challenge)),
      timeoutMs: opts.registryTimeoutMs ?? 10_000,
      reconnect: { attempts: 2, initialDelayMs: 200, maxDelayMs: 1000 },
    });
    this.#pluginRegistry = new PluginRegistryClient(this.#registry);

    const transport = opts.transport ?? 'udp';
    let relayLink: WsRelayLink | undefined;
    if (transport !== 'udp') {
      if (opts.beaconWs === undefined) {
        throw new DaemonError(
          'CONFIG',
          `transport "${transport}" needs the beacon WebSocket URL (beaconWs)`,
        );
      }
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
        const info = await link.track(this.#registry!.lookup(nodeId), 'lookup');
        // The same answer tells which networks the peer is in (trust gate: shared network).
        this.#peerNetworks.set(nodeId, info.networks);
        return info.publicKey === ''
          ? undefined
          : new Uint8Array(Buffer.from(info.publicKey, 'base64'));
      },
      resolveEndpoint: async (nodeId) => {
        const r = await link.track(this.#registry!.resolve(nodeId), 'resolve');
        return r.realAddr === '' ? undefined : parseEndpoint(r.realAddr);
      },
      onPacket: (packet, origin) => this.#route(packet, origin),
      ...opts.tunnel,
    });
    this.#tunnel = tunnel;
    this.#transport = new Transport({
      localAddr: () => this.addr(),
      send: (packet) => {
        if (packet.dst.node === BROADCAST_NODE) this.#broadcast(packet);
        else tunnel.send(packet.dst.node, encodePacket(packet));
      },
      ...(opts.streams === undefined ? {} : { tuning: opts.streams }),
      ...(opts.limits === undefined ? {} : { limits: opts.limits }),
      onEvent: (topic, data) => this.#bus.publish(topic, data),
      onDialStalled: (peer) => tunnel.activateRelay(peer.node),
    });
    this.#transport.on('datagram', (d) => {
      if (d.dstPort === PLUGIN_PAYLOAD_PORT) {
        this.#onPluginPayload(d);
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
    });
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

    await this.#register();
    this.#scheduleHeartbeat();
    this.#startRxWatchdog();
    this.#startServices();
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
    const ctx = { bus: this.#bus, logger: this.#log.child('services'), stateDir: this.#stateDir() };
    if (wanted.echo !== false) this.#services.push(startEcho(transport.listen(ECHO_PORT)));
    if (wanted.dataExchange !== false) {
      this.#services.push(startDataExchange(transport.listen(DATA_EXCHANGE_PORT), ctx));
    }
    if (wanted.eventStream !== false) {
      this.#services.push(startEventStream(transport.listen(EVENT_STREAM_PORT), ctx));
    }
  }

  async #register(): Promise<void> {
    const registry = this.#registry!;
    const identity = this.#identity!;
    const result = await this.#registryLink!.track(
      registry.register({
        listenAddr: formatEndpoint(this.#endpoint!),
        publicKey: identity.publicKeyBase64,
        ...(this.#opts.owner === undefined ? {} : { owner: this.#opts.owner }),
        ...(this.#opts.hostname === undefined ? {} : { hostname: this.#opts.hostname }),
        version: DAEMON_VERSION,
      }),
      'register',
    );
    const reregistered = this.#nodeId !== 0;
    this.#nodeId = result.nodeId;
    this.#address = result.address;
    this.#tunnel!.setNodeId(result.nodeId);
    if (result.hostnameError !== undefined)
      this.#log.warn('hostname refused', { error: result.hostnameError });
    if (this.#opts.public === true) await registry.setVisibility(true);
    await this.#refreshOwnNetworks();
    this.#tunnel!.announceToBeacon();
    if (reregistered) {
      // The registry may have lost the trust pairs too: report every local one again (§A.4).
      await Promise.all(
        this.trustedPeers().map((peer) =>
          registry.reportTrust(peer.nodeId).catch((error: unknown) => {
            this.#log.debug('re-reporting trust failed', {
              peer: peer.nodeId,
              error: String(error),
            });
          }),
        ),
      );
      this.#bus.publish('node.reregistered', { address: this.#address });
    } else
      this.#bus.publish('node.registered', {
        address: this.#address,
        endpoint: formatEndpoint(this.#endpoint!),
      });
  }

  #scheduleHeartbeat(): void {
    const interval = this.#opts.keepaliveMs ?? 60_000;
    this.#heartbeatTimer = setInterval(() => void this.heartbeatNow(), interval);
    this.#heartbeatTimer.unref();
  }

  /**
   * Runs one heartbeat now (the loop calls it every `keepaliveMs`): on success re-announces to
   * the beacon; after `reregisterAfterFailures` consecutive failures re-registers (same key →
   * same node id). Never throws.
   * @returns whether the heartbeat (or the re-registration) succeeded
   */
  async heartbeatNow(): Promise<boolean> {
    if (this.#state !== 'running' || this.#heartbeating) return false;
    this.#heartbeating = true;
    try {
      const beat = await this.#registryLink!.track(this.#registry!.heartbeat(), 'heartbeat');
      this.#heartbeatFailures = 0;
      if (beat.keyExpiryWarning)
        this.#bus.publish('identity.key_expiry_warning', { node_id: this.#nodeId });
      this.#tunnel!.announceToBeacon();
      await this.#refreshOwnNetworks();
      return true;
    } catch (error) {
      this.#heartbeatFailures += 1;
      this.#log.warn('heartbeat failed', {
        failures: this.#heartbeatFailures,
        error: String(error),
      });
      if (this.#heartbeatFailures < (this.#opts.reregisterAfterFailures ?? 3)) return false;
      try {
        await this.#register();
        this.#heartbeatFailures = 0;
        return true;
      } catch (regError) {
        this.#log.warn('re-registration failed', { error: String(regError) });
        return false;
      }
    } finally {
      this.#heartbeating = false;
    }
  }

  async #teardown(graceful: boolean): Promise<void> {
    this.#state = 'stopping';
    if (this.#plugins !== undefined && graceful) await this.#plugins.stop();
    if (this.#heartbeatTimer !== undefined) clearInterval(this.#heartbeatTimer);
    this.#rxWatchdog?.stop();
    this.#heartbeatTimer = undefined;
    // FIN every open connection first (services' connections included, so their peers see a clean
    // EOF rather than a reset), then reset what is left and stop all timers; then stop services.
    await this.#transport?.close({ graceMs: graceful ? 200 : 0 });
    for (const service of this.#services.splice(0)) service.stop();
    if (graceful) this.#bus.publish('node.deregistered', { address: this.#address });
    this.#datagramListeners.clear();
    await this.#tunnel?.close();
    await this.#registry?.close();
    this.#state = 'stopped';
    this.#bus.closeAll();
    this.#resolveStopped();
  }

  #stateDir(): string | undefined {
    if (this.#opts.stateDir !== undefined) return this.#opts.stateDir;
    if (this.#opts.identityPath !== undefined) return path.dirname(this.#opts.identityPath);
    return undefined;
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
      for (const node of members) if (node !== this.#nodeId) this.#tunnel?.send(node, bytes);
    });
  }

  readonly #memberCache = new Map<number, { at: number; members: Promise<number[]> }>();

  #networkMembers(network: number): Promise<number[]> {
    const cached = this.#memberCache.get(network);
    if (cached !== undefined && Date.now() - cached.at < 30_000) return cached.members;
    const members = this.#registry!.listNodes(
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

  // Inbound path: spoof check, trust gate and policy gate, then the transport.
  #route(packet: Packet, origin: PacketOrigin): void {
    const transport = this.#transport;
    if (transport === undefined || this.#state === 'stopped') return;
    // The tunnel pinned the source to the authenticated peer; a packet that claimed another
    // node is not trusted at all.
    if (origin.spoofed) return;
    const peer = origin.peer;
    const syn = packet.proto === Proto.STREAM && packet.flags === Flags.SYN;
    if (syn || packet.proto === Proto.DATAGRAM) {
      const reason = !this.isPeerAdmitted(peer)
        ? 'untrusted'
        : !this.evaluatePolicy(
              syn ? 'connect' : 'datagram',
              packet.dstPort,
              peer,
              syn ? 0 : packet.payload.length,
              'inbound',
            )
          ? 'policy'
          : undefined;
      if (reason !== undefined) {
        if (syn) {
          this.#bus.publish('syn.rejected', {
            src_node_id: peer,
            dst_port: packet.dstPort,
            reason,
          });
          transport.refuse(packet);
        } else {
          this.#bus.publish('datagram.rejected', {
            src_node_id: peer,
            src_port: packet.srcPort,
            dst_port: packet.dstPort,
            reason,
          });
        }
        return;
      }
    }
    transport.receive(packet, peer);
  }

  // ---- trust and policy gates ----------------------------------------------------------------

  /**
   * The trust gate (§E.1 [N]): a public node accepts everyone; a private node accepts a peer
   * the registered trust checker or handshake service trusts, or one sharing a non-backbone
   * network with it. Only the authenticated peer id counts, never the packet's own claim.
   * @param peer the authenticated source node
   * @returns whether traffic from `peer` is admitted
   */
  isPeerAdmitted(peer: number): boolean {
    if (this.#opts.public === true || peer === this.#nodeId) return true;
    if (this.#serviceRegistry.get(HandshakeServiceKey)?.isTrusted(peer) === true) return true;
    if (this.#serviceRegistry.get(TrustCheckerKey)?.isTrusted(peer).trusted === true) return true;
    return this.sharesNetwork(peer);
  }

  /**
   * Whether `peer` and this node share a non-backbone network, from the registry's `lookup`
   * answers (refreshed at every key exchange and heartbeat) and the running policies' members.
   * @param peer the peer
   * @returns the answer
   */
  sharesNetwork(peer: number): boolean {
    const theirs = this.#peerNetworks.get(peer) ?? [];
    if (theirs.some((n) => n !== 0 && this.#ownNetworks.includes(n))) return true;
    for (const runner of this.#serviceRegistry.get(PolicyManagerKey)?.all() ?? []) {
      if (runner.networkId !== 0 && runner.hasMember(peer)) return true;
    }
    return false;
  }

  async #refreshOwnNetworks(): Promise<void> {
    try {
      this.#ownNetworks = (
        await this.#registryLink!.track(this.#registry!.lookup(this.#nodeId), 'lookup')
      ).networks;
    } catch (error) {
      this.#log.debug('own lookup failed', { error: String(error) });
    }
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
    event: 'connect' | 'dial' | 'datagram',
    port: number,
    peer: number,
    payloadSize: number,
    direction: 'inbound' | 'outbound',
  ): boolean {
    for (const runner of this.#serviceRegistry.get(PolicyManagerKey)?.all() ?? []) {
      if (!runner.hasMember(peer)) continue;
      let allowed = true;
      try {
        allowed = runner.evaluatePortGate({
          event,
          port,
          peerNodeId: peer,
          payloadSize,
          direction,
          localTags: [],
          peerTags: [],
        });
      } catch {
        allowed = true; // evaluation errors fail open (§E.3)
      }
      if (!allowed) return false;
    }
    return true;
  }

  // ---- contract: identity and metadata -------------------------------------------------------

  /**
   * This daemon's node id; 0 until registered.
   * @returns the id
   */
  nodeId(): number {
    return this.#nodeId;
  }

  /**
   * The Ed25519 identity.
   * @returns it, once started
   */
  identity(): Identity | undefined {
    return this.#identity;
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
    return this.#identity?.sign(message);
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
    return { network: 0, node: this.#nodeId };
  }

  /**
   * Version metadata.
   * @returns version, commit, build time
   */
  versionInfo(): { version: string; commit: string; buildTime: string } {
    return { version: DAEMON_VERSION, commit: '', buildTime: '' };
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

  // ---- contract: registry --------------------------------------------------------------------

  /**
   * The plugin-facing registry client.
   * @returns it, once started
   */
  registryClient(): PluginRegistryClient | undefined {
    return this.#pluginRegistry;
  }

  /**
   * The engine's own signed registry client (IPC layer).
   * @returns it, once started
   */
  rawRegistryClient(): RegistryClient | undefined {
    return this.#registry;
  }

  /**
   * `list_nodes` with an explicit token.
   * @param networkId network
   * @param token admin token
   * @returns the raw response
   */
  async regConnListNodes(networkId: number, token: string): Promise<RegistryListedNode[]> {
    return this.#requireRegistry().listNodes(networkId, { adminToken: token });
  }

  /**
   * Sets this node's member tags in a network.
   * @param networkId network
   * @param tags the tags
   */
  async setMemberTags(networkId: number, tags: readonly string[]): Promise<void> {
    // Signed by this node, or authorised by the admin token when one is configured.
    await this.#requireRegistry().setMemberTags(
      networkId,
      tags,
      this.#opts.adminToken === undefined ? {} : { adminToken: this.#opts.adminToken },
    );
  }

  #requireRegistry(): RegistryClient {
    if (this.#registry === undefined)
      throw new DaemonError('NOT_STARTED', 'the daemon is not started');
    return this.#registry;
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
   * Revokes trust through the handshake service.
   * @param nodeId peer
   */
  async handshakeRevokeTrust(nodeId: number): Promise<void> {
    await this.#serviceRegistry.require(HandshakeServiceKey).revokeTrust(nodeId);
    this.#tunnel?.removePeer(nodeId);
    await this.#plugins?.peerForgotten(nodeId);
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
    if (this.#methods.has(name))
      throw new DaemonError('PLUGIN', `IPC method "${name}" is already registered`);
    this.#methods.set(name, handler);
    return () => {
      if (this.#methods.get(name) === handler) this.#methods.delete(name);
    };
  }

  /**
   * An IPC method registered by a plugin (for the IPC layer).
   * @param name method name
   * @returns the handler
   */
  method(name: string): IpcMethodHandler | undefined {
    return this.#methods.get(name);
  }

  /**
   * Names of the registered IPC methods.
   * @returns sorted names
   */
  methodNames(): string[] {
    return [...this.#methods.keys()].sort();
  }

  /**
   * Hands a plugin payload to the plugin claiming its kind.
   * @param source sending node
   * @param kind payload kind
   * @param body bytes
   * @returns whether a plugin handled it
   */
  async dispatchPluginPayload(source: number, kind: string, body: Uint8Array): Promise<boolean> {
    return (await this.#plugins?.dispatch(source, kind, body)) ?? false;
  }

  /**
   * Sends a plugin payload to a peer: a datagram to port 1 carrying
   * `[1B kind length][kind][body]`, dispatched there to the plugin that claims the kind.
   * @param nodeId destination node
   * @param kind payload kind
   * @param body bytes
   */
  async sendPluginPayload(nodeId: number, kind: string, body: Uint8Array): Promise<void> {
    const kindBytes = new TextEncoder().encode(kind);
    if (kindBytes.length === 0 || kindBytes.length > 255) {
      throw new DaemonError('PLUGIN', `payload kind must be 1..255 bytes, got ${kindBytes.length}`);
    }
    const frame = new Uint8Array(1 + kindBytes.length + body.length);
    frame[0] = kindBytes.length;
    frame.set(kindBytes, 1);
    frame.set(body, 1 + kindBytes.length);
    await this.sendDatagram({ network: 0, node: nodeId }, PLUGIN_PAYLOAD_PORT, frame);
  }

  #onPluginPayload(d: Datagram): void {
    const n = d.data[0] ?? 0;
    if (n === 0 || d.data.length < 1 + n) return;
    const kind = new TextDecoder().decode(d.data.subarray(1, 1 + n));
    const body = d.data.slice(1 + n);
    void this.dispatchPluginPayload(d.src.node, kind, body).then((handled) => {
      if (!handled)
        this.#bus.publish('plugin.payload_unclaimed', { kind, src_node_id: d.src.node });
    });
  }

  /**
   * Drops every piece of state about a peer and tells the plugins.
   * @param nodeId the peer
   */
  async forgetPeer(nodeId: number): Promise<void> {
    this.#tunnel?.removePeer(nodeId);
    await this.#plugins?.peerForgotten(nodeId);
  }

  /**
   * Names of the loaded plugins, in load order.
   * @returns names
   */
  pluginNames(): string[] {
    return (this.#plugins?.plugins ?? []).map((p) => p.name);
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
    if (!this.evaluatePolicy('dial', port, dst.node, 0, 'outbound')) {
      throw new DaemonError('POLICY_DENIED', `policy denies dialing ${formatAddr(dst)}:${port}`);
    }
    // Key exchange first: a SYN queued behind it would carry the exchange in its RTT sample.
    if (dst.node !== this.#nodeId) await this.#tunnel!.connect(dst.node, 5000);
    return this.transport().dial(dst, port, options);
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
    if (!this.evaluatePolicy('datagram', port, dst.node, data.length, 'outbound')) {
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

  readonly #boundByPlugins = new Map<number, Listener>();

  // ---- info ----------------------------------------------------------------------------------

  /**
   * The `info` snapshot.
   * @returns counters, peers, connections
   */
  info(): DaemonInfo {
    const tunnel = this.#tunnel;
    const peers = tunnel?.peers() ?? [];
    const stats = tunnel?.stats;
    const conns = this.#transport?.connections() ?? [];
    return {
      node_id: this.#nodeId,
      address: this.#nodeId === 0 ? '' : formatAddr(this.addr()),
      hostname: this.#opts.hostname ?? '',
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
      public_key: this.#identity?.publicKeyBase64 ?? '',
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
      conn_list: conns.map((c) => ({
        id: c.id,
        local_port: c.localPort,
        remote_addr: c.remoteAddrText,
        remote_port: c.remotePort,
        state: c.state,
        cong_win: c.cwnd,
        ssthresh: c.ssthresh,
        in_flight: c.inFlight,
        srtt_ms: c.srtt,
        rttvar_ms: c.rttvar,
        unacked: c.inFlight,
        ooo_buf: c.outOfOrder,
        peer_recv_win: c.peerWindow,
        recv_win: c.receiveWindow,
        in_recovery: c.recovery !== 'none',
        bytes_sent: c.bytesSent,
        bytes_recv: c.bytesReceived,
        segs_sent: c.segmentsSent,
        segs_recv: c.segmentsReceived,
        retransmits: c.retransmits,
        fast_retx: c.fastRetransmits,
        sack_recv: c.sackBlocksReceived,
        sack_sent: c.sackAcksSent,
        dup_acks: c.dupAcks,
      })),
    };
  }
}

// Wildcard binds are not reachable addresses: advertise loopback instead (§A.3 step 1).
/** The advertised endpoint for a bound address. */
function localEndpoint(bound: UdpEndpoint): UdpEndpoint {
  if (bound.address === '0.0.0.0') return { address: '127.0.0.1', port: bound.port };
  if (bound.address === '::') return { address: '::1', port: bound.port };
  return bound;
}
