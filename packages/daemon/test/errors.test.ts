import { errorCode, isMeshError, isRetryable } from '@mesh/daemonapi';
import { describe, expect, it } from 'vitest';
import { DaemonError } from '../src/errors/errors.js';
import { TransportError } from '../src/transport/errors.js';

describe('engine errors', () => {
  it('carry the mesh error brand, a stable code and retryable, across package boundaries', () => {
    const notStarted = new DaemonError('NOT_STARTED', 'the daemon is not started');
    expect(isMeshError(notStarted)).toBe(true);
    expect(errorCode(notStarted)).toBe('NOT_STARTED');
    expect(isRetryable(notStarted)).toBe(false);
    const busy = new TransportError('CONNECTION_LIMIT', 'too many', { retryable: true });
    expect(isMeshError(busy)).toBe(true);
    expect(isRetryable(busy)).toBe(true);
    expect(busy).toMatchObject({ code: 'CONNECTION_LIMIT', retryable: true });
  });
});
