// The process logger: text or JSON lines on stderr, shared by the registry and the beacon.

/** Log levels, lowest first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Structured logger; structurally what `@mesh/registry` and `@mesh/beacon` accept. */
export interface Logger {
  /** Detail. */
  debug(msg: string, fields?: Readonly<Record<string, unknown>>): void;
  /** Normal operation. */
  info(msg: string, fields?: Readonly<Record<string, unknown>>): void;
  /** Handled problems. */
  warn(msg: string, fields?: Readonly<Record<string, unknown>>): void;
  /** Failures. */
  error(msg: string, fields?: Readonly<Record<string, unknown>>): void;
  /** A logger adding `fields` to every line. */
  child(fields: Readonly<Record<string, unknown>>): Logger;
}

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Lowest level written. */
  readonly level: LogLevel;
  /** `text`: `time level msg key=value…`; `json`: one object per line. */
  readonly format: 'text' | 'json';
  /** Sink for whole lines (newline included). */
  readonly write: (line: string) => void;
  /** Clock. @default Date.now */
  readonly now?: () => number;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Renders a field value for the text format. */
function textValue(value: unknown): string {
  if (value instanceof Error) return JSON.stringify(value.message);
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? 'null';
}

/** Creates the process logger. */
export function createLogger(
  options: LoggerOptions,
  base: Readonly<Record<string, unknown>> = {},
): Logger {
  const min = RANK[options.level];
  const now = options.now ?? Date.now;
  const line = (level: LogLevel, msg: string, fields?: Readonly<Record<string, unknown>>): void => {
    if (RANK[level] < min) return;
    const all = { ...base, ...fields };
    const time = new Date(now()).toISOString();
    if (options.format === 'json') {
      options.write(
        `${JSON.stringify({ time, level, msg, ...all }, (_k, v: unknown) => (v instanceof Error ? v.message : v))}\n`,
      );
      return;
    }
    const pairs = Object.entries(all).map(([k, v]) => ` ${k}=${textValue(v)}`);
    options.write(`${time} ${level.toUpperCase().padEnd(5)} ${msg}${pairs.join('')}\n`);
  };
  return {
    debug: (m, f) => line('debug', m, f),
    info: (m, f) => line('info', m, f),
    warn: (m, f) => line('warn', m, f),
    error: (m, f) => line('error', m, f),
    child: (fields) => createLogger(options, { ...base, ...fields }),
  };
}
