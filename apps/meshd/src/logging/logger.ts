// meshd's logger: levels, text or JSON lines, to a writable (stderr, which `daemon start` sends to the log file).
import type { Logger } from '@mesh/daemonapi';
import type { LogFormat, LogLevel } from '../config/config.js';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Options of {@link createLogger}. */
export interface CreateLoggerOptions {
  /** Lowest level written. */
  readonly level: LogLevel;
  /** `text` (`time level component: message k=v`) or `json` (one object per line). */
  readonly format: LogFormat;
  /** Where lines go. @defaultValue process.stderr */
  readonly write?: (line: string) => void;
  /** Component name of the root logger. */
  readonly component?: string;
}

/** A logger whose level can change at runtime (SIGHUP reload). */
export interface MeshdLogger extends Logger {
  /** Changes the level of this logger and every child. */
  setLevel(level: LogLevel): void;
}

/**
 * Builds the daemon's logger; children share the level.
 * @param options - level, format, sink.
 * @returns the logger.
 */
export function createLogger(options: CreateLoggerOptions): MeshdLogger {
  const state = { level: options.level };
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const make = (component: string): MeshdLogger => {
    const emit = (
      level: LogLevel,
      message: string,
      fields?: Readonly<Record<string, unknown>>,
    ): void => {
      if (RANK[level] < RANK[state.level]) return;
      const time = new Date().toISOString();
      if (options.format === 'json') {
        write(JSON.stringify({ time, level, component, msg: message, ...fields }) + '\n');
      } else {
        const extra = fields
          ? Object.entries(fields)
              .map(
                ([k, v]) =>
                  `${k}=${typeof v === 'string' ? (/\s/.test(v) ? JSON.stringify(v) : v) : JSON.stringify(v)}`,
              )
              .join(' ')
          : '';
        write(
          `${time} ${level.toUpperCase().padEnd(5)} ${component}: ${message}${extra ? ' ' + extra : ''}\n`,
        );
      }
    };
    return {
      debug: (m, f) => emit('debug', m, f),
      info: (m, f) => emit('info', m, f),
      warn: (m, f) => emit('warn', m, f),
      error: (m, f) => emit('error', m, f),
      child: (name) => make(`${component}.${name}`),
      setLevel: (level) => {
        state.level = level;
      },
    };
  };
  return make(options.component ?? 'meshd');
}
