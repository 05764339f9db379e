import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { LookupOneOptions } from 'node:dns';
import { isIP, isIPv6 } from 'node:net';
import {
  authChallenge,
  classifyDatagram,
  decodeBeaconMessage,
  decodePacket,
  decodeTunnelFrame,
  encodeBeaconMessage,
  encodeTunnelFrame,
  formatHostPort,
  parseHostPort,
  type AuthKeyExchangeFrame,
  type BeaconMessage,
  type KeyExchangeFrame,
  type Packet,
  type TunnelFrame,
  TUNNEL_MAGIC_SIZE,
  TunnelMagic,
} from '@mesh/protocol';
import {
  TunnelSession,
  deriveTunnelKey,
  generateX25519KeyPair,
  type X25519KeyPair,
} from '../crypto/tunnel-crypto.js';
import type { EventBus } from '../events/event-bus.js';
import { verifySignature } from '../identity/identity.js';
import type { IdentitySigner } from '../identity/identity-holder.js';
import { noopLogger, type Logger } from '@mesh/daemonapi';
import { TunnelError } from '../errors/errors.js';
import type { RelayLink } from './relay-link.js';
import { answerBeaconChallenge, beaconRegistration, punchRequest } from './beacon-proof.js';
import { AmplificationGuard } from './amplification-guard.js';
import { AUTH_KX_SIZE, encodeFreshness, readFreshness } from './kx-freshness.js';
import { KeyExchangeAdmission, type RegistryAnswer } from './kx-admission.js';
import { PATH_PROBE_PROTO, PathMtu, type PathMtuInfo } from './path-mtu.js';

/** A UDP endpoint. */
export interface UdpEndpoint {
  /** IP address text. */
  readonly address: string;
  /** UDP port. */
  readonly port: number;
}

/** Who sent a packet delivered by the tunnel. */
export interface PacketOrigin {
  /** The authenticated peer node id (for plaintext frames: the packet's own claim). */
  readonly peer: number;
  /** Whether the frame was decrypted with a session whose peer key the registry vouched for. */
  readonly authenticated: boolean;
  /** Whether it arrived through the beacon relay. */
  readonly relay: boolean;
  /** Whether the inner packet claimed a different source node than the authenticated peer. */
  readonly spoofed: boolean;
}

/** Options of {@link Tunnel}. */
export interface TunnelOptions {
  /** Event bus for `tunnel.*` and `security.*` events. */
  readonly bus: EventBus;
  /** Ed25519 identity, read on every exchange; without one the tunnel sends anonymous `PILK` exchanges. */
  readonly identity?: IdentitySigner;
  /**
   * Encrypt frames.
   * @default true
   */
  readonly encrypt?: boolean;
  /**
   * Also send plaintext `PILT` copies while a key exchange is pending, and accept `PILT` from
   * anyone (the [M] compatibility mode). Insecure; off unless explicitly enabled.
   * @default false
   */
  readonly allowPlaintext?: boolean;
  /** UDP bind address. @default '0.0.0.0' */
  readonly host?: string;
  /** UDP port. @default 0 */
  readonly port?: number;
  /**
   * The peer's Ed25519 key as the registry knows it (`lookup`): resolves `undefined` when the
   * registry answers that the node has no key or is not registered; rejects when the registry
   * cannot answer (then key exchanges from that node are refused for now, never accepted
   * unauthenticated).
   */
  readonly lookupKey: (nodeId: number) => Promise<Uint8Array | undefined>;
  /** The peer's UDP endpoint as the registry resolves it; `undefined` when not resolvable. */
  readonly resolveEndpoint: (nodeId: number) => Promise<UdpEndpoint | undefined>;
  /** Beacon endpoint (discovery, punch, relay). */
  readonly beacon?: UdpEndpoint;
  /** Relay over a WebSocket instead of UDP (`--transport ws`), or after UDP relay fails (`auto`). */
  readonly relayLink?: RelayLink;
  /** Called with every decoded inbound packet. */
  readonly onPacket: (packet: Packet, origin: PacketOrigin) => void;
  /** Logger. */
  readonly logger?: Logger;
  /**
   * Key-exchange attempts sent directly before switching the peer to the relay.
   * @default 3
   */
  readonly directAttempts?: number;
  /**
   * First key-exchange retransmission delay; doubles per attempt, capped at 8 s.
   * @default 1000
   */
  readonly keyExchangeRetryMs?: number;
  /**
   * Frames queued per peer while its key exchange is pending (oldest dropped).
   * @default 64
   */
  readonly maxQueuedFrames?: number;
  /**
   * Peers that may have a pending queue at once.
   * @default 256
   */
  readonly maxPendingPeers?: number;
  /**
   * Peers with an unauthenticated (anonymous `PILK`) session at once; further anonymous
   * exchanges are refused.
   * @default 256
   */
  readonly maxAnonymousPeers?: number;
  /**
   * How often a relayed peer is probed directly (at its registry endpoint) to switch it back to
   * a direct path; `0` disables probing.
   * @default 15000
   */
  readonly directProbeMs?: number;
  /**
   * Path MTU probing of direct paths: the reference segment size every path starts at, the
   * largest size probed (set it to the base to turn probing off) and the probe timeout.
   * @default { baseSegmentSize: 1152, maxSegmentSize: 16384, probeTimeoutMs: 500 }
   */
  readonly pathMtu?: {
    readonly baseSegmentSize?: number;
    readonly maxSegmentSize?: number;
    readonly probeTimeoutMs?: number;
  };
}

/** A snapshot of one peer, for `info`. */
export interface TunnelPeerInfo {
  /** Peer node id. */
  readonly nodeId: number;
  /** Direct UDP endpoint, `host:port`, or empty. */
  readonly endpoint: string;
  /** Whether a session key exists. */
  readonly encrypted: boolean;
  /** Whether the peer's identity was checked against the registry. */
  readonly authenticated: boolean;
  /** Whether frames go through the beacon relay. */
  readonly relay: boolean;
  /** Frames waiting for the key exchange. */
  readonly queued: number;
}

/** Traffic counters of the tunnel socket. */
export interface TunnelStats {
  /** UDP payload bytes sent. */
  bytesSent: number;
  /** UDP payload bytes received. */
  bytesRecv: number;
  /** Inner packets sent. */
  pktsSent: number;
  /** Inner packets delivered. */
  pktsRecv: number;
  /** Frames dropped as replays or too old. */
  replays: number;
  /** Frames that failed authentication. */
  authFailures: number;
  /** Key exchanges rejected (bad signature, key mismatch with the registry). */
  rejectedKeyExchanges: number;
  /** Frames dropped from full pending queues. */
  queueDrops: number;
  /** Replies to unauthenticated traffic withheld because they would exceed what the source sent. */
  amplificationDrops: number;
}

interface PeerState {
  readonly nodeId: number;
  endpoint: UdpEndpoint | undefined;
  relay: boolean;
  session: TunnelSession | undefined;
  authenticated: boolean;
  ed25519: Uint8Array | undefined;
  queue: Uint8Array[];
  kxAttempts: number;
  kxTimer: NodeJS.Timeout | undefined;
  resolving: boolean;
  receivedSealed: boolean;
  duplicateReplies: number;
  duplicateWindowStart: number;
  relayAnnounced: boolean;
  /** A newer key without proof of freshness: replaces `session` once a frame sealed under it arrives. */
  candidate:
    { session: TunnelSession; authenticated: boolean; ed25519: Uint8Array | undefined } | undefined;
  /** When an authenticated frame last arrived directly (not relayed), ms. */
  lastDirectRx: number;
  probing: boolean;
}

const MAX_KX_RETRY_MS = 8000;
// Replies to duplicate exchanges cover a lost reply; a few per window, so two idle peers cannot
// ping-pong fast, while a peer that keeps missing our reply is answered again in the next window.
const MAX_DUPLICATE_REPLIES = 3;
const DUPLICATE_REPLY_WINDOW_MS = 2000;
const UNKNOWN_SESSION_REPLY_MS = 1000;
const MAX_PENDING_LOOKUPS = 64;
// A relayed frame does not switch a peer back to the relay while direct frames arrived this recently
// (frames relayed before a switch to direct are still in flight).
const DIRECT_GRACE_MS = 5000;
const MAX_REMEMBERED_KX = 4096;

/**
 * The tunnel layer: one UDP socket carrying beacon messages and `PILT`/`PILS`/`PILK`/`PILA`/`PILP`
 * frames, authenticated X25519 key exchange, AES-256-GCM sessions with per-peer replay windows,
 * bounded queues while a key exchange is pending, and fallback to the beacon relay.
 */
export class Tunnel {
  readonly #opts: TunnelOptions;
  readonly #log: Logger;
  readonly #encrypt: boolean;
  #kx: X25519KeyPair = generateX25519KeyPair();
  readonly #peers = new Map<number, PeerState>();
  readonly #keyCache = new Map<number, Uint8Array>();
  // Send counters of removed peers' sessions. The peer may keep its session (and replay window)
  // after we forget it; the same key pair derives the same key, so a new session continues the
  // counters instead of restarting at 1 and being dropped as replays.
  readonly #retiredCounters = new Map<number, number>();
  readonly #discoverWaiters = new Set<(ep: UdpEndpoint) => void>();
  readonly #unknownSessionReplies = new Map<number, number>();
  readonly #guard = new AmplificationGuard();
  readonly #admission = new KeyExchangeAdmission();
  // Inbound key exchanges are handled one at a time per claimed node (each may await the registry).
  readonly #kxChains = new Map<number, Promise<void>>();
  // Newest key-exchange timestamp installed per peer: an older one is a replay of a previous run.
  readonly #kxSeen = new Map<number, { timestamp: number; x25519: Uint8Array }>();
  // When the current ephemeral key's signed key exchange was made (its freshness timestamp).
  #kxCreatedMs = Date.now();
  #kxPlainFrame: Uint8Array | undefined;
  #probeTimer: NodeJS.Timeout | undefined;
  #pendingLookups = 0;
  #socket: Socket | undefined;
  #nodeId = 0;
  #kxFrame: Uint8Array | undefined;
  #closed = false;
  #local: UdpEndpoint | undefined;
  readonly #pmtu: PathMtu;
  /** Traffic and security counters. */
  readonly stats: TunnelStats = {
    bytesSent: 0,
    bytesRecv: 0,
    pktsSent: 0,
    pktsRecv: 0,
    replays: 0,
    authFailures: 0,
    rejectedKeyExchanges: 0,
    queueDrops: 0,
    amplificationDrops: 0,
  };

  /**
   * @param options callbacks and settings
   */
  constructor(options: TunnelOptions) {
    this.#opts = options;
    this.#log = options.logger ?? noopLogger;
    this.#encrypt = options.encrypt ?? true;
    this.#pmtu = new PathMtu({
      baseSegmentSize: options.pathMtu?.baseSegmentSize ?? 1152,
      ...(options.pathMtu?.maxSegmentSize === undefined
        ? {}
        : { maxSegmentSize: options.pathMtu.maxSegmentSize }),
      ...(options.pathMtu?.probeTimeoutMs === undefined
        ? {}
        : { probeTimeoutMs: options.pathMtu.probeTimeoutMs }),
      send: (node, packet) => this.send(node, packet),
      localAddr: () => ({ network: 0, node: this.#nodeId }),
    });
    options.relayLink?.onFrame((sender, frame) => this.#handleRelayed(sender, frame));
  }

  /** This run's ephemeral X25519 public key. */
  get x25519PublicKey(): Uint8Array {
    return this.#kx.publicKey;
  }

  /** Whether frames are encrypted. */
  get encrypted(): boolean {
    return this.#encrypt;
  }

  /** The bound local endpoint. */
  get localEndpoint(): UdpEndpoint {
    if (this.#local === undefined)
      throw new TunnelError('TUNNEL_CLOSED', 'the tunnel socket is not bound');
    return this.#local;
  }

  /**
   * Sets the local node id (after registration); resets the cached key-exchange frame.
   * @param nodeId the id the registry assigned
   */
  setNodeId(nodeId: number): void {
    this.#nodeId = nodeId;
    this.#kxFrame = undefined;
    this.#kxPlainFrame = undefined;
  }

  /**
   * After a key rotation: a new ephemeral X25519 key and a fresh key exchange with every peer
   * that has a session, signed by the identity as it is now, so peers authenticate the new key.
   * Old sessions end here (their keys came from the old X25519 key); packets queue until the new
   * exchange completes.
   */
  rekeyAll(): void {
    this.#kx = generateX25519KeyPair();
    // The new key's exchange must be newer than the old one's (peers refuse an older or equal
    // timestamp with another key as a replay).
    this.#kxCreatedMs = Math.max(Date.now(), this.#kxCreatedMs + 1);
    this.#kxFrame = undefined;
    this.#kxPlainFrame = undefined;
    // Counters were kept to continue a session under the same key; every key changes now.
    this.#retiredCounters.clear();
    for (const peer of this.#peers.values()) {
      if (peer.session === undefined) continue;
      peer.session = undefined;
      peer.candidate = undefined;
      peer.authenticated = false;
      this.#startKeyExchange(peer);
    }
  }

  /**
   * Binds the UDP socket and starts reading.
   * @returns the bound endpoint
   */
  async bind(): Promise<UdpEndpoint> {
    const host = this.#opts.host ?? '0.0.0.0';
    const socket = createSocket({
      type: isIPv6(host) ? 'udp6' : 'udp4',
      reuseAddr: false,
      lookup: literalFirstLookup,
    });
    this.#socket = socket;
    socket.on('message', (msg, rinfo) => this.#onDatagram(msg, rinfo));
    socket.on('error', (error) => this.#log.warn('tunnel socket error', { error: String(error) }));
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(this.#opts.port ?? 0, host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    try {
      socket.setRecvBufferSize(4 * 1024 * 1024);
      socket.setSendBufferSize(4 * 1024 * 1024);
    } catch {
      /* best effort: the OS may cap buffer sizes */
    }
    const addr = socket.address();
    this.#local = { address: addr.address, port: addr.port };
    const probeMs = this.#opts.directProbeMs ?? 15_000;
    if (this.#encrypt && probeMs > 0) {
      this.#probeTimer = setInterval(() => {
        for (const peer of this.#peers.values()) this.#probeDirect(peer);
      }, probeMs);
      this.#probeTimer.unref();
    }
    return this.#local;
  }

  /**
   * Asks the beacon for this socket's public endpoint (beacon Discover). Also (re-)registers
   * the node at the beacon when the node id is set.
   * @param timeoutMs how long to wait for the reply
   * @returns the observed endpoint, or `undefined` without a beacon or reply
   */
  async discover(timeoutMs = 2000): Promise<UdpEndpoint | undefined> {
    const beacon = this.#opts.beacon;
    if (beacon === undefined) return undefined;
    let timer: NodeJS.Timeout | undefined;
    let waiter: ((ep: UdpEndpoint) => void) | undefined;
    const reply = new Promise<UdpEndpoint | undefined>((resolve) => {
      waiter = resolve;
      this.#discoverWaiters.add(resolve);
      timer = setTimeout(() => resolve(undefined), timeoutMs);
    });
    for (const m of beaconRegistration(this.#nodeId, this.#opts.identity)) this.#sendBeacon(m);
    try {
      return await reply;
    } finally {
      clearTimeout(timer);
      if (waiter !== undefined) this.#discoverWaiters.delete(waiter);
    }
  }

  /** Sends a beacon Discover with the real node id (keeps the NAT mapping and registration). */
  announceToBeacon(): void {
    if (this.#opts.beacon !== undefined) {
      for (const m of beaconRegistration(this.#nodeId, this.#opts.identity)) this.#sendBeacon(m);
    }
    if (this.#opts.relayLink !== undefined && this.#nodeId !== 0)
      this.#opts.relayLink.register(this.#nodeId);
  }

  /**
   * Records a peer's direct endpoint and starts a key exchange (the reference's `AddPeer`).
   * @param nodeId the peer
   * @param endpoint its UDP endpoint
   */
  addPeer(nodeId: number, endpoint: UdpEndpoint): void {
    const peer = this.#peer(nodeId);
    const isNew = peer.endpoint === undefined;
    peer.endpoint = endpoint;
    if (isNew) {
      this.#opts.bus.publish('tunnel.peer_added', {
        peer_node_id: nodeId,
        endpoint: formatEndpoint(endpoint),
      });
    }
    if (this.#encrypt && peer.session === undefined) this.#startKeyExchange(peer);
  }

  /**
   * Sends an encoded packet to a peer: sealed when a session exists, otherwise queued (bounded)
   * while the key exchange runs. Never throws; drops are counted.
   * @param nodeId destination node
   * @param packet the encoded packet (header + payload)
   */
  send(nodeId: number, packet: Uint8Array): void {
    this.sendPieces(nodeId, [packet]);
  }

  /**
   * {@link Tunnel.send} for a packet given in pieces (e.g. its 34-byte header and the stream's
   * payload): they are sealed piece by piece and leave as one scatter/gather datagram, so the
   * hot path never joins them into a fresh buffer. Only a queued or relayed packet is joined.
   * @param nodeId destination node
   * @param pieces the encoded packet, in order; not modified, not kept after the call unless
   *   queued (then copied)
   */
  sendPieces(nodeId: number, pieces: readonly Uint8Array[]): void {
    if (this.#closed || this.#socket === undefined) return;
    if (nodeId === this.#nodeId && this.#nodeId !== 0) {
      // Loopback to self: deliver without touching the network.
      this.stats.pktsSent += 1;
      const packet = joinPieces(pieces, true);
      queueMicrotask(() =>
        this.#deliver(packet, { peer: nodeId, authenticated: true, relay: false }, false),
      );
      return;
    }
    const peer = this.#peer(nodeId);
    this.stats.pktsSent += 1;
    if (!this.#encrypt) {
      if (peer.endpoint === undefined && !peer.relay) {
        this.#enqueue(peer, joinPieces(pieces, true));
        this.#resolve(peer);
        return;
      }
      this.#sendFrame(peer, [PLAIN_MAGIC, ...pieces]);
      return;
    }
    if (peer.session !== undefined) {
      this.#sendFrame(peer, peer.session.sealPieces(pieces, this.#nodeId));
      return;
    }
    const packet = joinPieces(pieces, true);
    this.#enqueue(peer, packet);
    if (this.#opts.allowPlaintext === true && (peer.endpoint !== undefined || peer.relay)) {
      this.#sendFrame(peer, encodeTunnelFrame({ kind: 'plain', packet }));
    }
    if (peer.endpoint === undefined && !peer.relay) this.#resolve(peer);
    else this.#startKeyExchange(peer);
  }

  /**
   * Starts the key exchange with a peer (resolving its endpoint first when needed) and waits
   * until a session exists, so the first stream packet does not wait in the queue (which would
   * inflate its RTT sample). Resolves `false` on timeout; never rejects.
   * @param nodeId the peer
   * @param timeoutMs how long to wait
   * @returns whether a session exists
   */
  async connect(nodeId: number, timeoutMs = 5000): Promise<boolean> {
    if (!this.#encrypt || this.#closed || nodeId === this.#nodeId) return true;
    const peer = this.#peer(nodeId);
    if (peer.session !== undefined) return true;
    const ready = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        off();
        resolve(false);
      }, timeoutMs);
      timer.unref();
      const off = this.#opts.bus.on('tunnel.established', (e) => {
        if (e.payload['peer_node_id'] !== nodeId) return;
        clearTimeout(timer);
        off();
        resolve(true);
      });
    });
    if (peer.endpoint === undefined && !peer.relay) this.#resolve(peer);
    else this.#startKeyExchange(peer);
    return ready;
  }

  /**
   * Switches a peer to the beacon relay (after direct attempts failed).
   * @param nodeId the peer
   */
  activateRelay(nodeId: number): void {
    const peer = this.#peer(nodeId);
    if (peer.relay) return;
    if (this.#opts.beacon === undefined && this.#opts.relayLink === undefined) return;
    peer.relay = true;
    this.#announceRelay(peer);
    if (this.#encrypt && peer.session === undefined) {
      this.#stopKeyExchange(peer);
      this.#startKeyExchange(peer);
    }
    this.#flush(peer);
  }

  /**
   * Drops all per-peer state (keys, queue, route). Safe when none exists.
   * @param nodeId the peer
   */
  removePeer(nodeId: number): void {
    const peer = this.#peers.get(nodeId);
    if (peer === undefined) return;
    this.#stopKeyExchange(peer);
    if (peer.session !== undefined) this.#retiredCounters.set(nodeId, peer.session.sent);
    this.#peers.delete(nodeId);
    this.#keyCache.delete(nodeId);
    this.#pmtu.forget(nodeId);
  }

  /**
   * Stream segment size for a peer: the reference size until a probe of the direct path
   * confirmed more (relay paths and peers without a session keep the reference size).
   * @param nodeId the peer
   * @returns payload bytes per segment
   */
  segmentSize(nodeId: number): number {
    const peer = this.#peers.get(nodeId);
    const direct =
      peer !== undefined &&
      !peer.relay &&
      peer.endpoint !== undefined &&
      (peer.session !== undefined || !this.#encrypt);
    return this.#pmtu.segmentSize(nodeId, direct ? peer.endpoint : undefined);
  }

  /**
   * Large segments to the peer were lost until a retransmission timeout: re-validate its path.
   * @param nodeId the peer
   */
  pathLoss(nodeId: number): void {
    this.#pmtu.lossReported(nodeId);
  }

  /**
   * Path MTU probing state of a peer.
   * @param nodeId the peer
   * @returns the state, or `undefined` before its direct path was used
   */
  pathInfo(nodeId: number): PathMtuInfo | undefined {
    return this.#pmtu.info(nodeId);
  }

  /**
   * Whether the peer currently has an authenticated session.
   * @param nodeId the peer
   * @returns the state
   */
  isAuthenticated(nodeId: number): boolean {
    return this.#peers.get(nodeId)?.authenticated === true;
  }

  /**
   * One row per known peer.
   * @returns snapshots
   */
  peers(): TunnelPeerInfo[] {
    return [...this.#peers.values()].map((p) => ({
      nodeId: p.nodeId,
      endpoint: p.endpoint === undefined ? '' : formatEndpoint(p.endpoint),
      encrypted: p.session !== undefined,
      authenticated: p.authenticated,
      relay: p.relay,
      queued: p.queue.length,
    }));
  }

  /** Closes the socket and forgets every peer. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#probeTimer !== undefined) clearInterval(this.#probeTimer);
    this.#pmtu.close();
    for (const peer of this.#peers.values()) this.#stopKeyExchange(peer);
    this.#peers.clear();
    for (const waiter of this.#discoverWaiters) waiter({ address: '', port: 0 });
    this.#opts.relayLink?.close();
    // Datagrams handed to the socket just before close (the FINs and RSTs of a graceful stop) are
    // dropped if the socket closes under them: let them leave first, for a bounded time.
    await this.#sendsDrained(250);
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket !== undefined) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  // Sends to a host name wait for a DNS answer before the socket queues them: counted here.
  #resolvingSends = 0;
  // Datagrams to literal IPs made during this turn, sent together when it ends (one nextTick
  // per burst, not per datagram): the peer reads a burst as one batch and answers it with one
  // combined ACK.
  readonly #outbox: (Uint8Array | readonly Uint8Array[])[] = [];
  readonly #outboxPorts: number[] = [];
  readonly #outboxAddresses: string[] = [];

  /**
   * Sends one datagram (one buffer, or pieces sent as one with scatter/gather) from the tunnel
   * socket. Sends to literal IPs (every peer path) take no callback: on success there is
   * nothing to do, and a failed send is a lost datagram the transport recovers from — so no
   * closure per datagram; the socket's own queue count tells `close()` when they have left.
   */
  #udpSend(bytes: Uint8Array | readonly Uint8Array[], port: number, address: string): void {
    const socket = this.#socket;
    if (socket === undefined) return;
    if (isIP(address) !== 0) {
      if (this.#outbox.length === 0) process.nextTick(this.#sendOutbox);
      this.#outbox.push(bytes);
      this.#outboxPorts.push(port);
      this.#outboxAddresses.push(address);
      return;
    }
    this.#resolvingSends += 1;
    socket.send(bytes as Uint8Array, port, address, () => {
      this.#resolvingSends -= 1;
    });
  }

  readonly #sendOutbox = (): void => {
    const socket = this.#socket;
    const n = this.#outbox.length;
    for (let i = 0; socket !== undefined && i < n; i++)
      socket.send(this.#outbox[i] as Uint8Array, this.#outboxPorts[i], this.#outboxAddresses[i]);
    this.#outbox.length = 0;
    this.#outboxPorts.length = 0;
    this.#outboxAddresses.length = 0;
  };

  /** Resolves once the socket has sent every queued datagram, or after `maxMs`. */
  async #sendsDrained(maxMs: number): Promise<void> {
    const socket = this.#socket;
    if (socket === undefined) return;
    const idle = (): boolean =>
      this.#outbox.length === 0 && this.#resolvingSends === 0 && socket.getSendQueueCount() === 0;
    const end = Date.now() + maxMs;
    // Only at shutdown, and only while datagrams are still queued (a full socket buffer).
    while (!idle() && Date.now() < end) await new Promise((r) => setTimeout(r, 2).unref());
  }

  /**
   * Sends raw bytes from the tunnel socket (tests and NAT punching).
   * @param bytes the datagram
   * @param to destination
   */
  sendRaw(bytes: Uint8Array, to: UdpEndpoint): void {
    if (this.#socket === undefined) return;
    this.stats.bytesSent += bytes.length;
    this.#udpSend(bytes, to.port, to.address);
  }

  // ---- outbound ------------------------------------------------------------------------------

  #peer(nodeId: number): PeerState {
    let peer = this.#peers.get(nodeId);
    if (peer === undefined) {
      peer = this.#blankPeer(nodeId);
      this.#peers.set(nodeId, peer);
    }
    return peer;
  }

  #blankPeer(nodeId: number): PeerState {
    return {
      nodeId,
      endpoint: undefined,
      relay: false,
      session: undefined,
      authenticated: false,
      ed25519: undefined,
      queue: [],
      kxAttempts: 0,
      kxTimer: undefined,
      resolving: false,
      receivedSealed: false,
      duplicateReplies: 0,
      duplicateWindowStart: 0,
      relayAnnounced: false,
      candidate: undefined,
      lastDirectRx: 0,
      probing: false,
    };
  }

  #enqueue(peer: PeerState, packet: Uint8Array): void {
    if (peer.queue.length === 0) {
      const pending = [...this.#peers.values()].filter((p) => p.queue.length > 0).length;
      if (pending >= (this.#opts.maxPendingPeers ?? 256)) {
        this.stats.queueDrops += 1;
        return;
      }
    }
    peer.queue.push(packet); // a fresh copy (joinPieces), never the caller's buffer
    if (peer.queue.length > (this.#opts.maxQueuedFrames ?? 64)) {
      peer.queue.shift();
      this.stats.queueDrops += 1;
    }
  }

  #resolve(peer: PeerState): void {
    if (peer.resolving) return;
    peer.resolving = true;
    this.#opts.resolveEndpoint(peer.nodeId).then(
      (endpoint) => {
        peer.resolving = false;
        if (this.#closed || this.#peers.get(peer.nodeId) !== peer) return;
        if (endpoint !== undefined && endpoint.port !== 0) {
          this.addPeer(peer.nodeId, endpoint);
          if (!this.#encrypt) this.#flush(peer);
          // Ask the beacon to coordinate a punch as well: cheap, and opens NATs both ways.
          if (this.#opts.beacon !== undefined && this.#nodeId !== 0) {
            this.#sendBeacon(punchRequest(this.#nodeId, peer.nodeId));
          }
        } else {
          this.#fallBackToRelay(peer, 'not resolvable');
        }
      },
      (error: unknown) => {
        peer.resolving = false;
        if (this.#closed) return;
        this.#log.debug('resolve failed', { peer: peer.nodeId, error: String(error) });
        this.#fallBackToRelay(peer, 'resolve failed');
      },
    );
  }

  #fallBackToRelay(peer: PeerState, why: string): void {
    if (this.#opts.beacon === undefined && this.#opts.relayLink === undefined) {
      this.stats.queueDrops += peer.queue.length;
      peer.queue = [];
      this.#log.debug('peer unreachable and no relay configured', { peer: peer.nodeId, why });
      return;
    }
    this.activateRelay(peer.nodeId);
  }

  /** This run's key exchange: `PILA` with the signed freshness extension, or a padded `PILK`. */
  #keyExchangeFrame(): Uint8Array {
    if (this.#kxFrame !== undefined) return this.#kxFrame;
    const plain = this.#plainKeyExchangeFrame();
    const identity = this.#opts.identity;
    if (identity === undefined) {
      this.#kxFrame = plain;
      return plain;
    }
    const ext = encodeFreshness(identity, this.#nodeId, this.#kx.publicKey, this.#kxCreatedMs);
    const out = new Uint8Array(plain.length + ext.length);
    out.set(plain, 0);
    out.set(ext, plain.length);
    this.#kxFrame = out;
    return out;
  }

  /**
   * The key exchange without the extension, as the reference sends it: the reply to a peer that
   * did not send the extension (so the reply is no larger than its request). A `PILK` is padded
   * to the `PILA` size (trailing bytes are ignored) so that the peer may answer it at once.
   */
  #plainKeyExchangeFrame(): Uint8Array {
    if (this.#kxPlainFrame !== undefined) return this.#kxPlainFrame;
    const identity = this.#opts.identity;
    const x25519 = this.#kx.publicKey;
    let encoded: Uint8Array;
    if (identity === undefined) {
      encoded = new Uint8Array(AUTH_KX_SIZE);
      encoded.set(encodeTunnelFrame({ kind: 'key-exchange', sender: this.#nodeId, x25519 }), 0);
    } else {
      encoded = encodeTunnelFrame({
        kind: 'auth-key-exchange',
        sender: this.#nodeId,
        x25519,
        ed25519: identity.publicKey,
        signature: identity.sign(authChallenge(this.#nodeId, x25519)),
      });
    }
    this.#kxPlainFrame = encoded;
    return encoded;
  }

  /**
   * Answers a key exchange the way it came: to its source address (never with more bytes than
   * that address sent recently: it may be forged) or through the relay.
   * @param peer the peer's state, when one exists
   * @param nodeId the peer
   * @param from the source address, `undefined` when relayed
   * @param extended whether the peer sent the freshness extension (answer in kind)
   */
  #replyKeyExchange(
    peer: PeerState | undefined,
    nodeId: number,
    from: UdpEndpoint | undefined,
    extended: boolean,
  ): void {
    const frame = this.#replyFrame(extended);
    if (from !== undefined) {
      if (this.#guard.tryReply(from.address, frame.length, Date.now())) this.sendRaw(frame, from);
      else this.stats.amplificationDrops += 1;
      return;
    }
    this.#sendFrame(peer ?? { ...this.#blankPeer(nodeId), relay: true }, frame);
  }

  #replyFrame(extended: boolean): Uint8Array {
    return extended ? this.#keyExchangeFrame() : this.#plainKeyExchangeFrame();
  }

  /** Anonymous sessions, for the cap on them. */
  #anonymousPeers(): number {
    let n = 0;
    for (const p of this.#peers.values()) if (p.session !== undefined && !p.authenticated) n++;
    return n;
  }

  /**
   * Sends a relayed peer an empty sealed frame at its registry endpoint: if it arrives, the peer
   * switches us to direct and answers directly, which switches it to direct here as well.
   * @param peer the peer
   */
  #probeDirect(peer: PeerState): void {
    if (this.#closed || peer.probing || !peer.relay || peer.session === undefined) return;
    if (this.#opts.relayLink?.preferred === true) return; // UDP is blocked: nothing to probe
    peer.probing = true;
    this.#opts.resolveEndpoint(peer.nodeId).then(
      (endpoint) => {
        peer.probing = false;
        if (endpoint === undefined || endpoint.port === 0 || this.#closed) return;
        if (this.#peers.get(peer.nodeId) !== peer || !peer.relay || peer.session === undefined)
          return;
        this.sendRaw(peer.session.sealFrame(new Uint8Array(0), this.#nodeId), endpoint);
      },
      () => {
        peer.probing = false;
      },
    );
  }

  #startKeyExchange(peer: PeerState): void {
    if (peer.kxTimer !== undefined || peer.session !== undefined || this.#closed) return;
    if (peer.endpoint === undefined && !peer.relay) return;
    peer.kxAttempts = 0;
    const attempt = (): void => {
      peer.kxTimer = undefined;
      if (this.#closed || peer.session !== undefined || this.#peers.get(peer.nodeId) !== peer)
        return;
      const direct = this.#opts.directAttempts ?? 3;
      if (peer.kxAttempts >= direct * 2) {
        // Both phases exhausted: give up until the next send restarts the exchange.
        this.stats.queueDrops += peer.queue.length;
        peer.queue = [];
        this.#opts.bus.publish('tunnel.key_exchange_failed', { peer_node_id: peer.nodeId });
        return;
      }
      if (peer.kxAttempts === direct && !peer.relay) {
        if (this.#opts.beacon !== undefined || this.#opts.relayLink !== undefined) {
          peer.relay = true;
          this.#announceRelay(peer);
        }
      }
      this.#sendFrame(peer, this.#keyExchangeFrame());
      const base = this.#opts.keyExchangeRetryMs ?? 1000;
      const delay = Math.min(MAX_KX_RETRY_MS, base * 2 ** (peer.kxAttempts % direct));
      peer.kxAttempts += 1;
      peer.kxTimer = setTimeout(attempt, delay);
      peer.kxTimer.unref();
    };
    attempt();
  }

  #stopKeyExchange(peer: PeerState): void {
    if (peer.kxTimer !== undefined) clearTimeout(peer.kxTimer);
    peer.kxTimer = undefined;
  }

  #announceRelay(peer: PeerState): void {
    if (peer.relayAnnounced) return;
    peer.relayAnnounced = true;
    this.#opts.bus.publish('tunnel.relay_activated', { peer_node_id: peer.nodeId });
  }

  #sendSealed(peer: PeerState, packet: Uint8Array): void {
    this.#sendFrame(peer, peer.session!.sealFrame(packet, this.#nodeId));
  }

  #flush(peer: PeerState): void {
    if (peer.queue.length === 0) return;
    if (this.#encrypt && peer.session === undefined) return;
    if (peer.endpoint === undefined && !peer.relay) return;
    const queued = peer.queue;
    peer.queue = [];
    for (const packet of queued) {
      if (this.#encrypt) this.#sendSealed(peer, packet);
      else this.#sendFrame(peer, encodeTunnelFrame({ kind: 'plain', packet }));
    }
  }

  #sendFrame(peer: PeerState, frame: Uint8Array | readonly Uint8Array[]): void {
    const socket = this.#socket;
    if (socket === undefined) return;
    if (peer.relay || peer.endpoint === undefined) {
      const joined = frame instanceof Uint8Array ? frame : joinPieces(frame, false);
      const link = this.#opts.relayLink;
      if (link !== undefined && (link.preferred || this.#opts.beacon === undefined)) {
        this.stats.bytesSent += joined.length;
        link.send(this.#nodeId, peer.nodeId, joined);
        return;
      }
      if (this.#opts.beacon === undefined) return;
      this.#sendBeacon({ kind: 'relay', sender: this.#nodeId, dest: peer.nodeId, frame: joined });
      return;
    }
    if (frame instanceof Uint8Array) this.stats.bytesSent += frame.length;
    else for (const piece of frame) this.stats.bytesSent += piece.length;
    this.#udpSend(frame, peer.endpoint.port, peer.endpoint.address);
  }

  #sendBeacon(message: BeaconMessage): void {
    const beacon = this.#opts.beacon;
    if (beacon === undefined || this.#socket === undefined) return;
    const bytes = encodeBeaconMessage(message);
    this.stats.bytesSent += bytes.length;
    this.#udpSend(bytes, beacon.port, beacon.address);
  }

  // ---- inbound -------------------------------------------------------------------------------

  #onDatagram(msg: Buffer, rinfo: RemoteInfo): void {
    if (this.#closed) return;
    this.stats.bytesRecv += msg.length;
    this.#guard.received(rinfo.address, msg.length, Date.now());
    const bytes = new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength);
    const kind = classifyDatagram(bytes);
    try {
      if (kind === 'beacon') {
        // Beacon messages are only believed from the beacon: a forged RelayDeliver could
        // otherwise flip peers into relay mode, a forged PunchCommand aim our punches.
        if (!this.#fromBeacon(rinfo)) return;
        this.#onBeacon(decodeBeaconMessage(bytes));
      } else if (kind === 'tunnel')
        this.#onFrame(
          decodeTunnelFrame(bytes),
          { address: rinfo.address, port: rinfo.port },
          bytes,
        );
    } catch (error) {
      this.#log.debug('dropped malformed datagram', {
        from: `${rinfo.address}:${rinfo.port}`,
        error: String(error),
      });
    }
  }

  #fromBeacon(rinfo: RemoteInfo): boolean {
    const beacon = this.#opts.beacon;
    if (beacon === undefined || rinfo.port !== beacon.port) return false;
    // A beacon configured by host name cannot be compared by address; the port must do.
    return isIP(beacon.address) === 0 || sameAddress(rinfo.address, beacon.address);
  }

  #onBeacon(message: BeaconMessage): void {
    switch (message.kind) {
      case 'discover-reply':
        for (const waiter of this.#discoverWaiters) waiter(message.endpoint);
        this.#discoverWaiters.clear();
        return;
      case 'punch-command': {
        const punch = encodeTunnelFrame({ kind: 'punch', sender: this.#nodeId });
        for (let i = 0; i < 3; i++) this.sendRaw(punch, message.endpoint);
        return;
      }
      case 'relay-deliver':
        this.#handleRelayed(message.sender, message.frame);
        return;
      case 'proof-challenge': {
        const answer = answerBeaconChallenge(message, this.#nodeId, this.#opts.identity);
        if (answer !== undefined) this.#sendBeacon(answer);
        return;
      }
      default:
        return;
    }
  }

  #handleRelayed(sender: number, frameBytes: Uint8Array): void {
    if (this.#closed) return;
    let frame: TunnelFrame;
    try {
      frame = decodeTunnelFrame(frameBytes);
    } catch {
      return;
    }
    // The beacon's claim of the sender only routes replies; authentication still comes from
    // the key exchange and the AEAD below.
    if ('sender' in frame && frame.sender !== undefined && frame.sender !== sender) return;
    const peer = this.#peer(sender);
    // Frames relayed before a switch back to direct may still arrive: only a peer whose direct
    // frames stopped goes back to the relay.
    if (!peer.relay && Date.now() - peer.lastDirectRx >= DIRECT_GRACE_MS) {
      peer.relay = true;
      this.#announceRelay(peer);
    }
    this.#onFrame(frame, undefined, frameBytes);
  }

  #onFrame(frame: TunnelFrame, from: UdpEndpoint | undefined, raw: Uint8Array): void {
    switch (frame.kind) {
      case 'encrypted':
        this.#onSealed(frame.sender, frame.nonce, frame.ciphertext, from);
        return;
      case 'auth-key-exchange':
      case 'key-exchange': {
        const sender = frame.sender;
        if (sender === 0 || sender === this.#nodeId || !this.#encrypt) return;
        // Bounded before any work: per source first, so one flooding source cannot use up the
        // global budget honest peers need. A refused exchange is retried by an honest peer.
        const source = from === undefined ? `relay:${sender}` : from.address;
        if (!this.#admission.tryBegin(source, sender)) {
          this.#rejectKeyExchange(sender, 'too many key exchanges in flight');
          return;
        }
        // Serialise per claimed node: a key exchange awaits a registry lookup. No peer state is
        // created before the exchange is accepted.
        const previous = this.#kxChains.get(sender) ?? Promise.resolve();
        const next: Promise<void> = previous
          .then(() => this.#onKeyExchange(frame, from, raw))
          .catch((error: unknown) => {
            this.#log.warn('key exchange handling failed', { peer: sender, error: String(error) });
          })
          .finally(() => {
            this.#admission.end(source, sender);
            if (this.#kxChains.get(sender) === next) this.#kxChains.delete(sender);
          });
        this.#kxChains.set(sender, next);
        return;
      }
      case 'plain':
        this.#onPlain(frame.packet, from);
        return;
      case 'punch':
        return;
    }
  }

  #onPlain(packetBytes: Uint8Array, from: UdpEndpoint | undefined): void {
    if (this.#encrypt && this.#opts.allowPlaintext !== true) {
      this.#opts.bus.publish('security.plaintext_rejected', {
        endpoint: from === undefined ? 'relay' : formatEndpoint(from),
      });
      return;
    }
    let packet: Packet;
    try {
      packet = decodePacket(packetBytes);
    } catch {
      return;
    }
    const peer = this.#peer(packet.src.node);
    if (from !== undefined && !this.#encrypt) peer.endpoint ??= from;
    this.stats.pktsRecv += 1;
    if (packet.proto === PATH_PROBE_PROTO) {
      if (!this.#encrypt) this.#pmtu.receive(packet, packet.src.node, from === undefined);
      return;
    }
    this.#opts.onPacket(packet, {
      peer: packet.src.node,
      authenticated: false,
      relay: from === undefined,
      spoofed: false,
    });
  }

  async #onKeyExchange(
    frame: KeyExchangeFrame | AuthKeyExchangeFrame,
    from: UdpEndpoint | undefined,
    raw: Uint8Array,
  ): Promise<void> {
    if (this.#closed) return;
    const sender = frame.sender;
    let authenticated = false;
    let timestamp: number | undefined;
    if (frame.kind === 'auth-key-exchange') {
      if (!verifySignature(frame.signature, authChallenge(sender, frame.x25519), frame.ed25519)) {
        this.#rejectKeyExchange(sender, 'bad signature');
        return;
      }
      let answer = await this.#registryKey(sender, false);
      if (answer.kind === 'key' && !equalBytes(answer.key, frame.ed25519)) {
        // The cache may be stale after a key rotation: ask once more.
        answer = await this.#registryKey(sender, true);
      }
      if (answer.kind === 'unavailable') {
        this.#rejectKeyExchange(sender, 'registry lookup unavailable');
        return;
      }
      if (answer.kind === 'unknown') {
        this.#rejectKeyExchange(sender, 'no registry key');
        return;
      }
      if (!equalBytes(answer.key, frame.ed25519)) {
        this.#rejectKeyExchange(sender, 'key differs from registry');
        return;
      }
      const freshness = readFreshness(raw, sender, frame.x25519, frame.ed25519);
      if (freshness.kind === 'invalid') {
        this.#rejectKeyExchange(sender, 'invalid freshness signature');
        return;
      }
      if (freshness.kind === 'fresh') timestamp = freshness.timestampMs;
      authenticated = true;
    } else if (this.#opts.identity !== undefined) {
      const answer = await this.#registryKey(sender, false);
      if (answer.kind === 'unavailable') {
        // Without an answer the node may have a key: never accept it unauthenticated.
        this.#rejectKeyExchange(sender, 'registry lookup unavailable');
        return;
      }
      if (answer.kind === 'key') {
        // The node has an identity: refuse the anonymous exchange, answer with ours.
        this.#rejectKeyExchange(sender, 'anonymous exchange from a node with a registered key');
        this.#replyKeyExchange(this.#peers.get(sender), sender, from, false);
        return;
      }
    }
    if (this.#closed) return;

    const existing = this.#peers.get(sender);
    const extended = timestamp !== undefined;
    // A duplicate (a retry, an echo, or a replay) never moves the peer's address: the answer to
    // the live key goes the established way, the answer to a candidate back where it came from.
    if (
      existing?.session !== undefined &&
      equalBytes(existing.session.peerPublicKey, frame.x25519)
    ) {
      this.#answerDuplicate(existing, () => this.#sendFrame(existing, this.#replyFrame(extended)));
      return;
    }
    if (
      existing?.candidate !== undefined &&
      equalBytes(existing.candidate.session.peerPublicKey, frame.x25519)
    ) {
      this.#answerDuplicate(existing, () =>
        this.#replyKeyExchange(existing, sender, from, extended),
      );
      return;
    }
    // Older than the newest exchange installed for this node (a previous run's, replayed): refused.
    // The same run's exchange again (same timestamp and key, after this side forgot the peer) is not.
    const seen = this.#kxSeen.get(sender);
    if (
      timestamp !== undefined &&
      seen !== undefined &&
      (timestamp < seen.timestamp ||
        (timestamp === seen.timestamp && !equalBytes(seen.x25519, frame.x25519)))
    ) {
      this.#rejectKeyExchange(sender, 'stale key exchange (older than the current session)');
      return;
    }
    const live = existing?.session !== undefined;
    const liveAuthenticated = live && existing?.authenticated === true;
    if (liveAuthenticated && !authenticated) {
      this.#rejectKeyExchange(sender, 'anonymous exchange for an authenticated peer');
      return;
    }
    if (!authenticated && !(live && !liveAuthenticated)) {
      if (this.#anonymousPeers() >= (this.#opts.maxAnonymousPeers ?? 256)) {
        this.#rejectKeyExchange(sender, 'too many anonymous peers');
        return;
      }
    }
    let key: Buffer;
    try {
      key = deriveTunnelKey(this.#kx.privateKey, frame.x25519);
    } catch {
      this.#rejectKeyExchange(sender, 'invalid X25519 key');
      return;
    }
    const ed25519 = frame.kind === 'auth-key-exchange' ? new Uint8Array(frame.ed25519) : undefined;
    // A new key replaces a live session at once only with proof that it is newer (the signed
    // timestamp), or between anonymous sessions (nothing to protect); otherwise it waits as a
    // candidate until a frame sealed under it arrives, which a replayed exchange never brings.
    if (existing !== undefined && liveAuthenticated && !extended) {
      const session = new TunnelSession(key, new Uint8Array(frame.x25519));
      existing.candidate = { session, authenticated, ed25519 };
      this.#replyKeyExchange(existing, sender, from, false);
      return;
    }
    const peer = existing ?? this.#peer(sender);
    const session = new TunnelSession(
      key,
      new Uint8Array(frame.x25519),
      undefined,
      this.#retiredCounters.get(sender) ?? 0,
    );
    this.#retiredCounters.delete(sender);
    if (timestamp !== undefined)
      this.#rememberKeyExchange(sender, timestamp, new Uint8Array(frame.x25519));
    // Only an exchange proven fresh moves an existing route; the first one sets it.
    if (from !== undefined && (extended || (peer.endpoint === undefined && !peer.relay))) {
      peer.endpoint = from;
      peer.relay = false;
      peer.relayAnnounced = false;
    }
    this.#install(peer, session, authenticated, ed25519, live);
    this.#replyKeyExchange(peer, sender, from, extended);
    this.#flush(peer);
    // The peer restarted and reached us through the relay: look for its new direct route now.
    if (live && peer.relay) this.#probeDirect(peer);
  }

  #install(
    peer: PeerState,
    session: TunnelSession,
    authenticated: boolean,
    ed25519: Uint8Array | undefined,
    rekeyed: boolean,
  ): void {
    peer.session = session;
    peer.candidate = undefined;
    peer.authenticated = authenticated;
    peer.ed25519 = ed25519;
    peer.receivedSealed = false;
    peer.duplicateReplies = 0;
    this.#stopKeyExchange(peer);
    this.#opts.bus.publish('tunnel.established', {
      peer_node_id: peer.nodeId,
      authenticated,
      relay: peer.relay,
      rekeyed,
    });
  }

  #rememberKeyExchange(nodeId: number, timestamp: number, x25519: Uint8Array): void {
    this.#kxSeen.delete(nodeId);
    if (this.#kxSeen.size >= MAX_REMEMBERED_KX) {
      const oldest = this.#kxSeen.keys().next().value;
      if (oldest !== undefined) this.#kxSeen.delete(oldest);
    }
    this.#kxSeen.set(nodeId, { timestamp, x25519 });
  }

  #answerDuplicate(peer: PeerState, answer: () => void): void {
    // The peer did not get our reply (or this is its echo): answer a few times, not forever.
    const now = Date.now();
    if (now - peer.duplicateWindowStart >= DUPLICATE_REPLY_WINDOW_MS) {
      peer.duplicateWindowStart = now;
      peer.duplicateReplies = 0;
    }
    // Once sealed frames arrive, a duplicate is usually a crossed retry: answer once per window
    // only, which still lets a peer that forgot us (and kept our key) rebuild its session.
    const limit = peer.receivedSealed ? 1 : MAX_DUPLICATE_REPLIES;
    if (peer.duplicateReplies < limit) {
      peer.duplicateReplies += 1;
      answer();
    }
  }

  #rejectKeyExchange(nodeId: number, reason: string): void {
    this.stats.rejectedKeyExchanges += 1;
    // Forget a peer that exists only because of this rejected frame.
    const peer = this.#peers.get(nodeId);
    if (
      peer !== undefined &&
      peer.session === undefined &&
      peer.endpoint === undefined &&
      !peer.relay &&
      peer.queue.length === 0 &&
      peer.kxTimer === undefined
    ) {
      this.#peers.delete(nodeId);
    }
    this.#opts.bus.publish('security.key_exchange_rejected', { peer_node_id: nodeId, reason });
  }

  async #registryKey(nodeId: number, refresh: boolean): Promise<RegistryAnswer> {
    if (!refresh) {
      const cached = this.#keyCache.get(nodeId);
      if (cached !== undefined) return { kind: 'key', key: cached };
    }
    // Bounded: a flood of exchanges claiming random node ids must not flood the registry. A
    // saturated lookup is no answer (the node may have a key), never "no key".
    if (this.#pendingLookups >= MAX_PENDING_LOOKUPS) return { kind: 'unavailable' };
    let key: Uint8Array | undefined;
    this.#pendingLookups += 1;
    try {
      key = await this.#opts.lookupKey(nodeId);
    } catch (error) {
      this.#log.debug('registry key lookup failed', { peer: nodeId, error: String(error) });
      return { kind: 'unavailable' };
    } finally {
      this.#pendingLookups -= 1;
    }
    if (this.#keyCache.size >= 4096 && !this.#keyCache.has(nodeId)) this.#keyCache.clear();
    if (key !== undefined && key.length === 32) {
      this.#keyCache.set(nodeId, key);
      return { kind: 'key', key };
    }
    this.#keyCache.delete(nodeId);
    return key === undefined ? { kind: 'unknown' } : { kind: 'unavailable' };
  }

  #onSealed(
    sender: number,
    nonce: Uint8Array,
    ciphertext: Uint8Array,
    from: UdpEndpoint | undefined,
  ): void {
    if (!this.#encrypt) return;
    const peer = this.#peers.get(sender);
    const session = peer?.session;
    if (peer === undefined || session === undefined) {
      // We lost the session (e.g. restarted) but the peer still has one: offer a new exchange,
      // rate limited, without adding the unauthenticated sender's endpoint as a route.
      // No peer state is created here: unauthenticated frames must not grow the peer table.
      const now = Date.now();
      const last = this.#unknownSessionReplies.get(sender) ?? 0;
      if (now - last >= UNKNOWN_SESSION_REPLY_MS) {
        const frame = this.#keyExchangeFrame();
        // The sender is unauthenticated: within what its address sent (it may be forged).
        if (from !== undefined && !this.#guard.tryReply(from.address, frame.length, now)) {
          this.stats.amplificationDrops += 1;
          return;
        }
        if (this.#unknownSessionReplies.size >= 1024) this.#unknownSessionReplies.clear();
        this.#unknownSessionReplies.set(sender, now);
        if (from !== undefined) this.sendRaw(frame, from);
        else this.#sendFrame(peer ?? { ...this.#blankPeer(sender), relay: true }, frame);
      }
      return;
    }
    let result = session.open(nonce, ciphertext, sender);
    if (!result.ok && result.reason === 'auth' && peer.candidate !== undefined) {
      // A frame sealed under the candidate key proves the peer holds it: the candidate wins.
      const candidate = peer.candidate;
      const opened = candidate.session.open(nonce, ciphertext, sender);
      if (opened.ok) {
        result = opened;
        if (from !== undefined) peer.endpoint = from;
        this.#install(peer, candidate.session, candidate.authenticated, candidate.ed25519, true);
      }
    }
    if (!result.ok) {
      if (result.reason === 'replay' || result.reason === 'too_old') {
        this.stats.replays += 1;
        this.#opts.bus.publish('security.nonce_replay', {
          peer_node_id: sender,
          counter: result.counter,
          reason: result.reason,
        });
      } else {
        this.stats.authFailures += 1;
        this.#opts.bus.publish('security.auth_failed', {
          peer_node_id: sender,
          counter: result.counter,
        });
      }
      return;
    }
    peer.receivedSealed = true;
    // An authenticated, fresh (not replayed) frame proves the path: follow the peer when its
    // endpoint changes, and leave the relay when its frames arrive directly again.
    if (from !== undefined) {
      peer.endpoint = from;
      peer.lastDirectRx = Date.now();
      if (peer.relay) this.#restoreDirect(peer, from);
    }
    this.#deliver(
      result.plaintext,
      { peer: sender, authenticated: peer.authenticated, relay: from === undefined },
      true,
    );
  }

  #restoreDirect(peer: PeerState, to: UdpEndpoint): void {
    peer.relay = false;
    peer.relayAnnounced = false;
    this.#opts.bus.publish('tunnel.direct_restored', {
      peer_node_id: peer.nodeId,
      endpoint: formatEndpoint(to),
    });
    // Tell the peer the direct path works both ways (it switches on this authenticated frame).
    this.#sendSealed(peer, new Uint8Array(0));
  }

  /**
   * @param sealed whether the bytes come out of an AEAD-opened frame: then the GCM tag already
   *   proved they are exactly what the peer sealed, and the packet's CRC-32 is not computed again
   */
  #deliver(bytes: Uint8Array, origin: Omit<PacketOrigin, 'spoofed'>, sealed: boolean): void {
    if (bytes.length === 0) return; // a direct-path probe carries nothing
    let packet: Packet;
    try {
      packet = decodePacket(bytes, sealed ? SKIP_CHECKSUM : undefined);
    } catch {
      return;
    }
    let spoofed = false;
    if (packet.src.node !== origin.peer) {
      // Anti-spoofing: the inner source is whatever the authenticated peer says, so pin it.
      spoofed = true;
      this.#opts.bus.publish('security.source_mismatch', {
        peer_node_id: origin.peer,
        claimed_node_id: packet.src.node,
      });
      packet = { ...packet, src: { network: packet.src.network, node: origin.peer } };
    }
    this.stats.pktsRecv += 1;
    if (packet.proto === PATH_PROBE_PROTO) {
      this.#pmtu.receive(packet, origin.peer, origin.relay);
      return;
    }
    this.#opts.onPacket(packet, { ...origin, spoofed });
  }
}

/**
 * `host:port` text (IPv6 in brackets).
 * @param ep the endpoint
 * @returns the text
 */
export function formatEndpoint(ep: UdpEndpoint): string {
  return formatHostPort(ep.address, ep.port);
}

/**
 * Parses `host:port` / `[v6]:port` with the one parser of `@mesh/protocol`.
 * @param text the text
 * @returns the endpoint, or `undefined` when malformed
 */
export function parseEndpoint(text: string): UdpEndpoint | undefined {
  try {
    const { host, port } = parseHostPort(text);
    return { address: host, port };
  } catch {
    return undefined;
  }
}

const PLAIN_MAGIC = new Uint8Array(TUNNEL_MAGIC_SIZE);
new DataView(PLAIN_MAGIC.buffer).setUint32(0, TunnelMagic.PLAIN);
const SKIP_CHECKSUM = Object.freeze({ verifyChecksum: false });

/**
 * The pieces of a packet or frame as one buffer.
 * @param pieces the pieces, in order
 * @param copy always return a fresh buffer (the caller keeps it), even for a single piece
 */
function joinPieces(pieces: readonly Uint8Array[], copy: boolean): Uint8Array {
  if (pieces.length === 1 && !copy) return pieces[0];
  let length = 0;
  for (const p of pieces) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of pieces) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/**
 * The tunnel socket's resolver: a literal IP (every peer endpoint) is answered at once — dgram's
 * default goes through `dns.lookup`, which defers every send by a tick — a host name (a beacon
 * configured by name) is looked up as usual.
 */
function literalFirstLookup(
  host: string,
  family: number | LookupOneOptions,
  callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  const literal = isIP(host);
  if (literal !== 0) {
    callback(null, host, literal);
    return;
  }
  // Loaded on first use: most daemons never resolve a name here, and start-up loads no DNS.
  void import('node:dns').then(
    ({ lookup }) => lookup(host, typeof family === 'number' ? { family } : family, callback),
    (error: unknown) => callback(error as NodeJS.ErrnoException, '', 0),
  );
}

/** Whether two IP texts name the same address (IPv4-mapped IPv6 folded). */
function sameAddress(a: string, b: string): boolean {
  const norm = (x: string): string => (x.startsWith('::ffff:') ? x.slice(7) : x);
  return norm(a) === norm(b);
}

/** Constant-time byte comparison. */
function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}
