// A listening port with its accept queue (reference §B.4: capacity 64, full → close + RST).
import { EventEmitter } from 'node:events';
import type { Connection, ConnectionOptions } from './connection.js';
import { TransportError } from './errors.js';

/** Options of `transport.listen()`. */
export interface ListenOptions extends ConnectionOptions {
  /** Accepted connections held until `accept()` takes them. @default limits.acceptBacklog (64) */
  readonly backlog?: number;
}

/**
 * Accepts connections on one port. Take them with `await listener.accept()`, with
 * `for await (const conn of listener)`, or with `listener.on('connection', …)` (a 'connection'
 * handler bypasses the queue). When the queue is full a new connection is reset.
 */
export class Listener extends EventEmitter<{ connection: [Connection]; close: [] }> {
  /** The local port. */
  readonly port: number;
  /** @internal Connections accepted on this port and not yet closed (per-port limit). */
  readonly connections = new Set<Connection>();
  private readonly queue: Connection[] = [];
  private readonly waiters: { resolve: (c: Connection) => void; reject: (e: Error) => void }[] = [];
  private _closed = false;

  /** @internal Created by the transport. */
  constructor(
    port: number,
    /** @internal */ readonly options: ListenOptions & { readonly backlog: number },
    private readonly onClose: (l: Listener) => void,
  ) {
    super();
    this.port = port;
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this._closed;
  }

  /** Connections waiting in the accept queue. */
  get queued(): number {
    return this.queue.length;
  }

  /**
   * Waits for the next connection.
   * @throws TransportError `TRANSPORT_CLOSED` once the listener is closed.
   */
  accept(): Promise<Connection> {
    while (this.queue.length > 0) {
      const c = this.queue.shift()!;
      c.off('error', ignoreQueuedError);
      if (!c.destroyed) return Promise.resolve(c); // reset while queued: skip it
    }
    if (this._closed) return Promise.reject(this.closedError());
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** @internal Hands a new connection over; false when the queue is full. */
  offer(conn: Connection): boolean {
    const w = this.waiters.shift();
    if (w !== undefined) {
      w.resolve(conn);
      return true;
    }
    if (this.listenerCount('connection') > 0) {
      this.emit('connection', conn);
      return true;
    }
    if (this.queue.length >= this.options.backlog) return false;
    // Nobody owns a queued connection yet: a peer reset must not become an unhandled 'error'.
    conn.on('error', ignoreQueuedError);
    this.queue.push(conn);
    return true;
  }

  /** Stops listening: pending `accept()` calls reject and queued connections are reset. */
  close(): void {
    if (this._closed) return;
    this._closed = true;
    for (const w of this.waiters.splice(0)) w.reject(this.closedError());
    for (const c of this.queue.splice(0)) c.destroy();
    this.onClose(this);
    this.emit('close');
  }

  /** Iterates accepted connections until the listener closes. */
  async *[Symbol.asyncIterator](): AsyncIterator<Connection> {
    for (;;) {
      try {
        yield await this.accept();
      } catch (err) {
        if (this._closed) return;
        throw err;
      }
    }
  }

  private closedError(): TransportError {
    return new TransportError('TRANSPORT_CLOSED', `listener on port ${this.port} is closed`);
  }
}

/** Swallows the error of a connection reset while it waits in the accept queue. */
function ignoreQueuedError(): void {}
