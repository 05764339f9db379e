import { MemoryDaemonError } from '../daemon/errors.js';
import { AsyncQueue } from '../util/async-queue.js';
import type { ConnReadWriter, Connection, ConnectionInfo } from '@mesh/daemonapi';

/**
 * One end of an in-memory stream. Bytes written on one end arrive, copied, in the other end's
 * inbox; closing either end ends both inboxes (a FIN each way), as a clean close does.
 */
export class MemoryConnection implements Connection {
  readonly #info: ConnectionInfo;
  readonly #inbox = new AsyncQueue<Uint8Array>();
  readonly #onClose: (conn: MemoryConnection) => void;
  #peer: MemoryConnection | undefined;
  #closed = false;

  /** Use {@link connectPair}. */
  constructor(info: ConnectionInfo, onClose: (conn: MemoryConnection) => void) {
    this.#info = Object.freeze({ ...info });
    this.#onClose = onClose;
  }

  /** Whether this end is closed. */
  get closed(): boolean {
    return this.#closed;
  }

  info(): ConnectionInfo {
    return this.#info;
  }

  /** Delivers `data` to the other end. */
  write(data: Uint8Array): void {
    if (this.#closed || this.#peer === undefined || this.#peer.#closed) {
      throw new MemoryDaemonError('CONNECTION_CLOSED', 'the connection is closed');
    }
    this.#peer.#inbox.push(data.slice());
  }

  /** The next received chunk; `undefined` after the peer closed. */
  read(): Promise<Uint8Array | undefined> {
    return this.#inbox.next();
  }

  /** Received chunks until the peer closes. */
  chunks(): AsyncIterable<Uint8Array> {
    return this.#inbox;
  }

  /** Closes both ends. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#inbox.end();
    this.#onClose(this);
    this.#peer?.close();
  }

  /** Links two ends. */
  static link(a: MemoryConnection, b: MemoryConnection): void {
    a.#peer = b;
    b.#peer = a;
  }
}

/** Byte-stream adapter over a {@link MemoryConnection}, as `newConnReadWriter` returns. */
export class MemoryConnReadWriter implements ConnReadWriter {
  readonly #conn: MemoryConnection;

  /** Wraps `conn`. */
  constructor(conn: MemoryConnection) {
    this.#conn = conn;
  }

  async write(data: Uint8Array): Promise<void> {
    this.#conn.write(data);
  }

  async close(): Promise<void> {
    this.#conn.close();
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return this.#conn.chunks()[Symbol.asyncIterator]();
  }
}
