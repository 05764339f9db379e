import type { LogFields, Logger } from '@mesh/daemonapi';

/** One captured log line. */
export interface LogEntry {
  /** Severity. */
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  /** Component path, e.g. `daemon/echo`; empty at the root. */
  readonly component: string;
  /** The message. */
  readonly message: string;
  /** Structured fields, if any. */
  readonly fields: LogFields | undefined;
}

/** A {@link Logger} that keeps every line in `entries` (shared with its children). */
export interface RecordingLogger extends Logger {
  /** Everything logged through this logger and its children, in order. */
  readonly entries: LogEntry[];
}

/** Creates a {@link RecordingLogger}. */
export function createRecordingLogger(component = '', entries: LogEntry[] = []): RecordingLogger {
  const log =
    (level: LogEntry['level']) =>
    (message: string, fields?: LogFields): void => {
      entries.push({ level, component, message, fields });
    };
  return {
    entries,
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: (name) =>
      createRecordingLogger(component === '' ? name : `${component}/${name}`, entries),
  };
}
