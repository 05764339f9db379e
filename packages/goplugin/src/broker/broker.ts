// go-plugin's GRPCBroker: extra gRPC connections by id. A side calls `acceptAndServe(id, …)`,
// which listens on a fresh unix socket and announces it on the broker stream; the other side
// `dial(id)`s once the announcement arrived (waiting up to 5 s, as go-plugin does).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Server } from '@grpc/grpc-js';
import type { ChannelCredentials } from '@grpc/grpc-js';
import { BrokerTimeoutError, GoPluginError } from '../errors/errors.js';
import { channelCredentials, grpcTarget, serverCredentials } from '../grpc/transport.js';
import type { MtlsConfig } from '../grpc/transport.js';

/** go-plugin's ConnInfo message. */
export interface ConnInfo {
  /** Broker id. */
  readonly service_id: number;
  /** `unix` or `tcp`. */
  readonly network: string;
  /** Socket path or host:port. */
  readonly address: string;
}

/** The broker stream as both grpc-js call types expose it. */
export interface BrokerStream {
  write(info: ConnInfo): boolean;
  on(event: 'data', listener: (info: ConnInfo) => void): unknown;
  on(event: 'error' | 'end' | 'close', listener: (arg?: unknown) => void): unknown;
  end(): void;
}

/** Where to dial a brokered connection. */
export interface BrokerDialTarget {
  /** grpc-js target. */
  readonly target: string;
  /** Credentials to use. */
  readonly credentials: ChannelCredentials;
}

/** Options of {@link GrpcBroker}. */
export interface GrpcBrokerOptions {
  /** AutoMTLS material (the same as the main connection's); undefined for plaintext. */
  readonly tls?: MtlsConfig;
  /** Directory for the sockets; a private temp directory when absent. */
  readonly socketDir?: string;
  /** How long `dial` waits for the announcement. @defaultValue 5000 */
  readonly dialTimeoutMs?: number;
}

/** One side of go-plugin's gRPC broker. */
export class GrpcBroker {
  readonly #tls: MtlsConfig | undefined;
  readonly #dialTimeoutMs: number;
  #dir: string | undefined;
  readonly #ownDir: boolean;
  #stream: BrokerStream | undefined;
  #nextId = 0;
  readonly #announced = new Map<number, ConnInfo>();
  readonly #waiting = new Map<number, (info: ConnInfo) => void>();
  readonly #servers = new Set<Server>();
  #closed = false;

  /** @param options - TLS and socket directory. */
  constructor(options: GrpcBrokerOptions = {}) {
    this.#tls = options.tls;
    this.#dialTimeoutMs = options.dialTimeoutMs ?? 5000;
    this.#dir = options.socketDir;
    this.#ownDir = options.socketDir === undefined;
  }

  /**
   * Connects the broker to its stream (the host's StartStream call, or the plugin's handler).
   * @param stream - the ConnInfo stream.
   */
  attach(stream: BrokerStream): void {
    this.#stream = stream;
    stream.on('data', (info: ConnInfo) => {
      const waiter = this.#waiting.get(info.service_id);
      if (waiter !== undefined) waiter(info);
      else this.#announced.set(info.service_id, info);
    });
    stream.on('error', () => {});
  }

  /** A fresh broker id. */
  nextId(): number {
    this.#nextId = (this.#nextId + 1) >>> 0;
    return this.#nextId;
  }

  /**
   * Serves a gRPC server on a new socket under `id` and announces it.
   * @param id - broker id (from {@link nextId}).
   * @param register - adds the services to the server.
   * @returns the running server (closed by {@link close}).
   */
  async acceptAndServe(id: number, register: (server: Server) => void): Promise<Server> {
    if (this.#closed)
      throw new GoPluginError('PLUGIN_BROKER_CLOSED', 'the plugin broker is closed');
    const dir = (this.#dir ??= mkdtempSync(path.join(os.tmpdir(), 'mesh-broker-')));
    const address = path.join(dir, `broker-${process.pid}-${id}.sock`);
    const server = new Server({ 'grpc.max_receive_message_length': 0x7fffffff });
    register(server);
    this.#servers.add(server);
    await new Promise<void>((resolve, reject) => {
      server.bindAsync(grpcTarget('unix', address), serverCredentials(this.#tls), (error) =>
        error === null ? resolve() : reject(error),
      );
    });
    this.#stream?.write({ service_id: id, network: 'unix', address });
    return server;
  }

  /**
   * Waits for the other side's announcement of `id`.
   * @param id - broker id.
   * @returns where to dial and with which credentials.
   * @throws BrokerTimeoutError when nothing was announced in time.
   */
  async dial(id: number): Promise<BrokerDialTarget> {
    const known = this.#announced.get(id);
    const info =
      known ??
      (await new Promise<ConnInfo>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.#waiting.delete(id);
          reject(new BrokerTimeoutError(id));
        }, this.#dialTimeoutMs);
        this.#waiting.set(id, (i) => {
          clearTimeout(timer);
          this.#waiting.delete(id);
          resolve(i);
        });
      }));
    this.#announced.delete(id);
    const network = info.network === 'tcp' ? 'tcp' : 'unix';
    return {
      target: grpcTarget(network, info.address),
      credentials: channelCredentials(this.#tls),
    };
  }

  /** Stops every server it started, ends the stream and removes its socket directory. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const server of this.#servers) server.forceShutdown();
    this.#servers.clear();
    try {
      this.#stream?.end();
    } catch {
      // already ended
    }
    if (this.#ownDir && this.#dir !== undefined)
      rmSync(this.#dir, { recursive: true, force: true });
  }
}
