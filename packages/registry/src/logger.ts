/** Structured logger injected into the server; fields become JSON properties. */
export interface RegistryLogger {
  /** Debug detail. */
  debug(msg: string, fields?: Record<string, unknown>): void;
  /** Normal operation. */
  info(msg: string, fields?: Record<string, unknown>): void;
  /** Something odd that the server handled. */
  warn(msg: string, fields?: Record<string, unknown>): void;
  /** A failure. */
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** A logger that drops everything (the default). */
export const noopLogger: RegistryLogger = { debug() {}, info() {}, warn() {}, error() {} };

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;

/** Options of {@link createJsonLogger}. */
export interface JsonLoggerOptions {
  /** Lowest level written. @default 'info' */
  readonly level?: keyof typeof LEVELS;
  /** Fields added to every line, e.g. `{ component: 'registry' }`. */
  readonly base?: Record<string, unknown>;
  /** Clock for the `time` field. @default Date.now */
  readonly now?: () => number;
}

/**
 * A logger writing one JSON object per line (`{"time":…,"level":…,"msg":…,…fields}`) to `write`,
 * e.g. `createJsonLogger((line) => process.stderr.write(line))`.
 */
export function createJsonLogger(
  write: (line: string) => void,
  options: JsonLoggerOptions = {},
): RegistryLogger {
  const min = LEVELS[options.level ?? 'info'];
  const now = options.now ?? Date.now;
  const base = options.base ?? {};
  const emit =
    (level: keyof typeof LEVELS) =>
    (msg: string, fields?: Record<string, unknown>): void => {
      if (LEVELS[level] < min) return;
      write(
        `${JSON.stringify({ time: new Date(now()).toISOString(), level, msg, ...base, ...fields })}\n`,
      );
    };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}
