import { describe, expect, it } from 'vitest';
import { isMeshError } from '@mesh/daemonapi';
import {
  SyncCallUnsupportedError,
  fromServiceError,
  stderrLogger,
  toServiceError,
} from '../src/index.js';

describe('stderrLogger', () => {
  it('writes hclog-style JSON lines with the fields and the module', () => {
    const lines: string[] = [];
    stderrLogger('greeter', (l) => lines.push(l))
      .child('net')
      .warn('slow', { ms: 12 });
    expect(lines).toHaveLength(1);
    expect(lines[0]?.endsWith('\n')).toBe(true);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({
      '@level': 'warn',
      '@message': 'slow',
      '@module': 'greeter.net',
      ms: 12,
    });
  });
});

describe('errors across the boundary', () => {
  it('keep their code and retryable flag through a gRPC status', () => {
    const sent = toServiceError(
      Object.assign(new Error('busy'), { code: 'ECHO_BUSY', retryable: true }),
    );
    const received = fromServiceError(sent);
    expect(received).toMatchObject({ code: 'ECHO_BUSY', retryable: true, message: 'busy' });
    expect(isMeshError(received)).toBe(true);
  });

  it('name what to use instead of a synchronous call', () => {
    const e = new SyncCallUnsupportedError('sign', 'RemoteDaemon.signAsync');
    expect(e.code).toBe('REMOTE_SYNC_UNSUPPORTED');
    expect(e.message).toContain('signAsync');
  });
});
