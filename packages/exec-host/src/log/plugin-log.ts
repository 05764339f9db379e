// Maps a plugin's stderr lines into the daemon's logger, as go-plugin does: hclog JSON
// (`@level`, `@message`, other keys as fields), `[LEVEL]` prefixes, panics at error.
import type { Logger } from '@mesh/daemonapi';

type Level = 'debug' | 'info' | 'warn' | 'error';

const LEVELS: Record<string, Level> = {
  trace: 'debug',
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  warning: 'warn',
  error: 'error',
};

/** Maps stderr lines of one plugin process into `logger`; keeps the last error line. */
export class PluginLogMapper {
  readonly #logger: Logger;
  #panic = false;
  /** The most recent line logged at error level (for status output). */
  lastError: string | undefined;

  /** @param logger - the plugin's logger in the daemon. */
  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** The most recent line of any level. */
  lastLine: string | undefined;

  /** Logs one stderr line. */
  line(text: string): void {
    if (text.trim() === '') return;
    this.lastLine = text;
    if (text.startsWith('{')) {
      try {
        const entry = JSON.parse(text) as Record<string, unknown>;
        const level = LEVELS[String(entry['@level']).toLowerCase()];
        if (level !== undefined && typeof entry['@message'] === 'string') {
          const fields: Record<string, unknown> = {};
          for (const [k, v] of Object.entries(entry)) if (!k.startsWith('@')) fields[k] = v;
          if (typeof entry['@module'] === 'string') fields['module'] = entry['@module'];
          this.#emit(level, entry['@message'], fields);
          return;
        }
      } catch {
        // not JSON after all: logged verbatim below
      }
    }
    if (text.startsWith('panic: ') || text.startsWith('fatal error: ')) this.#panic = true;
    const prefix = /^\[(TRACE|DEBUG|INFO|WARN|ERROR)\]\s*/.exec(text);
    if (prefix !== null) {
      this.#emit(
        LEVELS[(prefix[1] ?? 'debug').toLowerCase()] ?? 'debug',
        text.slice(prefix[0].length),
      );
      return;
    }
    this.#emit(this.#panic ? 'error' : 'debug', text);
  }

  #emit(level: Level, message: string, fields?: Record<string, unknown>): void {
    if (level === 'error') this.lastError = message;
    this.#logger[level](message, fields);
  }
}
