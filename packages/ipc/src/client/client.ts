// The client transport: one socket, many calls in flight, notifications dispatched by name.
import { createConnection } from 'node:net';
import type { Socket } from 'node:net';
import { ErrorCode } from '../errors/codes.js';
import { IpcError } from '../errors/ipc-error.js';
import { LineSplitter } from '../framing/line-splitter.js';
import { RPC_VERSION, classifyMessage } from '../protocol/jsonrpc.js';
import type { JsonRpcResponse } from '../protocol/jsonrpc.js';
import type {
  HelloResult,
  MeshMethodName,
  MeshMethods,
  MeshNotificationName,
  MeshNotifications,
} from '../protocol/methods.js';
import { resolveSocketPath } from '../paths/paths.js';

/** Default call deadline (30 s); `MESH_IPC_TIMEOUT` (milliseconds) overrides it. */
export const DEFAULT_CALL_TIMEOUT_MS = 30_000;
/** Default longest reply line the client accepts (64 MiB). */
export const DEFAULT_CLIENT_MAX_LINE_BYTES = 64 * 1024 * 1024;

/** Options of {@link IpcClient.connect}. */
export interface IpcClientOptions {
  /** Socket path; defaults to flag-less resolution (`MESH_SOCKET`, then `$MESH_HOME/mesh.sock`). */
  readonly socketPath?: string;
  /** Default deadline of every call in ms; 0 disables. @defaultValue `MESH_IPC_TIMEOUT` or 30 000 */
  readonly timeoutMs?: number;
  /** Sent in `rpc.hello`, e.g. `meshctl/0.1.0`. */
  readonly clientName?: string;
  /** Longest reply line accepted. @defaultValue 64 MiB */
  readonly maxLineBytes?: number;
  /**
   * Receives what a notification or close listener threw. Either way the connection keeps
   * reading, so replies that arrived in the same chunk are never lost.
   * @defaultValue rethrow on a fresh microtask (an uncaught exception, as with EventEmitter)
   */
  readonly onListenerError?: (error: unknown) => void;
}

/** Options of one call. */
export interface CallOptions {
  /** Deadline in ms for this call; 0 disables. */
  readonly timeoutMs?: number;
  /** Abandons the call: it rejects with `timeout` and a late reply is dropped. */
  readonly signal?: AbortSignal;
}

interface Pending {
  readonly method: string;
  resolve(value: unknown): void;
  reject(err: IpcError): void;
}

/** The default deadline, from `MESH_IPC_TIMEOUT` when set. */
function envTimeout(): number {
  const raw = process.env['MESH_IPC_TIMEOUT'];
  const n = raw === undefined ? NaN : Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : DEFAULT_CALL_TIMEOUT_MS;
}

/** The error for a socket nobody answers on. */
function notRunning(socketPath: string, cause: unknown): IpcError {
  return new IpcError(ErrorCode.notRunning, `no daemon is running on ${socketPath}`, {
    hint: 'start the daemon with: meshctl daemon start',
    cause,
  });
}

/**
 * A connection to the daemon's IPC socket. Calls carry ids, so any number may be in flight;
 * replies are matched by id, late replies after a deadline are dropped, and notifications are
 * dispatched to listeners by method name.
 */
export class IpcClient {
  readonly #socket: Socket;
  readonly #pending = new Map<number, Pending>();
  readonly #listeners = new Map<string, Set<(params: unknown) => void>>();
  readonly #closeListeners = new Set<(error: IpcError | undefined) => void>();
  readonly #timeoutMs: number;
  readonly socketPath: string;
  #nextId = 1;
  #closed = false;
  #hello: HelloResult | undefined;
  readonly #onListenerError: (error: unknown) => void;

  private constructor(socket: Socket, socketPath: string, options: IpcClientOptions) {
    this.#socket = socket;
    this.socketPath = socketPath;
    this.#timeoutMs = options.timeoutMs ?? envTimeout();
    this.#onListenerError =
      options.onListenerError ??
      ((error) =>
        queueMicrotask(() => {
          throw error;
        }));
    const splitter = new LineSplitter(options.maxLineBytes ?? DEFAULT_CLIENT_MAX_LINE_BYTES);
    socket.on('data', (chunk: Buffer) => {
      for (const ev of splitter.push(chunk)) {
        if (ev.kind === 'line') this.#line(ev.line);
      }
    });
    socket.on('error', () => {});
    socket.on('close', () =>
      this.#shutdown(
        new IpcError(ErrorCode.connectionClosed, 'the daemon closed the IPC connection'),
      ),
    );
  }

  /**
   * Connects and performs the `rpc.hello` version handshake.
   * @param options - socket path, default deadline, client name.
   * @returns a ready client.
   * @throws IpcError `not_running` when nothing listens, `version_mismatch` on a protocol mismatch, `timeout`.
   */
  static async connect(options: IpcClientOptions = {}): Promise<IpcClient> {
    const socketPath = resolveSocketPath(options.socketPath);
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = createConnection(socketPath);
      s.once('connect', () => {
        s.off('error', reject);
        resolve(s);
      });
      s.once('error', (err) => reject(notRunning(socketPath, err)));
    });
    const client = new IpcClient(socket, socketPath, options);
    try {
      client.#hello = await client.call('rpc.hello', {
        rpc_version: RPC_VERSION,
        ...(options.clientName !== undefined ? { client: options.clientName } : {}),
      });
    } catch (err) {
      client.#socket.destroy();
      throw err;
    }
    return client;
  }

  /** The daemon's `rpc.hello` answer (version, pid, method list). */
  get hello(): HelloResult {
    if (!this.#hello)
      throw new IpcError(ErrorCode.handshakeRequired, 'the client is not connected yet');
    return this.#hello;
  }

  /** Whether the connection is closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Calls in flight. */
  get pendingCalls(): number {
    return this.#pending.size;
  }

  /**
   * Calls a built-in method.
   * @param method - method name from {@link MeshMethods}.
   * @param params - its params.
   * @param options - deadline and abort signal.
   * @returns the result.
   * @throws IpcError with the daemon's code, or `timeout` / `connection_closed`.
   */
  call<M extends MeshMethodName | 'rpc.hello'>(
    method: M,
    params: MeshMethods[M]['params'],
    options: CallOptions = {},
  ): Promise<MeshMethods[M]['result']> {
    return this.callRaw(method, params, options) as Promise<MeshMethods[M]['result']>;
  }

  /**
   * Calls any method, including ones a plugin added.
   * @param method - method name.
   * @param params - named params.
   * @param options - deadline and abort signal.
   * @returns the raw result.
   */
  callRaw(method: string, params?: unknown, options: CallOptions = {}): Promise<unknown> {
    if (this.#closed) {
      return Promise.reject(
        new IpcError(ErrorCode.connectionClosed, 'the IPC connection is closed'),
      );
    }
    const id = this.#nextId++;
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    return new Promise<unknown>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const cleanup = (): void => {
        if (timer) clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        this.#pending.delete(id);
      };
      const onAbort = (): void => {
        cleanup();
        reject(
          new IpcError(ErrorCode.timeout, `${method} was aborted`, {
            cause: options.signal?.reason,
          }),
        );
      };
      this.#pending.set(id, {
        method,
        resolve: (v) => {
          cleanup();
          resolve(v);
        },
        reject: (e) => {
          cleanup();
          reject(e);
        },
      });
      if (timeoutMs > 0) {
        timer = setTimeout(() => {
          cleanup();
          reject(
            new IpcError(ErrorCode.timeout, `${method} got no reply within ${timeoutMs} ms`, {
              hint: 'the daemon may be overloaded; check it with: meshctl daemon status',
            }),
          );
        }, timeoutMs);
      }
      if (options.signal) {
        if (options.signal.aborted) return onAbort();
        options.signal.addEventListener('abort', onAbort, { once: true });
      }
      this.#socket.write(
        JSON.stringify({
          jsonrpc: '2.0',
          id,
          method,
          ...(params === undefined ? {} : { params }),
        }) + '\n',
      );
    });
  }

  /**
   * Listens for a notification.
   * @param method - notification name.
   * @param listener - receives its params.
   * @returns a function that removes the listener.
   */
  onNotification<N extends MeshNotificationName>(
    method: N,
    listener: (params: MeshNotifications[N]) => void,
  ): () => void {
    return this.onNotificationRaw(method, listener as (params: unknown) => void);
  }

  /**
   * Listens for any notification, including plugin ones.
   * @param method - notification name.
   * @param listener - receives its params.
   * @returns a function that removes the listener.
   */
  onNotificationRaw(method: string, listener: (params: unknown) => void): () => void {
    let set = this.#listeners.get(method);
    if (!set) this.#listeners.set(method, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  /**
   * Runs `listener` once when the connection closes (with the error when it was unexpected).
   * @param listener - the callback.
   * @returns a function that removes it.
   */
  onClose(listener: (error: IpcError | undefined) => void): () => void {
    if (this.#closed) {
      queueMicrotask(() => listener(undefined));
      return () => {};
    }
    this.#closeListeners.add(listener);
    return () => this.#closeListeners.delete(listener);
  }

  /** Stops reading from the socket (the daemon then stops pushing): backpressure for slow consumers. */
  pauseReading(): void {
    this.#socket.pause();
  }

  /** Resumes reading after {@link pauseReading}. */
  resumeReading(): void {
    this.#socket.resume();
  }

  /**
   * Closes the connection; calls in flight reject with `connection_closed`. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    const gone = new Promise<void>((resolve) => this.#socket.once('close', () => resolve()));
    this.#shutdown(undefined);
    this.#socket.end();
    this.#socket.destroySoon();
    await gone;
  }

  #shutdown(error: IpcError | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    const err = error ?? new IpcError(ErrorCode.connectionClosed, 'the IPC connection was closed');
    for (const p of [...this.#pending.values()]) p.reject(err);
    for (const l of this.#closeListeners) this.#safely(l, error);
    this.#closeListeners.clear();
  }

  #line(line: string): void {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      return;
    }
    const msg = classifyMessage(value);
    if (msg.kind === 'notification') {
      const set = this.#listeners.get(msg.message.method);
      if (set) for (const l of [...set]) this.#safely(l, msg.message.params);
      return;
    }
    if (msg.kind !== 'response') return;
    this.#response(msg.message);
  }

  #safely<T>(listener: (value: T) => void, value: T): void {
    try {
      listener(value);
    } catch (error) {
      this.#onListenerError(error);
    }
  }

  #response(res: JsonRpcResponse): void {
    if (typeof res.id !== 'number') return;
    const pending = this.#pending.get(res.id);
    if (!pending) return; // late reply after a deadline or abort
    if ('error' in res) pending.reject(IpcError.fromJsonRpc(res.error));
    else pending.resolve(res.result);
  }
}

/**
 * One request over a fresh connection (the seed's `Call` helper): connect, hello, call, close.
 * @param method - method name.
 * @param params - named params.
 * @param options - socket path and deadline.
 * @returns the result.
 */
export async function callOnce<M extends MeshMethodName>(
  method: M,
  params: MeshMethods[M]['params'],
  options: IpcClientOptions = {},
): Promise<MeshMethods[M]['result']> {
  const client = await IpcClient.connect(options);
  try {
    return await client.call(method, params);
  } finally {
    await client.close();
  }
}
