import { ServiceUnavailableError } from '@mesh/daemonapi';
import { describe, expect, it } from 'vitest';
import { engineError, ipcCodeOf } from '../src/ipc/errors.js';

describe('engine errors', () => {
  it('map engine and registry-client codes to stable control-plane codes', () => {
    const coded = (code: string, message = 'x') => Object.assign(new Error(message), { code });
    expect(engineError(coded('DIAL_TIMEOUT'), 'dial').code).toBe('timeout');
    expect(engineError(coded('TRANSPORT'), 'resolve').code).toBe('connection_failed');
    expect(engineError(coded('TIMEOUT'), 'resolve').code).toBe('timeout');
    expect(engineError(coded('CLOSED'), 'resolve').code).toBe('unavailable');
    const e = engineError(coded('PORT_IN_USE', 'port 7 is in use'), 'listen on 7');
    expect(e).toMatchObject({
      code: 'already_exists',
      message: 'listen on 7: port 7 is in use',
      details: { engine_code: 'PORT_IN_USE' },
    });
    expect(engineError(new Error('boom'), 'op').code).toBe('internal');
    // The handshake plugin's service codes.
    expect(engineError(coded('NOT_TRUSTED'), 'revoke 5').code).toBe('not_found');
    expect(engineError(coded('NO_PENDING_REQUEST'), 'approve 5').code).toBe('not_found');
  });

  it('classify input the caller must change as invalid_argument, not internal', () => {
    const coded = (code: string) => Object.assign(new Error('x'), { code });
    expect(ipcCodeOf(coded('PAYLOAD_TOO_LARGE'))).toBe('invalid_argument');
    expect(ipcCodeOf(coded('too-large'))).toBe('invalid_argument');
    expect(ipcCodeOf(coded('INVALID_HOSTNAME'))).toBe('invalid_argument');
    expect(ipcCodeOf(coded('IDENTITY_INSECURE'))).toBe('invalid_argument');
  });

  it("classify a registry refusal by the registry's own code", () => {
    const remote = (remoteCode: string) =>
      Object.assign(new Error('registry: whatever it says'), { code: 'REMOTE', remoteCode });
    expect(ipcCodeOf(remote('NOT_FOUND'))).toBe('not_found');
    expect(ipcCodeOf(remote('CONFLICT'))).toBe('already_exists');
    expect(ipcCodeOf(remote('BAD_REQUEST'))).toBe('invalid_argument');
    expect(ipcCodeOf(Object.assign(new Error('x'), { code: 'REMOTE' }))).toBe('internal');
  });

  it('never read the message text', () => {
    const textOnly = [
      'hostname not found',
      'request timed out',
      'connect ECONNREFUSED 127.0.0.1:9000',
      'no such node',
    ];
    for (const message of textOnly) expect(ipcCodeOf(new Error(message))).toBe('internal');
  });

  it('a missing plugin service is unavailable, with a hint', () => {
    const e = engineError(new ServiceUnavailableError('mesh.webhook'), 'set webhook');
    expect(e).toMatchObject({
      code: 'unavailable',
      details: { engine_code: 'SERVICE_UNAVAILABLE' },
    });
    expect(e.hint).toMatch(/--plugins/);
  });
});
