import { describe, expect, it } from 'vitest';
import { ProtocolError, decodePacket, isProtocolError } from '../src/index.js';

describe('ProtocolError', () => {
  it('carries a stable code, a name and the cause', () => {
    const cause = new Error('inner');
    const err = new ProtocolError('truncated', 'short', { cause });
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('ProtocolError');
    expect(ProtocolError.name).toBe('ProtocolError');
    expect(err.code).toBe('truncated');
    expect(err.cause).toBe(cause);
  });

  it('is recognised without instanceof', () => {
    let caught: unknown;
    try {
      decodePacket(new Uint8Array(3));
    } catch (err) {
      caught = err;
    }
    expect(isProtocolError(caught)).toBe(true);
    expect(isProtocolError({ ...(caught as object), name: 'ProtocolError' })).toBe(false);
    expect(isProtocolError(new Error('x'))).toBe(false);
  });
});
