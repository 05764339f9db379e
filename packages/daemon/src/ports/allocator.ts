// Local virtual ports: listeners bind fixed ports, dials and datagrams take ephemeral ports
// round-robin from 49152, skipping ports still in use (reference §B.2).
import { EPHEMERAL_PORT_MAX, EPHEMERAL_PORT_MIN, isValidPort } from '@mesh/protocol';
import { TransportError } from '../transport/errors.js';

/** Counts the users of each local port and hands out ephemeral ports. */
export class PortAllocator {
  private readonly users = new Map<number, number>();
  private readonly listening = new Set<number>();
  private next: number;

  /**
   * @param range - the ephemeral range; defaults to 49152–65535.
   */
  constructor(
    private readonly range: { readonly min: number; readonly max: number } = {
      min: EPHEMERAL_PORT_MIN,
      max: EPHEMERAL_PORT_MAX,
    },
  ) {
    if (!isValidPort(range.min) || !isValidPort(range.max) || range.min > range.max) {
      throw new TransportError(
        'INVALID_PORT',
        `invalid ephemeral range ${range.min}..${range.max}`,
      );
    }
    this.next = range.min;
  }

  /**
   * Takes the next free ephemeral port (round-robin, wrapping) and counts one user on it.
   * @returns the port.
   * @throws TransportError `PORTS_EXHAUSTED` when every ephemeral port is in use.
   */
  allocate(): number {
    const size = this.range.max - this.range.min + 1;
    for (let i = 0; i < size; i++) {
      const port = this.next;
      this.next = port >= this.range.max ? this.range.min : port + 1;
      if (!this.users.has(port) && !this.listening.has(port)) {
        this.users.set(port, 1);
        return port;
      }
    }
    throw new TransportError(
      'PORTS_EXHAUSTED',
      `all ${size} ephemeral ports are in use; close connections or wait for TIME_WAIT to end`,
      { retryable: true },
    );
  }

  /**
   * Takes the next free ephemeral port for a listener (as {@link PortAllocator.bind} would).
   * @returns the port.
   * @throws TransportError `PORTS_EXHAUSTED` when every ephemeral port is in use.
   */
  allocateListening(): number {
    const port = this.allocate();
    this.users.delete(port);
    this.listening.add(port);
    return port;
  }

  /** Counts one more user of `port` (e.g. a connection accepted on a listening port). */
  retain(port: number): void {
    this.users.set(port, (this.users.get(port) ?? 0) + 1);
  }

  /** Drops one user of `port`; the port becomes free when none is left. */
  release(port: number): void {
    const n = this.users.get(port) ?? 0;
    if (n <= 1) this.users.delete(port);
    else this.users.set(port, n - 1);
  }

  /**
   * Marks `port` as listened on.
   * @throws TransportError `INVALID_PORT` for port 0 or a non-port, `PORT_IN_USE` when it is
   *   already listened on.
   */
  bind(port: number): void {
    if (!isValidPort(port) || port === 0) {
      throw new TransportError('INVALID_PORT', `cannot listen on port ${port}: use 1..65535`);
    }
    if (this.listening.has(port)) {
      throw new TransportError('PORT_IN_USE', `port ${port} already has a listener`);
    }
    this.listening.add(port);
  }

  /** Stops listening on `port`. */
  unbind(port: number): void {
    this.listening.delete(port);
  }

  /** Whether `port` has a listener. */
  isListening(port: number): boolean {
    return this.listening.has(port);
  }

  /** Whether `port` is listened on or used by a connection. */
  inUse(port: number): boolean {
    return this.listening.has(port) || this.users.has(port);
  }

  /** Ports with a listener, ascending. */
  listeningPorts(): number[] {
    return [...this.listening].sort((a, b) => a - b);
  }
}
