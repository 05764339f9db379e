// The beacon: endpoint discovery, punch coordination and relay over UDP and WebSocket (§E.9).
import type { RemoteInfo } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import type { BeaconMessage } from '@mesh/protocol';
import {
  MAX_SYNC_NODES,
  beaconRegisterChallenge,
  decodeBeaconMessage,
  encodeBeaconMessage,
  formatHostPort,
} from '@mesh/protocol';
import { BeaconError } from '../errors/beacon-error.js';
import type { BeaconLogger } from '../logging/logger.js';
import { NodeTable } from '../nodes/node-table.js';
import type { NodeEntry } from '../nodes/node-table.js';
import { UnprovenTable } from '../nodes/unproven-table.js';
import { CookieJar } from '../proof/cookie.js';
import { verifyEd25519 } from '../proof/signature.js';
import type { NodeRoute, UdpRoute, WsLink } from '../nodes/route.js';
import { formatRoute, sameRoute, unmapIPv4 } from '../nodes/route.js';
import { clientRegistrar } from '../registry/client-registrar.js';
import type { BeaconRegistrar } from '../registry/registrar.js';
import { hostPortOption } from '../transport/host-port.js';
import type { UdpListener } from '../transport/udp-listener.js';
import { bindUdp } from '../transport/udp-listener.js';
import type { WsListener } from '../transport/ws-listener.js';
import { bindWs } from '../transport/ws-listener.js';
import type { BeaconOptions, ResolvedBeaconOptions } from './options.js';
import { resolveBeaconOptions } from './options.js';
import type { BeaconStats, Counters } from './stats.js';
import { zeroCounters } from './stats.js';

/** A bound socket address. */
export interface BoundAddress {
  /** Bound IP. */
  readonly address: string;
  /** `IPv4` or `IPv6`. */
  readonly family: string;
  /** Bound port. */
  readonly port: number;
}

/** The bound WebSocket listener. */
export interface BoundWsAddress extends BoundAddress {
  /** `ws://host:port/path` to give to clients (wildcard host replaced by loopback). */
  readonly url: string;
}

/** What {@link Beacon.address} returns; `null` for a disabled listener. */
export interface BeaconAddress {
  /** The UDP socket. */
  readonly udp: BoundAddress | null;
  /** The WebSocket relay listener. */
  readonly ws: BoundWsAddress | null;
}

/** Events a {@link Beacon} emits. */
export interface BeaconEvents {
  /** A `beacon_register` call succeeded. */
  registered: [info: { readonly beaconId: number; readonly addr: string }];
  /** A `beacon_register` call failed (the timer retries). */
  registerFailed: [error: Error];
  /** A peer beacon's Sync gossip was applied. */
  synced: [info: { readonly beaconId: number; readonly nodes: number }];
  /** A ProvenDiscover was verified and bound `nodeId` to `addr` (`ip:port`). */
  proven: [info: { readonly nodeId: number; readonly addr: string }];
  /** A ProvenDiscover was refused (`reason`: cookie expired/forged/replayed, bad signature, …). */
  proofRefused: [info: { readonly nodeId: number; readonly reason: string }];
}

/** Sync gossip is chunked so one datagram stays below a typical path MTU. */
const SYNC_CHUNK = 350;
/** Largest WebSocket message: relay header plus the largest UDP payload. */
const WS_MAX_PAYLOAD = 9 + 65_535;
/** Registry key lookups in flight at once for ProvenDiscover; more are dropped (UDP retries). */
const MAX_PENDING_PROOFS = 256;

/** The address to give out for a listener bound to a wildcard host. */
function wildcardToLoopback(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '::1';
  return host;
}

/**
 * The mesh beacon. Nodes send it Discover to learn their public endpoint, PunchRequest to have
 * both sides of a hole punch told where to send, and Relay to reach a node they cannot reach
 * directly. The same beacon messages travel as binary WebSocket messages for hosts whose UDP
 * is blocked; a node on WebSocket and a node on UDP reach each other through the relay.
 *
 * @example
 * ```ts
 * const beacon = new Beacon({ udp: { port: 9001 }, ws: { port: 9002 }, logger });
 * await beacon.listen();
 * console.log(beacon.address());
 * await beacon.close();
 * ```
 */
export class Beacon extends EventEmitter<BeaconEvents> {
  readonly #options: ResolvedBeaconOptions;
  readonly #log: BeaconLogger;
  /** Bindings proven by a signed ProvenDiscover: only another proof moves them. */
  readonly #nodes: NodeTable;
  /** Bindings claimed without proof (compat mode), capped and never evicting. */
  readonly #unproven: UnprovenTable;
  readonly #cookies: CookieJar;
  #pendingProofs = 0;
  /** Nodes that live on peer beacons, learnt from their Sync gossip. */
  readonly #remote: NodeTable;
  /** WebSocket link id → node id bound to it by Discover. */
  readonly #wsBound = new Map<number, number>();
  /** Peer beacons (`ip:port` key) we gossip with and accept Sync from. */
  #peers = new Map<string, UdpRoute>();
  #counters: Counters = zeroCounters();
  #udp: UdpListener | undefined;
  #ws: WsListener | undefined;
  #registrar: BeaconRegistrar | undefined;
  #timers: NodeJS.Timeout[] = [];
  #state: 'new' | 'listening' | 'closed' = 'new';
  #closing: Promise<void> | undefined;

  /**
   * @param options - listeners, registry, limits and logger; see {@link BeaconOptions}.
   * @throws BeaconError `invalid-options`.
   */
  constructor(options: BeaconOptions = {}) {
    super();
    this.#options = resolveBeaconOptions(options);
    this.#log = this.#options.logger;
    this.#nodes = new NodeTable({
      maxNodes: this.#options.maxNodes,
      ttlMs: this.#options.nodeTtlMs,
    });
    this.#unproven = new UnprovenTable({
      maxNodes: this.#options.maxUnprovenNodes,
      maxPerIp: this.#options.maxUnprovenPerIp,
      ttlMs: this.#options.nodeTtlMs,
    });
    this.#cookies = new CookieJar({
      ttlMs: this.#options.cookieTtlMs,
      now: this.#options.now,
      maxUsed: this.#options.maxNodes,
    });
    this.#remote = new NodeTable({
      maxNodes: this.#options.maxNodes,
      ttlMs: this.#options.syncIntervalMs * 3,
    });
  }

  /** This beacon's non-zero id (announced to the registry and in gossip). */
  get beaconId(): number {
    return this.#options.beaconId;
  }

  /**
   * Binds the UDP socket and the WebSocket listener, then starts registration, gossip and expiry
   * timers. Resolves once every listener is bound.
   * @throws BeaconError `bind-failed`, `already-listening` or `closed`.
   */
  async listen(): Promise<void> {
    if (this.#state !== 'new') {
      throw new BeaconError(
        this.#state === 'closed' ? 'closed' : 'already-listening',
        this.#state === 'closed' ? 'the beacon is closed' : 'listen() was already called',
      );
    }
    this.#state = 'listening';
    const o = this.#options;
    try {
      if (o.udp !== false) {
        this.#udp = await bindUdp(o.udp.host, o.udp.port, this.#log, (bytes, from) =>
          this.#onUdp(bytes, from),
        );
      }
      if (o.ws !== false) {
        this.#ws = await bindWs({ ...o.ws, maxPayload: WS_MAX_PAYLOAD }, this.#log, {
          onMessage: (bytes, link) => this.#onMessage(bytes, { kind: 'ws', link }),
          onClose: (link) => this.#onWsClose(link),
          isBound: (link) => this.#wsBound.has(link.id),
        });
      }
    } catch (err) {
      this.#state = 'closed';
      this.#closing = this.#shutdown();
      await this.#closing;
      throw err;
    }
    const addr = this.address();
    this.#log.info('beacon listening', {
      beaconId: o.beaconId,
      udp: addr.udp ? formatHostPort(addr.udp.address, addr.udp.port) : null,
      ws: addr.ws?.url ?? null,
    });

    this.#every(o.sweepIntervalMs, () => this.sweepExpired());
    if (o.registry !== undefined) {
      this.#registrar =
        'addr' in o.registry
          ? clientRegistrar(o.registry.addr, o.registry.adminToken ?? '', this.#log)
          : o.registry;
      this.#every(o.registerIntervalMs, () => void this.registerNow().catch(() => {}));
      void this.registerNow().catch(() => {});
    }
    if (this.#udp !== undefined && (o.peers.length > 0 || this.#registrar?.beaconList)) {
      this.#every(o.syncIntervalMs, () => void this.syncNow().catch(() => {}));
    }
  }

  /**
   * The bound listeners. Valid after {@link listen} resolves.
   * @throws BeaconError `not-listening`.
   */
  address(): BeaconAddress {
    if (this.#state !== 'listening') {
      throw new BeaconError('not-listening', 'address() needs a listening beacon');
    }
    const udp = this.#udp?.socket.address() ?? null;
    const ws = this.#ws?.address() ?? null;
    const path = this.#options.ws === false ? '' : this.#options.ws.path;
    return {
      udp: udp && { address: udp.address, family: udp.family, port: udp.port },
      ws: ws && {
        address: ws.address,
        family: ws.family,
        port: ws.port,
        url: `ws://${formatHostPort(wildcardToLoopback(ws.address), ws.port)}${path}`,
      },
    };
  }

  /** Counters and table sizes. */
  stats(): BeaconStats {
    return {
      ...this.#counters,
      nodes: this.#nodes.size + this.#unproven.size,
      provenNodes: this.#nodes.size,
      remoteNodes: this.#remote.size,
      wsConnections: this.#ws?.connections ?? 0,
    };
  }

  /**
   * Runs the expiry sweep now (a timer runs it every `sweepIntervalMs`): forgets UDP nodes not
   * heard from for `nodeTtlMs` and gossip entries older than three Sync intervals.
   * @returns how many local nodes were forgotten.
   */
  sweepExpired(): number {
    const now = this.#options.now();
    const dropped = [...this.#nodes.sweep(now), ...this.#unproven.sweep(now)];
    this.#remote.sweep(now);
    this.#cookies.sweep();
    this.#counters.expired += dropped.length;
    if (dropped.length > 0) this.#log.debug('beacon nodes expired', { count: dropped.length });
    return dropped.length;
  }

  /**
   * Announces this beacon to the registry now (a timer repeats it every `registerIntervalMs`,
   * inside the registry's 60 s expiry). Emits `registered` or `registerFailed`.
   * @throws the registry client's error when the call fails; BeaconError `not-listening`.
   */
  async registerNow(): Promise<void> {
    if (this.#registrar === undefined || this.#state !== 'listening') {
      throw new BeaconError(
        'not-listening',
        'registerNow() needs a listening beacon with a registry',
      );
    }
    const addr = this.#advertiseAddr();
    try {
      await this.#registrar.beaconRegister(this.#options.beaconId, addr);
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      this.#log.warn('beacon_register failed', { err: error.message });
      this.emit('registerFailed', error);
      throw error;
    }
    this.#counters.registrations++;
    this.#log.debug('beacon registered', { beaconId: this.#options.beaconId, addr });
    this.emit('registered', { beaconId: this.#options.beaconId, addr });
  }

  /**
   * Refreshes the peer list (static peers plus the registry's `beacon_list`) and sends each peer
   * a Sync listing the nodes reachable here. A timer runs it every `syncIntervalMs`.
   */
  async syncNow(): Promise<void> {
    if (this.#udp === undefined) return;
    await this.#refreshPeers();
    if (this.#peers.size === 0) return;
    const ids = [...this.#nodes.ids(), ...this.#unproven.ids()];
    const chunks: number[][] = [];
    for (let i = 0; i < ids.length; i += SYNC_CHUNK) chunks.push(ids.slice(i, i + SYNC_CHUNK));
    if (chunks.length === 0) chunks.push([]);
    for (const peer of this.#peers.values()) {
      for (const nodes of chunks) {
        this.#udp.send(
          encodeBeaconMessage({ kind: 'sync', beaconId: this.#options.beaconId, nodes }),
          peer.address,
          peer.port,
        );
      }
    }
  }

  /**
   * Stops timers, closes every WebSocket connection and both listeners, and releases the
   * registry connection. Safe to call more than once.
   */
  async close(): Promise<void> {
    if (this.#state === 'closed') return this.#closing;
    this.#state = 'closed';
    this.#closing = this.#shutdown().then(() => this.#log.info('beacon closed'));
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
    const registrar = this.#registrar;
    this.#registrar = undefined;
    const udp = this.#udp;
    const ws = this.#ws;
    await Promise.allSettled([udp?.close(), ws?.close(), registrar?.close?.()]);
    this.#nodes.clear();
    this.#unproven.clear();
    this.#remote.clear();
    this.#wsBound.clear();
  }

  #every(ms: number, fn: () => void): void {
    const t = setInterval(fn, ms);
    t.unref();
    this.#timers.push(t);
  }

  #advertiseAddr(): string {
    if (this.#options.advertiseAddr !== undefined) return this.#options.advertiseAddr;
    const a = this.address();
    const bound = a.udp ?? a.ws;
    return bound ? formatHostPort(wildcardToLoopback(bound.address), bound.port) : '';
  }

  async #refreshPeers(): Promise<void> {
    const wanted = new Set<string>(this.#options.peers);
    if (this.#registrar?.beaconList) {
      try {
        for (const b of await this.#registrar.beaconList()) {
          if (b.id !== this.#options.beaconId) wanted.add(b.addr);
        }
      } catch (err) {
        this.#log.debug('beacon_list failed', { err: (err as Error).message });
        return;
      }
    }
    const own = this.#advertiseAddr();
    const peers = new Map<string, UdpRoute>();
    for (const text of wanted) {
      if (text === own) continue;
      try {
        const { host, port } = hostPortOption(text, '127.0.0.1');
        const address = isIP(host) ? host : (await lookup(host)).address;
        const route: UdpRoute = { kind: 'udp', address: unmapIPv4(address), port };
        peers.set(`${route.address}|${port}`, route);
      } catch (err) {
        this.#log.debug('beacon peer address unusable', {
          peer: text,
          err: (err as Error).message,
        });
      }
    }
    this.#peers = peers;
  }

  #onUdp(bytes: Buffer, from: RemoteInfo): void {
    this.#onMessage(bytes, { kind: 'udp', address: unmapIPv4(from.address), port: from.port });
  }

  #onMessage(bytes: Uint8Array, from: NodeRoute): void {
    let msg: BeaconMessage;
    try {
      msg = decodeBeaconMessage(bytes);
    } catch (err) {
      this.#malformed(from, (err as Error).message);
      return;
    }
    try {
      switch (msg.kind) {
        case 'discover':
          this.#onDiscover(msg.node, from, bytes.length);
          return;
        case 'punch-request':
          this.#onPunch(msg.requester, msg.target, from, bytes.length);
          return;
        case 'proof-request':
          this.#onProofRequest(msg.node, from, bytes.length);
          return;
        case 'proven-discover':
          this.#onProvenDiscover(msg.node, msg.issuedAt, msg.cookie, msg.signature, from);
          return;
        case 'relay':
          this.#onRelay(msg.sender, msg.dest, msg.frame, bytes, from);
          return;
        case 'sync':
          this.#onSync(msg.beaconId, msg.nodes, from);
          return;
        default:
          // Beacon → node messages are never valid input to a beacon.
          this.#malformed(from, `unexpected ${msg.kind} message`);
      }
    } catch (err) {
      // One bad message (e.g. an endpoint that cannot be encoded) must never stop the beacon.
      this.#log.warn('beacon failed to handle a message', {
        from: formatRoute(from),
        kind: msg.kind,
        err: (err as Error).message,
      });
    }
  }

  #malformed(from: NodeRoute, reason: string): void {
    this.#counters.malformed++;
    this.#log.debug('beacon dropped malformed message', { from: formatRoute(from), reason });
  }

  /** The binding of `nodeId`: proven first, then unproven. */
  #route(nodeId: number): NodeEntry | undefined {
    return this.#nodes.get(nodeId) ?? this.#unproven.get(nodeId);
  }

  /**
   * Binds `nodeId` to `route` on an unproven claim (Discover, PunchRequest, Relay from an
   * unknown sender). A proven binding is only refreshed from its own route, never moved.
   * @returns whether `nodeId` is now bound to `route`.
   */
  #learn(nodeId: number, route: NodeRoute): boolean {
    const now = this.#options.now();
    const proven = this.#nodes.get(nodeId);
    if (proven !== undefined) {
      if (!sameRoute(proven.route, route)) {
        this.#counters.unprovenRefused++;
        this.#log.debug('beacon kept a proven binding against an unproven claim', {
          nodeId,
          from: formatRoute(route),
        });
        return false;
      }
      this.#nodes.set(nodeId, route, now);
      return true;
    }
    if (this.#options.requireProof) return false;
    const replaced = this.#unproven.get(nodeId);
    if (route.kind === 'ws') {
      // One node per WebSocket: a connection that re-discovers as another id gives up the old one.
      const previous = this.#wsBound.get(route.link.id);
      if (previous !== undefined && previous !== nodeId) {
        this.#unproven.deleteWsLink(previous, route.link.id);
        this.#wsBound.delete(route.link.id);
      }
    }
    if (!this.#unproven.set(nodeId, route, now)) {
      this.#counters.unprovenRefused++;
      this.#log.debug('beacon refused an unproven binding (cap reached)', {
        nodeId,
        from: formatRoute(route),
      });
      return false;
    }
    if (route.kind === 'ws') this.#wsBound.set(route.link.id, nodeId);
    if (replaced?.route.kind === 'ws' && !sameRoute(replaced.route, route)) {
      this.#wsBound.delete(replaced.route.link.id);
    }
    return true;
  }

  /** Binds `nodeId` to a UDP route it proved it owns. */
  #learnProven(nodeId: number, route: UdpRoute): void {
    const old = this.#unproven.delete(nodeId);
    if (old?.route.kind === 'ws') this.#wsBound.delete(old.route.link.id);
    const evicted = this.#nodes.set(nodeId, route, this.#options.now());
    if (evicted !== undefined) {
      this.#counters.expired++;
      this.#log.debug('beacon node table full, evicted least recently seen', { evicted });
    }
  }

  /**
   * Sends `message` in answer to a request of `requestBytes`. Over UDP an answer larger than
   * its request is not sent (unless `answerShortRequests`): a spoofed source must never
   * receive more bytes than the spoofer sent.
   */
  #answer(route: NodeRoute, message: Uint8Array, requestBytes: number): boolean {
    if (!this.#mayAnswer(route, message.length, requestBytes)) return false;
    return this.#send(route, message);
  }

  #mayAnswer(route: NodeRoute, answerBytes: number, requestBytes: number): boolean {
    if (route.kind === 'ws' || this.#options.answerShortRequests) return true;
    if (answerBytes <= requestBytes) return true;
    this.#counters.shortUnanswered++;
    return false;
  }

  #send(route: NodeRoute, message: Uint8Array): boolean {
    if (route.kind === 'ws') return route.link.send(message);
    if (this.#udp === undefined) return false;
    this.#udp.send(message, route.address, route.port);
    return true;
  }

  #observed(route: NodeRoute): { address: string; port: number } {
    return route.kind === 'udp' ? route : { address: route.link.address, port: route.link.port };
  }

  #onDiscover(nodeId: number, from: NodeRoute, requestBytes: number): void {
    // Node id 0 is an anonymous endpoint query (daemon start-up STUN): answer, remember nothing.
    // A refused binding is still answered: the reply only tells the sender its own endpoint.
    if (nodeId !== 0) this.#learn(nodeId, from);
    this.#counters.discovers++;
    this.#answer(
      from,
      encodeBeaconMessage({ kind: 'discover-reply', endpoint: this.#observed(from) }),
      requestBytes,
    );
  }

  #onPunch(requester: number, target: number, from: NodeRoute, requestBytes: number): void {
    // Punching needs UDP endpoints on both sides; a WebSocket node can only be relayed to.
    if (from.kind !== 'udp' || requester === 0) {
      this.#malformed(from, 'punch request needs a UDP sender with a node id');
      return;
    }
    // Only the node's own binding may ask: a host cannot punch as a node bound elsewhere.
    if (!this.#learn(requester, from)) return;
    const targetRoute = this.#route(target)?.route;
    if (targetRoute?.kind !== 'udp') {
      this.#log.debug('beacon punch target not reachable over UDP', { requester, target });
      return;
    }
    const toRequester = encodeBeaconMessage({ kind: 'punch-command', endpoint: targetRoute });
    const toTarget = encodeBeaconMessage({ kind: 'punch-command', endpoint: from });
    // Both commands count against the request: together they must not outweigh it.
    if (!this.#mayAnswer(from, toRequester.length + toTarget.length, requestBytes)) return;
    this.#counters.punches++;
    this.#send(from, toRequester);
    this.#send(targetRoute, toTarget);
  }

  #onProofRequest(nodeId: number, from: NodeRoute, requestBytes: number): void {
    // Proofs bind UDP endpoints; WebSocket registrations stay unproven.
    if (from.kind !== 'udp' || nodeId === 0) {
      this.#malformed(from, 'proof request needs a UDP sender with a node id');
      return;
    }
    const { issuedAt, cookie } = this.#cookies.issue(nodeId, from);
    const challenge = encodeBeaconMessage({
      kind: 'proof-challenge',
      node: nodeId,
      issuedAt,
      cookie,
    });
    // Mesh-only message: never answered with more than was sent, whatever the compat setting.
    if (challenge.length > requestBytes) {
      this.#counters.shortUnanswered++;
      return;
    }
    this.#send(from, challenge);
  }

  #onProvenDiscover(
    nodeId: number,
    issuedAt: bigint,
    cookie: Uint8Array,
    signature: Uint8Array,
    from: NodeRoute,
  ): void {
    if (from.kind !== 'udp' || nodeId === 0) {
      this.#malformed(from, 'proven discover needs a UDP sender with a node id');
      return;
    }
    // The cookie is checked first (cheap, no state): only a source that received our
    // challenge at this address reaches the registry lookup and the signature check.
    const refusal = this.#cookies.check(nodeId, issuedAt, cookie, from);
    if (refusal !== undefined) return this.#proofFailed(nodeId, from, `cookie ${refusal}`);
    const nodeKey = this.#options.nodeKey ?? this.#registrar?.nodeKey?.bind(this.#registrar);
    if (nodeKey === undefined) return this.#proofFailed(nodeId, from, 'no registry to check keys');
    if (this.#pendingProofs >= MAX_PENDING_PROOFS) {
      return this.#proofFailed(nodeId, from, 'too many proofs in flight');
    }
    this.#pendingProofs++;
    const text = beaconRegisterChallenge(nodeId, issuedAt, cookie);
    nodeKey(nodeId)
      .then((key) => {
        if (this.#state !== 'listening') return;
        if (key === undefined || !verifyEd25519(key, text, signature)) {
          this.#proofFailed(nodeId, from, key === undefined ? 'node unknown' : 'bad signature');
          return;
        }
        // Re-checked after the await: two copies of one proof must not both pass.
        if (this.#cookies.check(nodeId, issuedAt, cookie, from) !== undefined) {
          this.#proofFailed(nodeId, from, 'cookie spent or expired');
          return;
        }
        this.#cookies.spend(issuedAt, cookie);
        this.#learnProven(nodeId, from);
        this.#counters.proofs++;
        this.#counters.discovers++;
        this.#send(from, encodeBeaconMessage({ kind: 'discover-reply', endpoint: from }));
        this.emit('proven', { nodeId, addr: formatHostPort(from.address, from.port) });
      })
      .catch((err: unknown) => this.#proofFailed(nodeId, from, (err as Error).message))
      .finally(() => this.#pendingProofs--);
  }

  #proofFailed(nodeId: number, from: NodeRoute, reason: string): void {
    this.#counters.proofFailures++;
    this.#log.debug('beacon refused a registration proof', {
      nodeId,
      from: formatRoute(from),
      reason,
    });
    this.emit('proofRefused', { nodeId, reason });
  }

  #isPeer(from: NodeRoute): boolean {
    return from.kind === 'udp' && this.#peers.has(`${from.address}|${from.port}`);
  }

  #onRelay(
    sender: number,
    dest: number,
    frame: Uint8Array,
    raw: Uint8Array,
    from: NodeRoute,
  ): void {
    const viaPeer = this.#isPeer(from);
    if (!viaPeer) {
      const bound = this.#route(sender);
      if (bound === undefined) {
        // A sender we have not seen yet (e.g. after a beacon restart) is bound to this source.
        if (sender !== 0) this.#learn(sender, from);
      } else if (this.#options.verifyRelaySender && !sameRoute(bound.route, from)) {
        this.#counters.relayDropped++;
        this.#log.debug('beacon relay sender mismatch', { sender, from: formatRoute(from) });
        return;
      }
    }
    const local = this.#route(dest);
    if (local !== undefined) {
      if (this.#send(local.route, encodeBeaconMessage({ kind: 'relay-deliver', sender, frame }))) {
        this.#counters.relayed++;
      } else {
        this.#counters.relayDropped++;
      }
      return;
    }
    // Forward once to the peer beacon that has the destination; never re-forward.
    const remote = viaPeer ? undefined : this.#remote.get(dest);
    if (remote !== undefined && remote.route.kind === 'udp' && this.#udp !== undefined) {
      this.#udp.send(raw, remote.route.address, remote.route.port);
      this.#counters.forwarded++;
      return;
    }
    this.#counters.relayDropped++;
    this.#log.debug('beacon relay destination unknown', { sender, dest });
  }

  #onSync(beaconId: number, nodes: readonly number[], from: NodeRoute): void {
    if (!this.#isPeer(from) || beaconId === this.#options.beaconId || from.kind !== 'udp') {
      this.#malformed(from, 'sync from a source that is not a peer beacon');
      return;
    }
    const now = this.#options.now();
    for (const id of nodes.slice(0, MAX_SYNC_NODES)) this.#remote.set(id, from, now);
    this.emit('synced', { beaconId, nodes: nodes.length });
  }

  #onWsClose(link: WsLink): void {
    const nodeId = this.#wsBound.get(link.id);
    if (nodeId === undefined) return;
    this.#wsBound.delete(link.id);
    this.#unproven.deleteWsLink(nodeId, link.id);
  }
}
