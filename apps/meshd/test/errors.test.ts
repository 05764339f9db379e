import { describe, expect, it } from 'vitest';
import { engineError } from '../src/ipc/errors.js';

describe('engine errors', () => {
  it('map engine and registry-client codes to stable control-plane codes', () => {
    const coded = (code: string, message = 'x') => Object.assign(new Error(message), { code });
    expect(engineError(coded('DIAL_TIMEOUT'), 'dial').code).toBe('timeout');
    expect(engineError(coded('TRANSPORT'), 'resolve').code).toBe('connection_failed');
    expect(engineError(coded('TIMEOUT'), 'resolve').code).toBe('timeout');
    expect(engineError(coded('CLOSED'), 'resolve').code).toBe('unavailable');
    expect(engineError(coded('REMOTE', 'hostname not found'), 'resolve').code).toBe('not_found');
    const e = engineError(coded('PORT_IN_USE', 'port 7 is in use'), 'listen on 7');
    expect(e).toMatchObject({
      code: 'already_exists',
      message: 'listen on 7: port 7 is in use',
      details: { engine_code: 'PORT_IN_USE' },
    });
    expect(engineError(new Error('boom'), 'op').code).toBe('internal');
  });
});
