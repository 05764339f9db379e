// Beacon options, their defaults, and validation.
import { BeaconError } from '../errors/beacon-error.js';
import type { BeaconLogger } from '../logging/logger.js';
import { silentLogger } from '../logging/logger.js';
import type { BeaconRegistrar } from '../registry/registrar.js';
import { hostPortOption } from '../transport/host-port.js';

/** Where the UDP socket binds. */
export interface BeaconUdpOptions {
  /**
   * IP to bind; `::` binds dual-stack.
   * @default '0.0.0.0'
   */
  readonly host?: string;
  /**
   * UDP port; 0 picks a free one.
   * @default 9001
   */
  readonly port?: number;
}

/** Where the WebSocket relay listens (plain `ws://`; put TLS in front for `wss://`). */
export interface BeaconWsOptions {
  /**
   * IP to bind.
   * @default '0.0.0.0'
   */
  readonly host?: string;
  /**
   * TCP port; 0 picks a free one.
   * @default 9002
   */
  readonly port?: number;
  /**
   * HTTP path that accepts the WebSocket upgrade.
   * @default '/v1/compat'
   */
  readonly path?: string;
  /**
   * Most WebSocket connections open at once; further upgrades get HTTP 503.
   * @default 10000
   */
  readonly maxConnections?: number;
  /**
   * Bytes queued on one connection beyond which relayed frames to it are dropped.
   * @default 1048576
   */
  readonly maxBufferedBytes?: number;
  /**
   * Interval of WebSocket pings; a connection that missed the previous pong is closed.
   * @default 30000
   */
  readonly pingIntervalMs?: number;
  /**
   * A connection that has not sent a Discover this long after opening is closed (code 1008).
   * @default 10000
   */
  readonly helloTimeoutMs?: number;
}

/** Options of a {@link Beacon}. */
export interface BeaconOptions {
  /**
   * UDP listener; `false` disables it.
   * @default { host: '0.0.0.0', port: 9001 }
   */
  readonly udp?: BeaconUdpOptions | false;
  /**
   * WebSocket relay listener; `false` or absent disables it.
   * @default false
   */
  readonly ws?: BeaconWsOptions | false;
  /**
   * Non-zero 32-bit id announced to the registry and in gossip.
   * @default a random non-zero id
   */
  readonly beaconId?: number;
  /**
   * `host:port` announced to the registry.
   * @default the bound UDP address, a wildcard host replaced by 127.0.0.1
   */
  readonly advertiseAddr?: string;
  /**
   * Registry to announce to: `{ addr }` makes the beacon open its own `RegistryClient`;
   * any {@link BeaconRegistrar} is used as is. Absent: no registration.
   */
  readonly registry?: { readonly addr: string; readonly adminToken?: string } | BeaconRegistrar;
  /**
   * Interval of `beacon_register` (the registry forgets a beacon after 60 s).
   * @default 30000
   */
  readonly registerIntervalMs?: number;
  /**
   * Extra peer beacons (`host:port`) to gossip with, besides those the registry lists.
   * @default []
   */
  readonly peers?: readonly string[];
  /**
   * Interval of Sync gossip to peer beacons.
   * @default 10000
   */
  readonly syncIntervalMs?: number;
  /**
   * Most nodes remembered (local and learnt from peers, each); the least recently seen goes first.
   * @default 100000
   */
  readonly maxNodes?: number;
  /**
   * A UDP node not heard from (Discover / PunchRequest) for this long is forgotten.
   * @default 300000
   */
  readonly nodeTtlMs?: number;
  /**
   * Interval of the expiry sweep.
   * @default 30000
   */
  readonly sweepIntervalMs?: number;
  /**
   * Drop Relay messages whose sender id is bound to a different UDP endpoint or WebSocket
   * than the one the message came from (stops a host from speaking as another node).
   * @default true
   */
  readonly verifyRelaySender?: boolean;
  /**
   * The Ed25519 public key (32 raw bytes) the registry holds for a node, used to check a
   * ProvenDiscover's signature. Absent: the registrar's `nodeKey`, if any; with neither,
   * proofs cannot be checked and every binding stays unproven.
   */
  readonly nodeKey?: (nodeId: number) => Promise<Uint8Array | undefined>;
  /**
   * Bind node ids only on a ProvenDiscover. A bare Discover is still answered (endpoint query)
   * but binds nothing; reference clients and WebSocket nodes then cannot receive relays.
   * @default false
   */
  readonly requireProof?: boolean;
  /**
   * Answer UDP requests even when the answer is larger than the request, as the reference
   * beacon does (5-byte Discover → 8/20-byte reply, 9-byte PunchRequest → two commands).
   * Off, such requests are not answered, so the beacon never amplifies a spoofed source;
   * mesh nodes pad their requests and are unaffected. Turn on for reference clients that
   * need DiscoverReply / PunchCommand (their bindings are recorded either way).
   * @default false
   */
  readonly answerShortRequests?: boolean;
  /**
   * Most unproven bindings (bare Discover, WebSocket, Relay from an unknown sender); beyond it
   * new ones are refused, never evicting a bound node.
   * @default min(10000, maxNodes)
   */
  readonly maxUnprovenNodes?: number;
  /**
   * Most unproven bindings from one source IP.
   * @default 64
   */
  readonly maxUnprovenPerIp?: number;
  /**
   * How long a registration cookie (ProofChallenge) stays valid.
   * @default 30000
   */
  readonly cookieTtlMs?: number;
  /**
   * Structured logger.
   * @default a silent logger
   */
  readonly logger?: BeaconLogger;
  /**
   * Monotonic clock in milliseconds, for expiry.
   * @default performance.now
   */
  readonly now?: () => number;
}

/** Options with every default applied. */
export interface ResolvedBeaconOptions {
  readonly udp: Required<BeaconUdpOptions> | false;
  readonly ws: Required<BeaconWsOptions> | false;
  readonly beaconId: number;
  readonly advertiseAddr: string | undefined;
  readonly registry: BeaconOptions['registry'];
  readonly registerIntervalMs: number;
  readonly peers: readonly string[];
  readonly syncIntervalMs: number;
  readonly maxNodes: number;
  readonly nodeTtlMs: number;
  readonly sweepIntervalMs: number;
  readonly verifyRelaySender: boolean;
  readonly nodeKey: ((nodeId: number) => Promise<Uint8Array | undefined>) | undefined;
  readonly requireProof: boolean;
  readonly answerShortRequests: boolean;
  readonly maxUnprovenNodes: number;
  readonly maxUnprovenPerIp: number;
  readonly cookieTtlMs: number;
  readonly logger: BeaconLogger;
  readonly now: () => number;
}

/** An `invalid-options` error. */
function invalid(message: string): BeaconError {
  return new BeaconError('invalid-options', message);
}

/** `value` (or `fallback`), checked to be a positive safe integer. */
function positiveInt(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v <= 0) throw invalid(`${name} must be a positive integer`);
  return v;
}

/** `value` (or `fallback`), checked to be a port number. */
function port(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 0 || v > 0xffff) {
    throw invalid(`${name} must be an integer in 0..65535`);
  }
  return v;
}

/** A random id in 1..2^32-1. */
function randomBeaconId(): number {
  const buf = new Uint32Array(1);
  do crypto.getRandomValues(buf);
  while (buf[0] === 0);
  return buf[0];
}

/** Applies defaults and validates; throws `invalid-options`. */
export function resolveBeaconOptions(options: BeaconOptions): ResolvedBeaconOptions {
  const udp =
    options.udp === false
      ? false
      : {
          host: options.udp?.host ?? '0.0.0.0',
          port: port(options.udp?.port, 9001, 'udp.port'),
        };
  const ws =
    options.ws === undefined || options.ws === false
      ? false
      : {
          host: options.ws.host ?? '0.0.0.0',
          port: port(options.ws.port, 9002, 'ws.port'),
          path: options.ws.path ?? '/v1/compat',
          maxConnections: positiveInt(options.ws.maxConnections, 10_000, 'ws.maxConnections'),
          maxBufferedBytes: positiveInt(
            options.ws.maxBufferedBytes,
            1024 * 1024,
            'ws.maxBufferedBytes',
          ),
          pingIntervalMs: positiveInt(options.ws.pingIntervalMs, 30_000, 'ws.pingIntervalMs'),
          helloTimeoutMs: positiveInt(options.ws.helloTimeoutMs, 10_000, 'ws.helloTimeoutMs'),
        };
  if (udp === false && ws === false) throw invalid('enable at least one of udp and ws');
  if (ws !== false && !ws.path.startsWith('/')) throw invalid('ws.path must start with "/"');
  if (options.registry !== undefined && 'addr' in options.registry) {
    hostPortOption(options.registry.addr, '127.0.0.1');
  }
  for (const peer of options.peers ?? []) hostPortOption(peer, '127.0.0.1');
  const beaconId = options.beaconId ?? randomBeaconId();
  if (!Number.isInteger(beaconId) || beaconId <= 0 || beaconId > 0xffffffff) {
    throw invalid('beaconId must be an integer in 1..4294967295');
  }
  const maxNodes = positiveInt(options.maxNodes, 100_000, 'maxNodes');
  return {
    udp,
    ws,
    beaconId,
    advertiseAddr: options.advertiseAddr,
    registry: options.registry,
    registerIntervalMs: positiveInt(options.registerIntervalMs, 30_000, 'registerIntervalMs'),
    peers: options.peers ?? [],
    syncIntervalMs: positiveInt(options.syncIntervalMs, 10_000, 'syncIntervalMs'),
    maxNodes,
    nodeTtlMs: positiveInt(options.nodeTtlMs, 300_000, 'nodeTtlMs'),
    sweepIntervalMs: positiveInt(options.sweepIntervalMs, 30_000, 'sweepIntervalMs'),
    verifyRelaySender: options.verifyRelaySender ?? true,
    nodeKey: options.nodeKey,
    requireProof: options.requireProof ?? false,
    answerShortRequests: options.answerShortRequests ?? false,
    maxUnprovenNodes: positiveInt(
      options.maxUnprovenNodes,
      Math.min(10_000, maxNodes),
      'maxUnprovenNodes',
    ),
    maxUnprovenPerIp: positiveInt(options.maxUnprovenPerIp, 64, 'maxUnprovenPerIp'),
    cookieTtlMs: positiveInt(options.cookieTtlMs, 30_000, 'cookieTtlMs'),
    logger: options.logger ?? silentLogger,
    now: options.now ?? (() => performance.now()),
  };
}
