// The daemon's IPC listener: one socket, many isolated client connections.
import { chmod, lstat, unlink } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { ErrorCode } from '../errors/codes.js';
import { IpcError, toIpcError } from '../errors/ipc-error.js';
import { LineSplitter } from '../framing/line-splitter.js';
import {
  ATTACH_MAGIC,
  ATTACH_OK,
  ATTACH_PREAMBLE_BYTES,
  ATTACH_REFUSED,
  parseAttachPreamble,
} from '../attach/preamble.js';
import { RPC_VERSION, classifyMessage } from '../protocol/jsonrpc.js';
import type { JsonRpcRequest } from '../protocol/jsonrpc.js';
import type { HelloResult } from '../protocol/methods.js';
import { PeerConnection } from './connection.js';
import type { IpcLogger, IpcPeer } from './connection.js';
import { ParamReader } from './params.js';
import type { MethodRegistry } from './registry.js';

/** Default longest request line (1 MiB, the reference IPC's frame limit). */
export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;
/** Default cap on requests in flight per connection. */
export const DEFAULT_MAX_IN_FLIGHT = 1024;
/** Default cap on reply bytes queued for a client that does not read (64 MiB). */
export const DEFAULT_MAX_BUFFERED_BYTES = 64 * 1024 * 1024;
/** Default cap on concurrent client connections. */
export const DEFAULT_MAX_CONNECTIONS = 1024;
/** Default cap on request bytes being handled per connection before reading pauses (16 MiB). */
export const DEFAULT_MAX_IN_FLIGHT_BYTES = 16 * 1024 * 1024;

/** Options of {@link IpcServer}. */
export interface IpcServerOptions {
  /** Where to listen. A stale socket file there is removed; a live one is an error. */
  readonly socketPath: string;
  /** The methods to serve. */
  readonly registry: MethodRegistry;
  /** Reported by `rpc.hello`. */
  readonly daemonVersion: string;
  /** Longest request line accepted. @defaultValue 1 MiB */
  readonly maxLineBytes?: number;
  /** Requests in flight per connection before `busy`. @defaultValue 1024 */
  readonly maxInFlight?: number;
  /** Reply bytes queued for one client before it is disconnected as a non-reader. @defaultValue 64 MiB */
  readonly maxBufferedBytes?: number;
  /** Concurrent connections before new ones are refused. @defaultValue 1024 */
  readonly maxConnections?: number;
  /**
   * Bytes of requests still being handled on one connection before the server stops reading
   * from it (backpressure: a client that pipelines large requests waits instead of
   * growing the daemon's memory). Reading resumes as handlers finish. @defaultValue 16 MiB
   */
  readonly maxInFlightBytes?: number;
  /** Where isolated failures are reported. @defaultValue silent */
  readonly logger?: IpcLogger;
}

/** Counters for diagnostics and tests. */
export interface IpcServerStats {
  /** Connections currently open. */
  readonly connections: number;
  /** Connections accepted since start. */
  readonly accepted: number;
  /** Lines that were not valid JSON-RPC requests. */
  readonly malformed: number;
  /** Handlers that threw something other than an {@link IpcError}. */
  readonly handlerFailures: number;
  /** Connections whose reading is paused because their in-flight requests hit the byte cap. */
  readonly paused: number;
  /** Raw stream connections attached now (`MRAW` preamble, see `attachRaw`). */
  readonly attached: number;
  /** Attach attempts refused (unknown, used or expired token, or another attach version). */
  readonly attachRefused: number;
}

const silent: IpcLogger = { warn() {}, debug() {} };

/** Whether a process accepts connections on the socket (a stale file refuses them). */
async function socketIsLive(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createConnection(socketPath);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

/**
 * Serves newline-delimited JSON-RPC 2.0 on a unix socket (mode 0600). Every connection is
 * isolated: a malformed line gets an error reply, a throwing handler an `internal` error, and
 * a client that disconnects has its in-flight calls aborted and its release hooks run — none
 * of it touches other clients.
 */
export class IpcServer {
  readonly #options: IpcServerOptions;
  readonly #logger: IpcLogger;
  readonly #peers = new Set<PeerConnection>();
  // Connections that sent nothing yet (JSON-RPC or attach undecided) and attached raw ones:
  // close() ends them too, or server.close() would wait for them forever.
  readonly #undecided = new Set<Socket>();
  readonly #attached = new Set<Socket>();
  #attachRefused = 0;
  #server: Server | undefined;
  #nextId = 1;
  #accepted = 0;
  #malformed = 0;
  #handlerFailures = 0;
  readonly #connectionListeners: ((peer: IpcPeer) => void)[] = [];

  /** @param options - socket path, registry and limits. */
  constructor(options: IpcServerOptions) {
    this.#options = options;
    this.#logger = options.logger ?? silent;
  }

  /** The socket path. */
  get socketPath(): string {
    return this.#options.socketPath;
  }

  /** @returns current counters. */
  stats(): IpcServerStats {
    return {
      connections: this.#peers.size,
      accepted: this.#accepted,
      malformed: this.#malformed,
      handlerFailures: this.#handlerFailures,
      paused: [...this.#peers].filter((p) => p.readPaused).length,
      attached: this.#attached.size,
      attachRefused: this.#attachRefused,
    };
  }

  /**
   * Calls `listener` for every new client connection (before its first request).
   * @param listener - receives the peer.
   */
  onConnection(listener: (peer: IpcPeer) => void): void {
    this.#connectionListeners.push(listener);
  }

  /**
   * Removes a stale socket file, listens and restricts the socket to its owner (0600).
   * @throws IpcError `already_exists` when another process answers on the socket.
   */
  async listen(): Promise<void> {
    const { socketPath } = this.#options;
    const existing = await lstat(socketPath).catch(() => undefined);
    if (existing) {
      if (!existing.isSocket()) {
        throw new IpcError(ErrorCode.alreadyExists, `${socketPath} exists and is not a socket`);
      }
      if (await socketIsLive(socketPath)) {
        throw new IpcError(
          ErrorCode.alreadyExists,
          `another daemon is listening on ${socketPath}`,
          {
            hint: 'stop it with: meshctl daemon stop',
          },
        );
      }
      await unlink(socketPath).catch(() => {});
    }
    // Half-open for raw stream connections (FIN one way only); JSON-RPC connections end both ways.
    const server = createServer({ allowHalfOpen: true }, (socket) => this.#accept(socket));
    server.maxConnections = this.#options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.#logger.warn('ipc server error', { error: err.message }));
    await chmod(socketPath, 0o600);
    this.#server = server;
  }

  /**
   * Stops accepting, disconnects every client (running their release hooks) and removes the
   * socket file. Idempotent.
   */
  async close(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of [...this.#undecided, ...this.#attached]) socket.destroy();
    const releases = [...this.#peers].map((p) => {
      p.destroy();
      return p.release();
    });
    await Promise.all(releases);
    await closed;
    await unlink(this.#options.socketPath).catch(() => {});
  }

  // The first bytes decide: `MRAW` starts a raw stream attach, anything else is JSON-RPC.
  #accept(socket: Socket): void {
    this.#undecided.add(socket);
    let head: Buffer = Buffer.alloc(0);
    const decided = (): void => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', decided);
      this.#undecided.delete(socket);
    };
    const onData = (chunk: Buffer): void => {
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      const n = Math.min(head.length, ATTACH_MAGIC.length);
      if (!head.subarray(0, n).equals(ATTACH_MAGIC.subarray(0, n))) {
        decided();
        this.#serve(socket, head);
        return;
      }
      if (head.length < ATTACH_PREAMBLE_BYTES) return;
      socket.pause();
      decided();
      this.#attach(socket, head);
    };
    const onEnd = (): void => void socket.end();
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('close', decided);
    socket.on('error', (err) =>
      this.#logger.debug('ipc client socket error', { error: err.message }),
    );
  }

  #attach(socket: Socket, head: Buffer): void {
    const preamble = parseAttachPreamble(head);
    const acceptor =
      preamble.kind === 'token'
        ? this.#options.registry.attachHandler?.(preamble.token)
        : undefined;
    if (acceptor === undefined) {
      this.#attachRefused++;
      this.#logger.debug('ipc attach refused', {
        reason: preamble.kind === 'token' ? 'unknown, used or expired token' : preamble.kind,
      });
      socket.end(Buffer.of(ATTACH_REFUSED));
      socket.destroySoon();
      return;
    }
    this.#attached.add(socket);
    socket.once('close', () => this.#attached.delete(socket));
    socket.write(Buffer.of(ATTACH_OK));
    try {
      acceptor(socket, head.subarray(ATTACH_PREAMBLE_BYTES));
    } catch (err) {
      this.#logger.warn('ipc attach handler failed', {
        error: err instanceof Error ? err.message : String(err),
      });
      socket.destroy();
    }
  }

  #serve(socket: Socket, first: Buffer): void {
    const peer = new PeerConnection(
      this.#nextId++,
      socket,
      this.#logger,
      this.#options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES,
    );
    this.#peers.add(peer);
    this.#accepted++;
    const splitter = new LineSplitter(this.#options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
    const onData = (chunk: Buffer): void => {
      for (const ev of splitter.push(chunk)) {
        if (ev.kind === 'overflow') {
          this.#malformed++;
          peer.replyError(
            null,
            new IpcError(
              ErrorCode.lineTooLong,
              `request line of ${ev.bytes} bytes exceeds the limit`,
            ).toJsonRpc(),
          );
        } else {
          this.#line(peer, ev.line);
        }
      }
      if (peer.inFlightBytes > this.#maxInFlightBytes && !peer.readPaused) {
        peer.readPaused = true;
        socket.pause();
      }
    };
    socket.on('data', onData);
    // A JSON-RPC client that ends its side is done: end ours once the replies are written.
    socket.on('end', () => void socket.end());
    socket.on('close', () => {
      this.#peers.delete(peer);
      void peer.release();
    });
    for (const listener of this.#connectionListeners) {
      try {
        listener(peer);
      } catch (err) {
        this.#logger.warn('ipc connection listener failed', {
          error: err instanceof Error ? err.message : String(err),
        });
      }
    }
    onData(first);
  }

  #line(peer: PeerConnection, line: string): void {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      this.#malformed++;
      peer.replyError(
        null,
        new IpcError(ErrorCode.parseError, 'request is not valid JSON').toJsonRpc(),
      );
      return;
    }
    const msg = classifyMessage(value);
    switch (msg.kind) {
      case 'request':
        this.#request(peer, msg.message, line.length);
        return;
      case 'notification':
        // Clients have nothing to notify the server about; ignore rather than fail.
        this.#logger.debug('ipc client notification ignored', {
          conn: peer.id,
          method: msg.message.method,
        });
        return;
      case 'response':
        this.#malformed++;
        peer.replyError(
          null,
          new IpcError(
            ErrorCode.invalidRequest,
            'the server does not accept responses',
          ).toJsonRpc(),
        );
        return;
      case 'invalid':
        this.#malformed++;
        peer.replyError(msg.id, new IpcError(ErrorCode.invalidRequest, msg.reason).toJsonRpc());
        return;
    }
  }

  get #maxInFlightBytes(): number {
    return this.#options.maxInFlightBytes ?? DEFAULT_MAX_IN_FLIGHT_BYTES;
  }

  #request(peer: PeerConnection, req: JsonRpcRequest, size: number): void {
    if (req.method === 'rpc.hello') {
      this.#hello(peer, req);
      return;
    }
    if (!peer.helloDone) {
      peer.replyError(
        req.id,
        new IpcError(
          ErrorCode.handshakeRequired,
          'call rpc.hello before any other method',
        ).toJsonRpc(),
      );
      return;
    }
    const handler = this.#options.registry.get(req.method);
    if (!handler) {
      peer.replyError(
        req.id,
        new IpcError(ErrorCode.methodNotFound, `method not found: ${req.method}`).toJsonRpc(),
      );
      return;
    }
    if (peer.inFlight >= (this.#options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT)) {
      peer.replyError(
        req.id,
        new IpcError(ErrorCode.busy, 'too many requests in flight on this connection').toJsonRpc(),
      );
      return;
    }
    peer.inFlight++;
    peer.inFlightBytes += size;
    const context = { peer, signal: peer.signal, method: req.method };
    void (async () => {
      try {
        const result = await handler(req.params, context);
        peer.reply(req.id, result);
      } catch (err) {
        if (!(err instanceof IpcError)) {
          this.#handlerFailures++;
          this.#logger.warn('ipc handler failed', {
            conn: peer.id,
            method: req.method,
            error: err instanceof Error ? (err.stack ?? err.message) : String(err),
          });
        }
        peer.replyError(req.id, toIpcError(err, req.method).toJsonRpc());
      } finally {
        peer.inFlight--;
        peer.inFlightBytes -= size;
        if (peer.readPaused && peer.inFlightBytes <= this.#maxInFlightBytes / 2) {
          peer.readPaused = false;
          peer.resumeReading();
        }
      }
    })();
  }

  #hello(peer: PeerConnection, req: JsonRpcRequest): void {
    try {
      const version = new ParamReader(req.params, 'rpc.hello').int('rpc_version', { min: 0 });
      if (version !== RPC_VERSION) {
        throw new IpcError(
          ErrorCode.versionMismatch,
          `this client speaks IPC protocol version ${version}, the daemon speaks version ${RPC_VERSION}`,
          {
            hint: 'use meshctl and @mesh/client from the same release as meshd',
            details: { rpc_version: RPC_VERSION },
          },
        );
      }
      peer.helloDone = true;
      const result: HelloResult = {
        rpc_version: RPC_VERSION,
        daemon_version: this.#options.daemonVersion,
        pid: process.pid,
        methods: this.#options.registry.names(),
      };
      peer.reply(req.id, result);
    } catch (err) {
      peer.replyError(req.id, toIpcError(err, 'rpc.hello').toJsonRpc());
    }
  }
}
