import { MemoryDaemonError } from '../daemon/errors.js';
import { AsyncQueue } from '../util/async-queue.js';
import type { MemoryConnection } from './connection.js';
import type { Connection, Listener, PortAllocator } from '@mesh/daemonapi';

/** First port handed out for `bind(0)` and for the local side of outbound dials. */
export const EPHEMERAL_PORT_START = 49152;

/** A bound in-memory port. */
class MemoryListener implements Listener {
  readonly port: number;
  readonly #queue: AsyncQueue<MemoryConnection>;
  readonly #release: () => void;

  constructor(port: number, release: () => void) {
    this.port = port;
    this.#release = release;
    this.#queue = new AsyncQueue<MemoryConnection>({ onReturn: () => void this.close() });
  }

  /** Queues an inbound connection; `false` when the listener is closed. */
  offer(conn: MemoryConnection): boolean {
    return this.#queue.push(conn);
  }

  /** Ends accepting and closes connections nobody accepted. */
  shut(): void {
    this.#queue.end();
    void this.#drainUnaccepted();
  }

  async #drainUnaccepted(): Promise<void> {
    for await (const conn of this.#queue) conn.close();
  }

  accept(): Promise<Connection | undefined> {
    return this.#queue.next();
  }

  async close(): Promise<void> {
    this.#release();
  }

  [Symbol.asyncIterator](): AsyncIterator<Connection> {
    return this.#queue[Symbol.asyncIterator]();
  }
}

/** The in-memory daemon's port table. */
export class MemoryPortAllocator implements PortAllocator {
  readonly #listeners = new Map<number, MemoryListener>();
  #nextEphemeral = EPHEMERAL_PORT_START;

  /** Ports currently bound, ascending. */
  boundPorts(): number[] {
    return [...this.#listeners.keys()].sort((a, b) => a - b);
  }

  bind(port: number): Listener {
    if (!Number.isInteger(port) || port < 0 || port > 0xffff) {
      throw new MemoryDaemonError('INVALID_PORT', `port ${port} is not in 0..65535`);
    }
    const chosen = port === 0 ? this.ephemeralPort() : port;
    if (this.#listeners.has(chosen))
      throw new MemoryDaemonError('PORT_IN_USE', `port ${chosen} is already bound`);
    const listener = new MemoryListener(chosen, () => this.#release(chosen, listener));
    this.#listeners.set(chosen, listener);
    return listener;
  }

  unbind(port: number): void {
    const listener = this.#listeners.get(port);
    if (listener !== undefined) this.#release(port, listener);
  }

  /** Hands an inbound connection to the listener on `port`; `false` when nothing listens. */
  deliver(port: number, conn: MemoryConnection): boolean {
    return this.#listeners.get(port)?.offer(conn) ?? false;
  }

  /** A free port from the ephemeral range. */
  ephemeralPort(): number {
    for (let i = 0; i <= 0xffff - EPHEMERAL_PORT_START; i++) {
      const port = this.#nextEphemeral;
      this.#nextEphemeral = port >= 0xffff ? EPHEMERAL_PORT_START : port + 1;
      if (!this.#listeners.has(port)) return port;
    }
    throw new MemoryDaemonError('PORT_IN_USE', 'no free ephemeral port');
  }

  /** Unbinds everything (daemon stop). */
  unbindAll(): void {
    for (const port of this.boundPorts()) this.unbind(port);
  }

  #release(port: number, listener: MemoryListener): void {
    if (this.#listeners.get(port) !== listener) return;
    this.#listeners.delete(port);
    listener.shut();
  }
}
