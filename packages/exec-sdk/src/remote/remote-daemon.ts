// The Daemon an out-of-process plugin sees: every call crosses to the host's Daemon service on
// a brokered connection. Synchronous getters answer from the snapshot sent with Init.
import { verify as edVerify, createPublicKey } from 'node:crypto';
import type { Client, ClientReadableStream } from '@grpc/grpc-js';
import type {
  Addr,
  AnyServiceKey,
  Connection,
  ConnectionInfo,
  ConnReadWriter,
  ControlSender,
  Daemon,
  Datagram,
  DatagramHandler,
  Event,
  EventBus,
  EventPayload,
  EventSubscription,
  HandshakeService,
  HandshakeTrustRecord,
  Identity,
  IpcMethodHandler,
  Listener,
  PeerDirectory,
  PeerDirectoryEvent,
  PolicyManager,
  PortAllocator,
  RegistryClient,
  RegistryListedNode,
  ServiceKey,
  ServiceRegistry,
  SubscribeOptions,
  TrustChecker,
  TunnelRegistry,
  VersionInfo,
  WebhookManager,
} from '@mesh/daemonapi';
import {
  HandshakeServiceKey,
  PolicyManagerKey,
  TrustCheckerKey,
  WebhookManagerKey,
} from '@mesh/daemonapi';
import { AsyncQueue } from './async-queue.js';
import { SyncCallUnsupportedError, fromServiceError } from './errors.js';

/** The Init snapshot (mesh.plugin.v1.InitRequest, decoded). */
export interface InitSnapshot {
  readonly daemon_broker_id: number;
  readonly node_id: number;
  readonly network: number;
  readonly public_key: Uint8Array;
  readonly identity_path: string;
  readonly admin_token: string;
  readonly trust_auto_approve: boolean;
  readonly version_info_json: string;
  readonly data_dir: string;
  readonly services: readonly string[];
  readonly has_registry: boolean;
}

type Unary = (req: unknown, cb: (err: unknown, res: unknown) => void) => void;
type ServerStream = (req: unknown) => ClientReadableStream<unknown>;

interface Reply {
  readonly json: unknown;
  readonly data: Uint8Array;
}

const REGISTRY_METHODS = [
  'lookup',
  'resolveHostname',
  'listNodes',
  'reportTrust',
  'revokeTrust',
  'checkTrust',
  'requestHandshake',
  'pollHandshakes',
  'setMemberTags',
  'getMemberTags',
  'respondHandshake',
] as const;

/** A remote connection handle. */
class RemoteConnection implements Connection {
  /** Host-side id. */
  readonly id: number;
  readonly #info: ConnectionInfo;
  /** @param id - host id. @param info - endpoints. */
  constructor(id: number, info: ConnectionInfo) {
    this.id = id;
    this.#info = info;
  }
  /** Endpoints. */
  info(): ConnectionInfo {
    return this.#info;
  }
}

/**
 * The daemon as seen from a plugin process. Built by `serve()` at Init; plugins use it as any
 * {@link Daemon}. Sync methods that need live daemon state (`sign`, `trustedPeers`) throw
 * `SyncCallUnsupportedError`; use {@link RemoteDaemon.signAsync} and `handshakeService()`.
 */
export class RemoteDaemon implements Daemon {
  readonly #client: Client;
  readonly #snapshot: InitSnapshot;
  readonly #services = new Set<string>();
  readonly #pending = new Set<Promise<unknown>>();
  readonly #methods = new Map<string, IpcMethodHandler>();
  readonly #datagrams = new Map<number, DatagramHandler>();
  readonly #provided = new Map<string, Record<string, unknown>>();
  readonly #streams = new Set<{ cancel(): void }>();
  readonly #onError: (error: unknown) => void;

  /**
   * @param client - a mesh.plugin.v1.Daemon client on the brokered connection.
   * @param snapshot - the Init request.
   * @param onError - reports failures of fire-and-forget calls.
   */
  constructor(client: Client, snapshot: InitSnapshot, onError: (error: unknown) => void) {
    this.#client = client;
    this.#snapshot = snapshot;
    for (const s of snapshot.services) this.#services.add(s);
    this.#onError = onError;
  }

  /** Calls a daemon method by name. */
  async call(method: string, args: unknown = null, data?: Uint8Array): Promise<Reply> {
    const fn = (this.#client as unknown as Record<string, Unary>)['Call'];
    const res = await new Promise<{ json: string; data: Uint8Array }>((resolve, reject) => {
      fn.call(
        this.#client,
        { method, args_json: JSON.stringify(args ?? null), data: data ?? new Uint8Array(0) },
        (err, r) =>
          err ? reject(fromServiceError(err)) : resolve(r as { json: string; data: Uint8Array }),
      );
    });
    return {
      json: res.json === '' ? undefined : (JSON.parse(res.json) as unknown),
      data: new Uint8Array(res.data),
    };
  }

  /** A call whose completion `flush` waits for and whose failure is reported. */
  #track(promise: Promise<unknown>): void {
    const p = promise.catch((e: unknown) => this.#onError(e));
    this.#pending.add(p);
    void p.finally(() => this.#pending.delete(p));
  }

  /** Waits until every fire-and-forget call so far has completed (Init and Shutdown replies wait for it). */
  async flush(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  /** Ends every stream this daemon opened. */
  closeStreams(): void {
    for (const s of this.#streams) s.cancel();
    this.#streams.clear();
  }

  /** Signs `message` with the daemon identity. */
  async signAsync(message: Uint8Array): Promise<Uint8Array | undefined> {
    const r = await this.call('sign', null, message);
    return r.json === true ? r.data : undefined;
  }

  /** The plugin-registered IPC handler for `name` (the host invokes it). */
  method(name: string): IpcMethodHandler | undefined {
    return this.#methods.get(name);
  }

  /** The datagram handler for `port` (the host delivers to it). */
  datagramHandler(port: number): DatagramHandler | undefined {
    return this.#datagrams.get(port);
  }

  /** A service this plugin provided, by name (the host invokes it). */
  providedService(name: string): Record<string, unknown> | undefined {
    return this.#provided.get(name);
  }

  #stream(name: string, req: unknown): ClientReadableStream<unknown> {
    const fn = (this.#client as unknown as Record<string, ServerStream>)[name];
    const stream = fn.call(this.#client, req);
    this.#streams.add(stream);
    stream.on('close', () => this.#streams.delete(stream));
    return stream;
  }

  start(): Promise<void> {
    return Promise.reject(new SyncCallUnsupportedError('start', 'meshd to start the daemon'));
  }
  stop(): Promise<void> {
    return Promise.reject(new SyncCallUnsupportedError('stop', 'meshctl daemon stop'));
  }
  nodeId(): number {
    return this.#snapshot.node_id;
  }
  identity(): Identity | undefined {
    if (this.#snapshot.public_key.length === 0) return undefined;
    const publicKey = this.#snapshot.public_key;
    return {
      publicKey,
      sign: () => {
        throw new SyncCallUnsupportedError('identity().sign', 'RemoteDaemon.signAsync');
      },
      verify: (message, signature, key) => ed25519Verify(key ?? publicKey, message, signature),
    };
  }
  identityPath(): string | undefined {
    return this.#snapshot.identity_path === '' ? undefined : this.#snapshot.identity_path;
  }
  sign(): Uint8Array | undefined {
    throw new SyncCallUnsupportedError('sign', 'RemoteDaemon.signAsync');
  }
  adminToken(): string | undefined {
    return this.#snapshot.admin_token === '' ? undefined : this.#snapshot.admin_token;
  }
  trustAutoApprove(): boolean {
    return this.#snapshot.trust_auto_approve;
  }
  addr(): Addr {
    return { network: this.#snapshot.network, node: this.#snapshot.node_id };
  }
  versionInfo(): VersionInfo {
    return JSON.parse(this.#snapshot.version_info_json || '{}') as VersionInfo;
  }

  async dialConnection(
    dst: Addr,
    port: number,
    options?: { signal?: AbortSignal },
  ): Promise<Connection> {
    options?.signal?.throwIfAborted();
    const r = await this.call('conn.dial', { dst, port });
    const { id, info } = r.json as { id: number; info: ConnectionInfo };
    return new RemoteConnection(id, info);
  }
  async sendData(conn: Connection, data: Uint8Array): Promise<void> {
    await this.call('conn.write', { id: (conn as RemoteConnection).id }, data);
  }
  async sendDatagram(dst: Addr, port: number, data: Uint8Array): Promise<void> {
    await this.call('datagram.send', { dst, port }, data);
  }
  onDatagram(port: number, handler: DatagramHandler): () => void {
    if (this.#datagrams.has(port)) {
      throw Object.assign(new Error(`port ${port} already has a datagram handler`), {
        code: 'PORT_IN_USE',
      });
    }
    this.#datagrams.set(port, handler);
    this.#track(this.call('datagram.listen', { port }));
    return () => {
      if (this.#datagrams.get(port) !== handler) return;
      this.#datagrams.delete(port);
      this.#track(this.call('datagram.unlisten', { port }));
    };
  }
  closeConnection(conn: Connection): void {
    this.#track(this.call('conn.close', { id: (conn as RemoteConnection).id }));
  }
  newConnReadWriter(conn: Connection): ConnReadWriter {
    const id = (conn as RemoteConnection).id;
    let reader: ClientReadableStream<unknown> | undefined;
    const queue = new AsyncQueue<Uint8Array>();
    const startReading = (): void => {
      if (reader !== undefined) return;
      reader = this.#stream('Read', { conn_id: id });
      reader.on('data', (chunk: { data: Uint8Array }) => queue.push(new Uint8Array(chunk.data)));
      reader.on('end', () => queue.end());
      reader.on('error', (e: unknown) => queue.fail(fromServiceError(e)));
    };
    return {
      write: async (data) => {
        await this.call('conn.write', { id }, data);
      },
      close: async () => {
        reader?.cancel();
        queue.end();
        await this.call('conn.end', { id });
      },
      [Symbol.asyncIterator]: () => {
        startReading();
        return queue[Symbol.asyncIterator]();
      },
    };
  }
  ports(): PortAllocator {
    return {
      bind: (port) => this.#bind(port),
      unbind: (port) => this.#track(this.call('port.unbind', { port })),
    };
  }
  #bind(port: number): Listener {
    const stream = this.#stream('Accept', { port });
    const queue = new AsyncQueue<Connection>();
    let bound = port;
    const ready = new Promise<void>((resolve, reject) => {
      stream.on('data', (m: { conn_id: number; info_json: string }) => {
        const info = JSON.parse(m.info_json) as ConnectionInfo & { port?: number };
        if (m.conn_id === 0) {
          bound = info.port ?? port;
          resolve();
        } else queue.push(new RemoteConnection(m.conn_id, info));
      });
      stream.on('end', () => queue.end());
      stream.on('error', (e: unknown) => {
        const err = fromServiceError(e);
        reject(err);
        queue.end();
      });
    });
    this.#track(ready);
    const listener: Listener = {
      get port() {
        return bound;
      },
      accept: () => queue.next(),
      close: async () => {
        stream.cancel();
        queue.end();
        await this.call('port.unbind', { port: bound });
      },
      [Symbol.asyncIterator]: () => queue[Symbol.asyncIterator](),
    };
    return listener;
  }
  tunnels(): TunnelRegistry {
    return { removePeer: (nodeId) => this.#track(this.call('tunnels.removePeer', { nodeId })) };
  }
  registryClient(): RegistryClient | undefined {
    if (!this.#snapshot.has_registry) return undefined;
    const client: Record<string, unknown> = {};
    for (const m of REGISTRY_METHODS) {
      client[m] = async (...args: unknown[]) => {
        // AbortSignals do not cross the boundary; drop option objects' signal.
        const plain = args.map((a) =>
          a !== null && typeof a === 'object' && 'signal' in a ? { ...a, signal: undefined } : a,
        );
        return (await this.call(`registry.${m}`, plain)).json;
      };
    }
    return client as unknown as RegistryClient;
  }
  async regConnListNodes(networkId: number, token: string): Promise<RegistryListedNode[]> {
    return (await this.call('regConnListNodes', [networkId, token])).json as RegistryListedNode[];
  }
  async setMemberTags(networkId: number, tags: readonly string[]): Promise<void> {
    await this.call('setMemberTags', [networkId, tags]);
  }
  services(): ServiceRegistry {
    const get = <T>(key: ServiceKey<T>): T | undefined => {
      const own = this.#provided.get(key.name);
      if (own !== undefined) return own as T;
      if (!this.#services.has(key.name)) return undefined;
      return new Proxy(
        {},
        {
          get: (_t, method) =>
            typeof method !== 'string' || method === 'then'
              ? undefined
              : async (...args: unknown[]) =>
                  (await this.call('service.invoke', { name: key.name, method, args })).json,
        },
      ) as T;
    };
    return {
      provide: <T>(key: ServiceKey<T>, impl: T) => {
        if (this.#services.has(key.name))
          throw Object.assign(new Error(`service ${key.name} is already provided`), {
            code: 'SERVICE_CONFLICT',
          });
        this.#provided.set(key.name, impl as Record<string, unknown>);
        this.#services.add(key.name);
        this.#track(this.call('service.provide', { name: key.name }));
        return () => {
          if (this.#provided.get(key.name) !== (impl as unknown)) return;
          this.#provided.delete(key.name);
          this.#services.delete(key.name);
          this.#track(this.call('service.remove', { name: key.name }));
        };
      },
      get,
      require: <T>(key: ServiceKey<T>): T => {
        const s = get(key);
        if (s === undefined)
          throw Object.assign(new Error(`service ${key.name} is not available`), {
            code: 'SERVICE_UNAVAILABLE',
          });
        return s;
      },
      has: (key: AnyServiceKey) => this.#services.has(key.name),
      names: () => [...this.#services].sort(),
    };
  }
  publishEvent(topic: string, payload?: EventPayload): void {
    this.#track(this.call('bus.publish', { topic, payload: payload ?? {} }));
  }
  bus(): EventBus {
    return {
      publish: (topic: string, payload?: EventPayload) => this.publishEvent(topic, payload),
      subscribe: (pattern: string, options?: SubscribeOptions) => this.#subscribe(pattern, options),
    };
  }
  #subscribe(pattern: string, options?: SubscribeOptions): EventSubscription {
    const stream = this.#stream('Subscribe', { pattern, buffer_size: options?.bufferSize ?? 0 });
    const queue = new AsyncQueue<Event>();
    stream.on('data', (m: { topic: string; node_id: number; time: number; payload_json: string }) =>
      queue.push({
        topic: m.topic,
        nodeId: m.node_id,
        time: m.time,
        payload: JSON.parse(m.payload_json || '{}') as EventPayload,
      }),
    );
    stream.on('end', () => queue.end());
    stream.on('error', () => queue.end());
    const close = (): void => {
      stream.cancel();
      queue.end();
    };
    options?.signal?.addEventListener('abort', close, { once: true });
    return {
      pattern,
      dropped: 0,
      close,
      [Symbol.asyncIterator]: () => queue[Symbol.asyncIterator](),
    };
  }
  getTrustChecker(): TrustChecker | undefined {
    return this.services().get(TrustCheckerKey);
  }
  registerTrustChecker(checker: TrustChecker): void {
    this.services().provide(TrustCheckerKey, checker);
  }
  handshakeService(): HandshakeService | undefined {
    return this.services().get(HandshakeServiceKey);
  }
  registerHandshakeService(service: HandshakeService): void {
    this.services().provide(HandshakeServiceKey, service);
  }
  trustedPeers(): HandshakeTrustRecord[] {
    throw new SyncCallUnsupportedError('trustedPeers', 'await handshakeService()?.trustedPeers()');
  }
  async handshakeRevokeTrust(nodeId: number): Promise<void> {
    await this.call('handshakeRevokeTrust', [nodeId]);
  }
  async handshakeSendRequest(nodeId: number, reason: string): Promise<void> {
    await this.call('handshakeSendRequest', [nodeId, reason]);
  }
  registerPolicyManager(manager: PolicyManager): void {
    this.services().provide(PolicyManagerKey, manager);
  }
  setWebhookUrl(url: string): void {
    this.services().require(WebhookManagerKey);
    this.#track(this.call('setWebhookUrl', [url]));
  }
  registerWebhookManager(manager: WebhookManager): void {
    this.services().provide(WebhookManagerKey, manager);
  }
  registerMethod(name: string, handler: IpcMethodHandler): () => void {
    if (this.#methods.has(name))
      throw Object.assign(new Error(`IPC method ${name} is already registered`), {
        code: 'METHOD_EXISTS',
      });
    this.#methods.set(name, handler);
    this.#track(this.call('method.register', { name }));
    return () => {
      if (this.#methods.get(name) !== handler) return;
      this.#methods.delete(name);
      this.#track(this.call('method.unregister', { name }));
    };
  }

  /** The peer directory, through the daemon. */
  peers(): PeerDirectory {
    return {
      lookupX25519: async (nodeId) => {
        const r = await this.call('peers.lookupX25519', [nodeId]);
        return r.json === true ? r.data : undefined;
      },
      lookupName: async (nodeId) =>
        (await this.call('peers.lookupName', [nodeId])).json as string | undefined,
      subscribe: (listener: (event: PeerDirectoryEvent) => void) => {
        const stream = this.#stream('Subscribe', { pattern: '\u0000peers', buffer_size: 0 });
        stream.on('data', (m: { payload_json: string }) => {
          const e = JSON.parse(m.payload_json) as PeerDirectoryEvent & {
            x25519PublicKey?: unknown;
          };
          if (e.type === 'seen')
            listener({
              ...e,
              x25519PublicKey: new Uint8Array(Buffer.from(String(e.x25519PublicKey), 'base64')),
            });
          else listener(e);
        });
        stream.on('error', () => {});
        return () => stream.cancel();
      },
    };
  }

  /** The payload sender, through the daemon. */
  control(): ControlSender {
    return {
      sendDirect: async (nodeId, payload) => {
        await this.call('control.sendDirect', { nodeId, kind: payload.kind }, payload.body);
      },
      sendRouted: async (nodeId, payload) =>
        (await this.call('control.sendRouted', { nodeId, kind: payload.kind }, payload.body))
          .json === true,
    };
  }
}

/** Verifies an Ed25519 signature locally (verification needs no secret, so it does not cross the boundary). */
function ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    const key = createPublicKey({
      key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(publicKey)]),
      format: 'der',
      type: 'spki',
    });
    return edVerify(null, message, key, signature);
  } catch {
    return false;
  }
}

/** A datagram as delivered to a plugin. */
export type { Datagram };
