import { describe, expect, it } from 'vitest';
import { WireError, decodeLookupReq, isWireError } from '../src/index.js';

describe('WireError', () => {
  it('carries the mesh-wide brand, a code and retryable', () => {
    let caught: unknown;
    try {
      decodeLookupReq(new Uint8Array(2));
    } catch (err) {
      caught = err;
    }
    expect(isWireError(caught)).toBe(true);
    const err = caught as WireError;
    expect(err.code).toBe('TOO_SHORT');
    expect(err.retryable).toBe(false);
    expect((err as unknown as Record<symbol, unknown>)[Symbol.for('@mesh/error')]).toBe(true);
  });

  it('marks I/O failures retryable and malformed input not', () => {
    expect(new WireError('TIMEOUT', 'x').retryable).toBe(true);
    expect(new WireError('WRITE_FAILED', 'x').retryable).toBe(true);
    expect(new WireError('READ_FAILED', 'x').retryable).toBe(true);
    for (const code of ['TRUNCATED', 'BAD_JSON', 'INVALID', 'OUT_OF_RANGE'] as const)
      expect(new WireError(code, 'x').retryable, code).toBe(false);
  });
});
