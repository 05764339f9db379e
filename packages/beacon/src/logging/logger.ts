/**
 * The structured logger the beacon writes to. Structurally compatible with the loggers the
 * registry and the `mesh-rendezvous` app use, so one instance can be shared.
 */
export interface BeaconLogger {
  /** Fine-grained events (every dropped datagram, every relay miss). */
  debug(message: string, fields?: Readonly<Record<string, unknown>>): void;
  /** Lifecycle events (listening, registered, closed). */
  info(message: string, fields?: Readonly<Record<string, unknown>>): void;
  /** Recoverable problems (registry unreachable, send failures). */
  warn(message: string, fields?: Readonly<Record<string, unknown>>): void;
  /** Failures that stop a part of the beacon. */
  error(message: string, fields?: Readonly<Record<string, unknown>>): void;
}

const noop = (): void => {};

/** A logger that discards everything; the default when no logger is given. */
export const silentLogger: BeaconLogger = Object.freeze({
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
});
