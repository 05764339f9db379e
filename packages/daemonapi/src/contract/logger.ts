/** Structured fields attached to a log line. */
export type LogFields = Readonly<Record<string, unknown>>;

/**
 * The logger the engine injects into plugins (libraries never use the console). `child`
 * returns a logger whose lines carry an extra component name.
 */
export interface Logger {
  /** Diagnostic detail. */
  debug(message: string, fields?: LogFields): void;
  /** Normal operation. */
  info(message: string, fields?: LogFields): void;
  /** Something unexpected that the code recovered from. */
  warn(message: string, fields?: LogFields): void;
  /** A failure. */
  error(message: string, fields?: LogFields): void;
  /** A logger for a sub-component, e.g. `logger.child('handshake')`. */
  child(component: string): Logger;
}

const ignore = (): void => {};

/** A logger that discards everything; the default when the engine gives none. */
export const noopLogger: Logger = Object.freeze({
  debug: ignore,
  info: ignore,
  warn: ignore,
  error: ignore,
  child: (): Logger => noopLogger,
});
