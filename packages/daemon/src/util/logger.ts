/** Structured fields attached to a log line. */
export type LogFields = Readonly<Record<string, unknown>>;

/** The logger shape the engine uses (the same as the daemonapi contract's `Logger`). */
export interface Logger {
  /** Diagnostic detail. */
  debug(message: string, fields?: LogFields): void;
  /** Normal operation. */
  info(message: string, fields?: LogFields): void;
  /** Recovered problems. */
  warn(message: string, fields?: LogFields): void;
  /** Failures. */
  error(message: string, fields?: LogFields): void;
  /** A logger for a sub-component. */
  child(component: string): Logger;
}

const ignore = (): void => {};

/** A logger that discards everything (the default). */
export const silentLogger: Logger = Object.freeze({
  debug: ignore,
  info: ignore,
  warn: ignore,
  error: ignore,
  child: (): Logger => silentLogger,
});
