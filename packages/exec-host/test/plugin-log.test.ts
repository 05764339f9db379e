import { describe, expect, it } from 'vitest';
import type { LogFields, Logger } from '@mesh/daemonapi';
import { PluginLogMapper } from '../src/index.js';

function recorder(): { logger: Logger; lines: Array<[string, string, LogFields | undefined]> } {
  const lines: Array<[string, string, LogFields | undefined]> = [];
  const at =
    (level: string) =>
    (message: string, fields?: LogFields): void => {
      lines.push([level, message, fields]);
    };
  const logger: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: () => logger,
  };
  return { logger, lines };
}

describe('plugin stderr → daemon logger', () => {
  it('maps hclog JSON lines with their level and fields', () => {
    const { logger, lines } = recorder();
    const mapper = new PluginLogMapper(logger);
    mapper.line(
      '{"@level":"warn","@message":"slow peer","@timestamp":"x","@module":"goecho","peer":7}',
    );
    mapper.line('{"@level":"trace","@message":"tick"}');
    expect(lines).toEqual([
      ['warn', 'slow peer', { peer: 7, module: 'goecho' }],
      ['debug', 'tick', {}],
    ]);
  });

  it('reads [LEVEL] prefixes, logs other lines at debug, panics at error, and keeps the last error', () => {
    const { logger, lines } = recorder();
    const mapper = new PluginLogMapper(logger);
    mapper.line('[ERROR] disk full');
    mapper.line('plain text');
    mapper.line('[1, 2]');
    mapper.line('panic: runtime error');
    mapper.line('goroutine 1 [running]:');
    expect(lines.map(([level, message]) => `${level} ${message}`)).toEqual([
      'error disk full',
      'debug plain text',
      'debug [1, 2]',
      'error panic: runtime error',
      'error goroutine 1 [running]:',
    ]);
    expect(mapper.lastError).toBe('goroutine 1 [running]:');
  });
});
