// One client connection on the server: its writer, its in-flight calls and its release hooks.
import type { Socket } from 'node:net';
import type { JsonRpcErrorObject, RequestId } from '../protocol/jsonrpc.js';
import type { MeshNotificationName, MeshNotifications } from '../protocol/methods.js';

/**
 * The server's view of one connected client, handed to every handler. Handlers that create
 * resources on behalf of the client (connections, bound ports) register a release hook with
 * {@link IpcPeer.onClose}, so a client that vanishes never leaks them.
 */
export interface IpcPeer {
  /** Server-unique connection number. */
  readonly id: number;
  /** Whether the client is gone. */
  readonly closed: boolean;
  /** Aborted when the client disconnects. */
  readonly signal: AbortSignal;
  /**
   * Pushes a notification. Resolves when the socket can take more (backpressure), or at once
   * when the client is gone; never rejects.
   */
  notify<N extends MeshNotificationName>(method: N, params: MeshNotifications[N]): Promise<void>;
  /** Pushes a notification that is not in {@link MeshNotifications} (plugins). */
  notifyRaw(method: string, params: unknown): Promise<void>;
  /**
   * Runs `hook` once when the client disconnects (or the server stops). Hooks run in reverse
   * order of registration; errors are reported to the server's logger and never propagate.
   * @returns a function that removes the hook.
   */
  onClose(hook: () => void | Promise<void>): () => void;
  /** Per-connection storage for handlers (for example the connection ids this client owns). */
  readonly state: Map<string, unknown>;
}

/** What a handler receives besides its params. */
export interface CallContext {
  /** The calling client. */
  readonly peer: IpcPeer;
  /** Aborted when the client disconnects before the reply. */
  readonly signal: AbortSignal;
  /** The method being called. */
  readonly method: string;
}

/** Logger the server reports isolated failures to. */
export interface IpcLogger {
  /** Something went wrong on one connection; the server keeps running. */
  warn(message: string, fields?: Readonly<Record<string, unknown>>): void;
  /** Routine per-connection detail. */
  debug(message: string, fields?: Readonly<Record<string, unknown>>): void;
}

/** @internal The server-side implementation of {@link IpcPeer}. */
export class PeerConnection implements IpcPeer {
  readonly id: number;
  readonly state = new Map<string, unknown>();
  readonly #socket: Socket;
  readonly #abort = new AbortController();
  readonly #hooks: (() => void | Promise<void>)[] = [];
  readonly #logger: IpcLogger;
  helloDone = false;
  inFlight = 0;
  inFlightBytes = 0;
  readPaused = false;
  #released: Promise<void> | undefined;

  readonly #maxBuffered: number;

  constructor(id: number, socket: Socket, logger: IpcLogger, maxBufferedBytes: number) {
    this.id = id;
    this.#socket = socket;
    this.#logger = logger;
    this.#maxBuffered = maxBufferedBytes;
  }

  get closed(): boolean {
    return this.#abort.signal.aborted;
  }

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** Writes one message line; returns false when the socket buffer is full. */
  send(message: object): boolean {
    if (this.closed || this.#socket.destroyed || !this.#socket.writable) return true;
    const ok = this.#socket.write(JSON.stringify(message) + '\n');
    // A client that sends requests but never reads replies would grow this buffer without bound.
    if (!ok && this.#socket.writableLength > this.#maxBuffered) {
      this.#logger.warn('ipc client does not read its replies; disconnecting it', {
        conn: this.id,
        buffered: this.#socket.writableLength,
      });
      this.#socket.destroy();
    }
    return ok;
  }

  reply(id: RequestId, result: unknown): void {
    this.send({ jsonrpc: '2.0', id, result: result === undefined ? null : result });
  }

  replyError(id: RequestId | null, error: JsonRpcErrorObject): void {
    this.send({ jsonrpc: '2.0', id, error });
  }

  notify<N extends MeshNotificationName>(method: N, params: MeshNotifications[N]): Promise<void> {
    return this.notifyRaw(method, params);
  }

  notifyRaw(method: string, params: unknown): Promise<void> {
    if (this.send({ jsonrpc: '2.0', method, params })) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.#socket.off('drain', done);
        this.#socket.off('close', done);
        resolve();
      };
      this.#socket.on('drain', done);
      this.#socket.on('close', done);
    });
  }

  onClose(hook: () => void | Promise<void>): () => void {
    if (this.closed) {
      void this.#runHook(hook);
      return () => {};
    }
    this.#hooks.push(hook);
    return () => {
      const i = this.#hooks.indexOf(hook);
      if (i !== -1) this.#hooks.splice(i, 1);
    };
  }

  async #runHook(hook: () => void | Promise<void>): Promise<void> {
    try {
      await hook();
    } catch (err) {
      this.#logger.warn('ipc release hook failed', {
        conn: this.id,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }

  /** Aborts in-flight calls and runs every release hook once. */
  release(): Promise<void> {
    if (this.#released) return this.#released;
    this.#abort.abort();
    const hooks = this.#hooks.splice(0).reverse();
    this.#released = (async () => {
      for (const hook of hooks) await this.#runHook(hook);
    })();
    return this.#released;
  }

  destroy(): void {
    this.#socket.destroy();
  }

  resumeReading(): void {
    if (!this.#socket.destroyed) this.#socket.resume();
  }
}
