import type { Addr } from '@mesh/protocol';
import type { Connection } from '../transport/connection.js';
import type { Listener } from '../transport/listener.js';

/** Endpoint snapshot of a connection (the daemonapi `ConnectionInfo` shape). */
export interface ConnectionEndpoints {
  /** This daemon's address. */
  readonly localAddr: Addr;
  /** Local port. */
  readonly localPort: number;
  /** Remote address. */
  readonly remoteAddr: Addr;
  /** Remote port. */
  readonly remotePort: number;
}

/**
 * The opaque connection handle plugins get (daemonapi `Connection`): it carries the endpoint
 * snapshot and the engine's `Duplex` stream behind it.
 */
export class ConnectionHandle {
  /** The transport connection (a Node `Duplex`). */
  readonly stream: Connection;
  readonly #endpoints: ConnectionEndpoints;

  /**
   * @param stream the transport connection
   * @param localAddr this daemon's address
   */
  constructor(stream: Connection, localAddr: Addr) {
    this.stream = stream;
    // A plugin may hold a handle without reading it: a peer reset must not crash the process.
    // Readers still see the error (the reader/writer's iteration rejects with it).
    stream.on('error', () => {});
    this.#endpoints = Object.freeze({
      localAddr,
      localPort: stream.localPort,
      remoteAddr: stream.remoteAddr,
      remotePort: stream.remotePort,
    });
  }

  /**
   * The endpoints (a value snapshot, valid after close).
   * @returns local and remote address and port
   */
  info(): ConnectionEndpoints {
    return this.#endpoints;
  }
}

/**
 * Byte-stream access to a connection (daemonapi `ConnReadWriter`): async iteration over received
 * chunks (ends at FIN, throws on reset) and writes that resolve once the stream accepted the
 * bytes, so awaiting them applies backpressure.
 */
export class ConnReadWriterAdapter implements AsyncIterable<Uint8Array> {
  readonly #stream: Connection;

  /**
   * @param stream the transport connection
   */
  constructor(stream: Connection) {
    this.#stream = stream;
  }

  /**
   * Queues bytes; resolves when the stream accepted them (after `drain` when its buffer is full).
   * @param data bytes
   */
  write(data: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      const stream = this.#stream;
      if (stream.destroyed || stream.writableEnded) {
        reject(new Error('connection is closed'));
        return;
      }
      stream.write(data, (error) => (error ? reject(error) : resolve()));
    });
  }

  /** Sends FIN after the queued data. Idempotent. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.#stream.writableEnded || this.#stream.destroyed) {
        resolve();
        return;
      }
      this.#stream.end(() => resolve());
    });
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for await (const chunk of this.#stream) yield chunk as Uint8Array;
  }
}

/** A bound port as plugins see it (daemonapi `Listener`), yielding {@link ConnectionHandle}s. */
export class ListenerAdapter implements AsyncIterable<ConnectionHandle> {
  readonly #listener: Listener;
  readonly #localAddr: () => Addr;

  /**
   * @param listener the transport listener
   * @param localAddr this daemon's address
   */
  constructor(listener: Listener, localAddr: () => Addr) {
    this.#listener = listener;
    this.#localAddr = localAddr;
  }

  /** The bound port. */
  get port(): number {
    return this.#listener.port;
  }

  /**
   * The next inbound connection.
   * @returns it, or `undefined` once closed
   */
  async accept(): Promise<ConnectionHandle | undefined> {
    if (this.#listener.closed) return undefined;
    try {
      return new ConnectionHandle(await this.#listener.accept(), this.#localAddr());
    } catch {
      return undefined;
    }
  }

  /** Releases the port. */
  async close(): Promise<void> {
    this.#listener.close();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ConnectionHandle> {
    for (;;) {
      const conn = await this.accept();
      if (conn === undefined) return;
      yield conn;
    }
  }
}
