import { createServer as createHttpServer } from 'node:http';
import type { Server as HttpServer } from 'node:http';
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { TLSSocket, createSecureContext } from 'node:tls';
import type { SecureContext } from 'node:tls';
import {
  MAX_MESSAGE_SIZE,
  MsgType,
  decodeHeartbeatReq,
  decodeLookupReq,
  decodeResolveReq,
  encodeError,
  encodeFrame,
  encodeHeartbeatResp,
  encodeLookupResp,
  encodeMessage,
  encodeResolveResp,
} from '@mesh/wire';
import { parseHostPort } from '@mesh/protocol';
import { AdminTokenCheck } from '../auth/admin-token.js';
import { RateLimiter } from '../auth/rate-limiter.js';
import { SignatureVerifier } from '../auth/signature.js';
import { RegistryRequestError, RegistryServerError } from '../errors.js';
import type { RegistryRequestErrorCode } from '../errors.js';
import { dispatch, handlers } from '../handlers/dispatch.js';
import { lookupCore, resolveCore } from '../handlers/discovery.js';
import { heartbeatCore } from '../handlers/nodes.js';
import { noopLogger } from '../logger.js';
import type { RegistryLogger } from '../logger.js';
import { RegistryMetrics } from '../metrics/metrics.js';
import { RegistryCore } from '../state/registry-core.js';
import type { RequestContext } from '../state/registry-core.js';
import { MemoryStore } from '../store/memory-store.js';
import { openSqliteStore } from '../store/sqlite-store.js';
import { openPostgresStore } from '../store/postgres-store.js';
import type { RegistryStore, StoreWrite, StoredState } from '../store/store.js';
import { normaliseIp } from '../util/address.js';
import type { JsonObject } from '../util/fields.js';
import { ClientConnection } from './connection.js';
import { TurnQueue } from './turn-queue.js';
import type { RegistryTlsOptions } from './tls.js';
import type { ConnectionHost } from './connection.js';

/** Options of {@link RegistryServer}. Every field is optional. */
export interface RegistryServerOptions {
  /** Address to bind. @default '127.0.0.1' */
  readonly host?: string;
  /** TCP port (0 = OS-assigned). @default 9000 */
  readonly port?: number;
  /**
   * SQLite file for the default durable store, or a `postgres://…` URL for a PostgreSQL store
   * that several registry instances can share; without it (and without `store`) state is kept in
   * memory.
   */
  readonly storePath?: string;
  /**
   * Start on a `storePath` store that lost acknowledged data instead of refusing with
   * `STORE_DAMAGED` (see the README, "Store damage"); node ids are never reused.
   * @default false
   */
  readonly acceptDataLoss?: boolean;
  /** A store to use instead of opening `storePath`; the server closes it on `close()`. */
  readonly store?: RegistryStore;
  /** Admin token; `''` disables admin requests (network creation, beacon registration, backbone listing). @default '' */
  readonly adminToken?: string;
  /** `host:port` for the Prometheus `/metrics` endpoint (port 0 allowed); omitted = no metrics listener. */
  readonly metricsAddr?: string;
  /** How often stale nodes are reaped, ms. @default 60000 */
  readonly reapIntervalMs?: number;
  /** Nodes silent for longer are reaped, ms. @default 1800000 (30 min) */
  readonly staleThresholdMs?: number;
  /** Registrations per minute per source IP for unknown keys; `0` disables the limit. @default 10 */
  readonly registrationsPerMinute?: number;
  /** Response write deadline, ms. @default 5000 */
  readonly writeDeadlineMs?: number;
  /** Idle read deadline per connection, ms. @default 300000 */
  readonly idleTimeoutMs?: number;
  /**
   * Serve TLS on the registry port with this certificate and key (see
   * `generateSelfSignedCertificate`). Plaintext clients get an error telling them to use TLS.
   */
  readonly tls?: RegistryTlsOptions;
  /** Max concurrent client connections. @default 65536 */
  readonly maxConnections?: number;
  /** Max concurrent client connections from one source IP. @default 4096 */
  readonly maxConnectionsPerIp?: number;
  /** Largest accepted message. @default MAX_MESSAGE_SIZE (64 MiB) */
  readonly maxMessageSize?: number;
  /**
   * Bytes of unfinished requests held across all connections; above it the connection holding
   * the most is closed with a "server busy" error, so slow senders of huge frames cannot exhaust
   * memory. @default 268435456 (256 MiB)
   */
  readonly maxBufferedBytes?: number;
  /**
   * Requests served per connection per turn; connections with queued requests take turns, so a
   * client pipelining thousands of requests delays others by one turn at most. @default 32
   */
  readonly requestsPerTurn?: number;
  /**
   * Answer bytes a client may leave unread before the server stops reading its requests (until
   * they drain, or the write deadline drops it). @default 65536
   */
  readonly maxUnreadBytes?: number;
  /**
   * Bytes of complete requests one connection may have queued before the server stops reading
   * from it until they were served. @default 65536
   */
  readonly maxQueuedBytesPerConnection?: number;
  /** Heartbeats warn when the key expires within this many ms. @default 7 days */
  readonly keyExpiryWarningMs?: number;
  /** Max handshake requests (and responses) queued per node. @default 100 */
  readonly inboxLimit?: number;
  /** Beacon entry lifetime, ms. @default 60000 */
  readonly beaconTtlMs?: number;
  /** How often heartbeat times are flushed to the store, ms. @default 5000 */
  readonly lastSeenFlushMs?: number;
  /** Structured logger. @default no-op */
  readonly logger?: RegistryLogger;
  /** Clock (unix ms); injectable for tests. @default Date.now */
  readonly now?: () => number;
}

/** Where a listener is bound. */
export interface ListenAddress {
  /** Bound address. */
  readonly host: string;
  /** Bound port. */
  readonly port: number;
}

/** Counts for dashboards and tests. */
export interface RegistryStats {
  /** Registered nodes. */
  readonly nodes: number;
  /** Trust pairs. */
  readonly trustLinks: number;
  /** Custom networks. */
  readonly networks: number;
  /** Open client connections. */
  readonly connections: number;
  /** Requests handled since start. */
  readonly requests: number;
}

const utf8 = new TextDecoder();
const utf8e = new TextEncoder();

/**
 * The registry server: one TCP port, JSON and binary mode, state in a durable store.
 *
 * @example
 * ```ts
 * const server = await startRegistry({ port: 0, storePath: '/var/lib/mesh/registry.db', adminToken: 's3cret' });
 * console.log(server.address()); // { host: '127.0.0.1', port: 40123 }
 * await server.close();
 * ```
 */
export class RegistryServer {
  readonly #options: RegistryServerOptions;
  readonly #logger: RegistryLogger;
  readonly #now: () => number;
  readonly #admin: AdminTokenCheck;
  readonly #connections = new Set<ClientConnection>();
  readonly #perIp = new Map<string, number>();
  #bufferedBytes = 0;
  /** Connections the server stopped reading from (unread answers or queued requests). */
  #readPaused = 0;
  readonly #turns: TurnQueue;
  #core: RegistryCore | undefined;
  #metrics: RegistryMetrics | undefined;
  #server: Server | undefined;
  #http: HttpServer | undefined;
  #timers: NodeJS.Timeout[] = [];
  #address: ListenAddress | undefined;
  #metricsAddress: ListenAddress | undefined;
  #closed: Promise<void> | undefined;
  readonly #secureContext: SecureContext | undefined;
  readonly #host: ConnectionHost;

  /** @param options - see {@link RegistryServerOptions} */
  constructor(options: RegistryServerOptions = {}) {
    this.#options = options;
    this.#logger = options.logger ?? noopLogger;
    this.#now = options.now ?? Date.now;
    this.#admin = new AdminTokenCheck(options.adminToken ?? '');
    try {
      this.#secureContext = options.tls
        ? createSecureContext({ cert: options.tls.cert, key: options.tls.key })
        : undefined;
    } catch (err) {
      throw new RegistryServerError(
        'BAD_OPTION',
        `the TLS certificate or key is not usable: ${(err as Error).message}`,
        { cause: err },
      );
    }
    this.#host = {
      maxMessageSize: Math.min(options.maxMessageSize ?? MAX_MESSAGE_SIZE, MAX_MESSAGE_SIZE),
      writeDeadlineMs: options.writeDeadlineMs ?? 5_000,
      idleTimeoutMs: options.idleTimeoutMs ?? 300_000,
      handleJsonBody: (body, remoteIp) => {
        const r = this.#handleJsonBody(body, remoteIp);
        return r instanceof Promise ? r.then(encodeMessage) : encodeMessage(r);
      },
      handleFrame: (type, payload, remoteIp) => this.#handleFrame(type, payload, remoteIp),
      connectionError: (remoteIp, reason) =>
        this.#logger.warn('connection closed', { remote: remoteIp, reason }),
      buffered: (_conn, delta) => this.#onBuffered(delta),
      maxUnreadBytes: options.maxUnreadBytes ?? 64 * 1024,
      maxQueuedBytes: options.maxQueuedBytesPerConnection ?? 64 * 1024,
      schedule: (conn, shallow) => this.#turns.add(conn, shallow),
      serveNow: () => (this.#turns.idle ? this.#turns.perTurn : 0),
      readPaused: (_conn, paused) => {
        this.#readPaused += paused ? 1 : -1;
      },
    };
    this.#turns = new TurnQueue(Math.max(1, options.requestsPerTurn ?? 32));
  }

  /** Opens the store, loads the state, binds the port (and the metrics port) and starts timers. */
  async listen(): Promise<ListenAddress> {
    if (this.#address) return this.#address;
    const o = this.#options;
    const store: RegistryStore =
      o.store ??
      (o.storePath === undefined
        ? new MemoryStore()
        : /^postgres(ql)?:\/\//.test(o.storePath)
          ? await openPostgresStore(o.storePath, {
              logger: this.#logger,
              acceptDataLoss: o.acceptDataLoss === true,
            })
          : await openSqliteStore(o.storePath, {
              logger: this.#logger,
              acceptDataLoss: o.acceptDataLoss === true,
            }));
    const started = performance.now();
    const core = new RegistryCore(
      store,
      {
        keyExpiryWarningMs: o.keyExpiryWarningMs ?? 7 * 86_400_000,
        inboxLimit: o.inboxLimit ?? 100,
        beaconTtlMs: o.beaconTtlMs ?? 60_000,
        staleThresholdMs: o.staleThresholdMs ?? 30 * 60_000,
      },
      new SignatureVerifier(),
      this.#admin,
      o.registrationsPerMinute === 0
        ? undefined
        : new RateLimiter({ limit: o.registrationsPerMinute ?? 10, windowMs: 60_000 }),
      this.#logger,
    );
    try {
      core.load(await store.load(), this.#now());
      store.subscribe?.(
        (change: StoreWrite) => core.applyRemote(change),
        (state: StoredState) => core.reset(state, this.#now()),
      );
    } catch (err) {
      await store.close();
      throw new RegistryServerError(
        'STORE_FAILED',
        `could not load the registry store: ${(err as Error).message}`,
        { cause: err },
      );
    }
    this.#core = core;
    this.#metrics = new RegistryMetrics(this.#now());
    this.#logger.info('registry state loaded', {
      nodes: core.nodes.size,
      ms: Math.round(performance.now() - started),
    });

    const server = createServer({ noDelay: true }, (socket) => this.#accept(socket));
    server.maxConnections = o.maxConnections ?? 65_536;
    this.#server = server;
    const listenerError = (err: Error): void =>
      this.#logger.error('listener error', { error: err.message });
    try {
      this.#address = await bind(server, o.host ?? '127.0.0.1', o.port ?? 9000, listenerError);
      if (o.metricsAddr !== undefined) {
        const { host, port } = metricsListenAddress(o.metricsAddr);
        if (!isLoopback(host)) {
          this.#logger.warn('metrics listener is not on a loopback address', { host });
        }
        const http = createHttpServer((req, res) => {
          if (
            req.method === 'GET' &&
            (req.url === '/metrics' || req.url?.startsWith('/metrics?'))
          ) {
            res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
            res.end(this.metricsText());
          } else {
            res.writeHead(404).end('not found\n');
          }
        });
        this.#http = http;
        this.#metricsAddress = await bind(http, host, port, listenerError);
      }
    } catch (err) {
      // Do not leave the other listener bound or the store open behind a failed start.
      await this.close();
      throw err;
    }
    const reap = setInterval(() => void this.reapNow(), o.reapIntervalMs ?? 60_000);
    const flush = setInterval(() => void this.#flush(), o.lastSeenFlushMs ?? 5_000);
    reap.unref();
    flush.unref();
    this.#timers = [reap, flush];
    this.#logger.info('registry listening', { ...this.#address, metrics: this.#metricsAddress });
    return this.#address;
  }

  /** The bound registry address. */
  address(): ListenAddress {
    if (!this.#address)
      throw new RegistryServerError(
        'NOT_LISTENING',
        'the registry is not listening yet; call listen() first',
      );
    return this.#address;
  }

  /** The bound metrics address, if a metrics listener was configured. */
  metricsAddress(): ListenAddress | undefined {
    return this.#metricsAddress;
  }

  /** Stops accepting, closes connections and listeners, flushes and closes the store. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      for (const t of this.#timers) clearInterval(t);
      this.#timers = [];
      const closing = [this.#server, this.#http]
        .filter((s): s is Server | HttpServer => s !== undefined && s.listening)
        .map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
      this.#http?.closeAllConnections();
      for (const c of this.#connections) c.destroy();
      this.#connections.clear();
      this.#turns.clear();
      await Promise.all(closing);
      if (this.#core) {
        try {
          await this.#core.pending;
          await this.#core.flushLastSeen();
        } catch (err) {
          this.#logger.error('last-seen flush at close failed', { error: (err as Error).message });
        } finally {
          await this.#core.store.close();
        }
      }
      this.#logger.info('registry closed');
    })();
    return this.#closed;
  }

  /** Registers a beacon in-process (what `beacon_register` does), for a co-located beacon. */
  registerBeacon(beaconId: number, addr: string): void {
    const core = this.#requireCore();
    core.beacons.set(beaconId, { addr, expiresAt: this.#now() + core.config.beaconTtlMs });
  }

  /** Reaps stale nodes and expired beacons now; returns how many nodes were removed. */
  async reapNow(): Promise<number> {
    const core = this.#core;
    if (!core) return 0;
    try {
      await this.#flush();
      const n = await core.hold(
        (core.pending ?? Promise.resolve()).then(() => core.reap(this.#now())),
      );
      if (n > 0) this.#logger.info('reaped stale nodes', { count: n });
      return n;
    } catch (err) {
      this.#logger.error('reap failed', { error: (err as Error).message });
      return 0;
    }
  }

  /** Current counts. */
  stats(): RegistryStats {
    const core = this.#requireCore();
    return {
      nodes: core.nodes.size,
      trustLinks: core.trust.size,
      networks: core.networks.size,
      connections: this.#connections.size,
      requests: this.#metrics?.totalRequests ?? 0,
    };
  }

  /** The Prometheus text exposition served at `/metrics`. */
  metricsText(): string {
    const core = this.#requireCore();
    return this.#metrics!.render(
      core,
      this.#now(),
      Math.min(core.config.staleThresholdMs, 5 * 60_000),
      { readPaused: this.#readPaused, bufferedBytes: this.#bufferedBytes },
    );
  }

  #requireCore(): RegistryCore {
    if (!this.#core)
      throw new RegistryServerError(
        'NOT_LISTENING',
        'the registry is not listening yet; call listen() first',
      );
    return this.#core;
  }

  async #flush(): Promise<void> {
    try {
      await this.#core?.flushLastSeen();
    } catch (err) {
      this.#logger.error('last-seen flush failed', { error: (err as Error).message });
    }
  }

  #accept(socket: Socket): void {
    const remoteIp = normaliseIp(socket.remoteAddress ?? '');
    const count = this.#perIp.get(remoteIp) ?? 0;
    if (count >= (this.#options.maxConnectionsPerIp ?? 4096)) {
      this.#logger.warn('connection refused', {
        remote: remoteIp,
        reason: 'too many connections from this address',
      });
      socket.destroy();
      return;
    }
    this.#perIp.set(remoteIp, count + 1);
    let conn: ClientConnection | undefined;
    socket.on('close', () => {
      if (conn) this.#connections.delete(conn);
      const left = (this.#perIp.get(remoteIp) ?? 1) - 1;
      if (left > 0) this.#perIp.set(remoteIp, left);
      else this.#perIp.delete(remoteIp);
    });
    const secure = this.#secureContext;
    if (!secure) {
      conn = new ClientConnection(socket, this.#host, remoteIp);
      this.#connections.add(conn);
      return;
    }
    // TLS listener: a TLS record starts with 0x16 (handshake). Anything else is a plaintext
    // client, answered in its own framing with an error that says what to change.
    socket.setTimeout(this.#host.idleTimeoutMs, () => socket.destroy());
    socket.on('error', () => socket.destroy());
    socket.once('data', (first: Buffer) => {
      socket.setTimeout(0);
      socket.pause();
      socket.unshift(first);
      if (first[0] === 0x16) {
        const t = new TLSSocket(socket, { isServer: true, secureContext: secure });
        t.on('error', (err: Error) => {
          this.#logger.debug('TLS handshake failed', { remote: remoteIp, error: err.message });
          t.destroy();
        });
        conn = new ClientConnection(t, this.#host, remoteIp);
      } else {
        conn = new ClientConnection(
          socket,
          this.#host,
          remoteIp,
          'this registry port requires TLS: connect with TLS (meshd --registry-tls, optionally --registry-fingerprint)',
        );
        socket.resume();
      }
      this.#connections.add(conn);
    });
  }

  #onBuffered(delta: number): void {
    this.#bufferedBytes += delta;
    const budget = this.#options.maxBufferedBytes ?? 256 * 1024 * 1024;
    while (this.#bufferedBytes > budget) {
      let largest: ClientConnection | undefined;
      for (const c of this.#connections) if (!largest || c.buffered > largest.buffered) largest = c;
      if (!largest || largest.buffered === 0) return;
      // shed() reports the released bytes back here (re-entrantly), which ends the loop.
      largest.shed();
    }
  }

  #handleJsonBody(body: Uint8Array, remoteIp: string): JsonObject | Promise<JsonObject> {
    let msg: unknown;
    try {
      msg = JSON.parse(utf8.decode(body));
    } catch {
      this.#metrics!.observe('invalid', 0, true);
      return { type: 'error', error: 'invalid JSON', code: 'BAD_REQUEST' };
    }
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
      this.#metrics!.observe('invalid', 0, true);
      return { type: 'error', error: 'a request must be a JSON object', code: 'BAD_REQUEST' };
    }
    return this.handleMessage(msg as JsonObject, remoteIp);
  }

  /**
   * Handles one decoded JSON request as if it came from `remoteIp` and returns the response
   * object (never throws). The TCP listener uses this; so can in-process callers.
   */
  handleMessage(msg: JsonObject, remoteIp: string): JsonObject | Promise<JsonObject> {
    const core = this.#requireCore();
    const type = typeof msg['type'] === 'string' ? msg['type'] : '';
    const label = handlers.has(type) ? type : 'unknown';
    const start = performance.now();
    const refuse = (err: unknown): JsonObject => {
      const { message, code } = this.#refusal(err, type);
      this.#logger.debug('request refused', {
        type: label,
        remote: remoteIp,
        error: message,
        code,
      });
      this.#metrics!.observe(label, (performance.now() - start) / 1000, true);
      // `code` is additive: clients that know only `error` (the Go client) ignore it.
      return { type: 'error', error: message, code };
    };
    let response: JsonObject | Promise<JsonObject>;
    try {
      if (type === '') throw new RegistryRequestError('BAD_REQUEST', 'missing "type" field');
      response = dispatch(core, type, msg, this.#context(msg['admin_token'], remoteIp));
    } catch (err) {
      return refuse(err);
    }
    if (response instanceof Promise) {
      return response.then((r) => {
        this.#metrics!.observe(label, (performance.now() - start) / 1000, false);
        return r;
      }, refuse);
    }
    this.#metrics!.observe(label, (performance.now() - start) / 1000, false);
    return response;
  }

  #handleFrame(
    type: number,
    payload: Uint8Array,
    remoteIp: string,
  ): Uint8Array | Promise<Uint8Array> {
    if (type === MsgType.JSON) {
      const r = this.#handleJsonBody(payload, remoteIp);
      const frame = (o: JsonObject): Uint8Array =>
        encodeFrame(MsgType.JSON, utf8e.encode(JSON.stringify(o)));
      return r instanceof Promise ? r.then(frame) : frame(r);
    }
    const core = this.#requireCore();
    const ctx = this.#context(undefined, remoteIp);
    const start = performance.now();
    let label = 'unknown';
    try {
      switch (type) {
        case MsgType.HEARTBEAT: {
          label = 'heartbeat';
          const req = decodeHeartbeatReq(payload);
          const r = heartbeatCore(core, req.nodeId, req.signature, ctx);
          return this.#ok(
            label,
            start,
            encodeFrame(MsgType.HEARTBEAT_OK, encodeHeartbeatResp(r.time, r.keyExpiryWarning)),
          );
        }
        case MsgType.LOOKUP: {
          label = 'lookup';
          const { node, realAddr } = lookupCore(core, decodeLookupReq(payload));
          const resp = encodeLookupResp({
            nodeId: node.id,
            public: node.public,
            taskExec: node.taskExec,
            networks: node.networks,
            pubKey:
              node.publicKey === '' ? new Uint8Array(0) : Buffer.from(node.publicKey, 'base64'),
            hostname: node.hostname,
            tags: node.tags,
            realAddr,
            externalId: node.externalId ?? '',
          });
          return this.#ok(label, start, encodeFrame(MsgType.LOOKUP_OK, resp));
        }
        case MsgType.RESOLVE: {
          label = 'resolve';
          const req = decodeResolveReq(payload);
          const r = resolveCore(core, req.nodeId, req.requesterId, req.signature, ctx);
          return this.#ok(label, start, encodeFrame(MsgType.RESOLVE_OK, encodeResolveResp(r)));
        }
        default:
          throw new RegistryRequestError(
            'UNKNOWN_TYPE',
            `unknown binary message type 0x${type.toString(16).padStart(2, '0')}`,
          );
      }
    } catch (err) {
      this.#metrics!.observe(label, (performance.now() - start) / 1000, true);
      // A binary error frame is `[2B len][message]` only: no room for the code, so it stays
      // byte-compatible and clients classify the message.
      return encodeFrame(MsgType.ERROR, encodeError(this.#refusal(err, label).message));
    }
  }

  #ok(label: string, start: number, frame: Uint8Array): Uint8Array {
    this.#metrics!.observe(label, (performance.now() - start) / 1000, false);
    return frame;
  }

  #context(adminToken: unknown, remoteIp: string): RequestContext {
    return {
      remoteIp,
      now: this.#now(),
      isAdmin: adminToken !== undefined && this.#admin.matches(adminToken),
    };
  }

  /** The text and code a refused request is answered with; unexpected failures are logged. */
  #refusal(err: unknown, type: string): { message: string; code: RegistryRequestErrorCode } {
    if (err instanceof RegistryRequestError) return { message: err.message, code: err.code };
    // A payload that does not decode is the client's fault.
    if (err instanceof Error && err.name === 'WireError')
      return { message: err.message, code: 'BAD_REQUEST' };
    this.#logger.error('request failed', {
      type,
      error: err instanceof Error ? err.message : String(err),
    });
    return { message: 'internal error', code: 'INTERNAL' };
  }
}

/** Creates a {@link RegistryServer} and waits until it listens. */
export async function startRegistry(options: RegistryServerOptions = {}): Promise<RegistryServer> {
  const server = new RegistryServer(options);
  await server.listen();
  return server;
}

/** Binds a server and resolves with the bound address; later errors go to `onLateError`. */
function bind(
  server: Server | HttpServer,
  host: string,
  port: number,
  onLateError: (err: Error) => void,
): Promise<ListenAddress> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void =>
      reject(
        new RegistryServerError(
          'LISTEN_FAILED',
          `could not listen on ${host}:${port}: ${err.message}`,
          { cause: err },
        ),
      );
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      // After bind, a listener error (e.g. EMFILE on accept) must not crash the process.
      server.on('error', (err) => onLateError(err));
      const a = server.address() as AddressInfo;
      resolve({ host: a.address, port: a.port });
    });
  });
}

/** Whether `host` is a loopback address (the metrics listener should be). */
function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** The metrics listener's `host:port`; `:port` binds 127.0.0.1, not every interface. */
function metricsListenAddress(addr: string): { host: string; port: number } {
  try {
    return parseHostPort(addr, { defaultHost: '127.0.0.1' });
  } catch (err) {
    throw new RegistryServerError('BAD_OPTION', `metricsAddr: ${(err as Error).message}`, {
      cause: err,
    });
  }
}
