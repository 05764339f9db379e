import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logging/logger.js';

function capture(format: 'text' | 'json', level: 'debug' | 'info' | 'warn' | 'error' = 'info') {
  const lines: string[] = [];
  const logger = createLogger({ level, format, write: (l) => lines.push(l), now: () => 0 });
  return { logger, lines };
}

describe('createLogger', () => {
  it('writes text lines with bare simple values and quoted others', () => {
    const { logger, lines } = capture('text');
    logger.child({ component: 'beacon' }).info('hello', {
      port: 9001,
      ok: true,
      addr: '127.0.0.1:1',
      msg: 'two words',
      err: new Error('boom'),
    });
    expect(lines).toEqual([
      '1970-01-01T00:00:00.000Z INFO  hello component=beacon port=9001 ok=true addr=127.0.0.1:1 msg="two words" err="boom"\n',
    ]);
  });

  it('writes JSON lines', () => {
    const { logger, lines } = capture('json');
    logger.warn('careful', { n: 1 });
    expect(JSON.parse(lines[0])).toEqual({
      time: '1970-01-01T00:00:00.000Z',
      level: 'warn',
      msg: 'careful',
      n: 1,
    });
  });

  it('drops lines below the level', () => {
    const { logger, lines } = capture('json', 'warn');
    logger.debug('a');
    logger.info('b');
    logger.error('c');
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['c']);
  });
});
