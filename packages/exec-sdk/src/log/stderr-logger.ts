// A Logger that writes hclog-style JSON lines on stderr, which the host maps into its own logger.
import type { LogFields, Logger } from '@mesh/daemonapi';

type Level = 'debug' | 'info' | 'warn' | 'error';

/**
 * A logger writing one JSON object per line (`@level`, `@message`, `@timestamp`, `@module`,
 * then the fields), the format go-plugin hosts parse.
 * @param module - component name.
 * @param write - where lines go; stderr by default.
 * @returns the logger.
 */
export function stderrLogger(
  module: string,
  write: (line: string) => void = (line) => process.stderr.write(line),
): Logger {
  const emit =
    (level: Level) =>
    (message: string, fields?: LogFields): void => {
      const entry = {
        '@level': level,
        '@message': message,
        '@timestamp': new Date().toISOString(),
        '@module': module,
        ...fields,
      };
      let text: string;
      try {
        text = JSON.stringify(entry);
      } catch {
        text = JSON.stringify({ '@level': level, '@message': message, '@module': module });
      }
      write(text + '\n');
    };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    child: (component) => stderrLogger(`${module}.${component}`, write),
  };
}
