// Input a caller must change fails with a typed code the control plane maps to invalid_argument.
import { afterEach, describe, expect, it } from 'vitest';
import { Daemon } from '../src/daemon/daemon.js';
import { validateHostname } from '../src/daemon/hostname.js';
import { TransportError } from '../src/transport/index.js';
import { Harness } from './transport-harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.closeAll();
  h = undefined;
});

describe('typed input errors', () => {
  it('a datagram over 65535 bytes is PAYLOAD_TOO_LARGE', async () => {
    h = new Harness();
    const [a, b] = await h.pair();
    let err: unknown;
    try {
      a.transport.sendDatagram(b.addr, 5000, new Uint8Array(65_536));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TransportError);
    expect(err).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });

  it('an invalid hostname is INVALID_HOSTNAME, with the rule in the message', async () => {
    expect(() => validateHostname('Bad_Name')).toThrow(
      /lowercase letters, digits and inner hyphens/,
    );
    expect(() => validateHostname('localhost')).toThrow(/reserved/);
    expect(() => validateHostname('')).not.toThrow();
    expect(() => validateHostname('a-1')).not.toThrow();
    const daemon = new Daemon({
      registry: '127.0.0.1:1',
      listen: '127.0.0.1:0',
      loadPlugins: false,
    });
    await expect(daemon.setHostname('Bad_Name')).rejects.toMatchObject({
      code: 'INVALID_HOSTNAME',
    });
    const starting = new Daemon({
      registry: '127.0.0.1:1',
      listen: '127.0.0.1:0',
      loadPlugins: false,
      hostname: 'Bad_Name',
    });
    await expect(starting.start()).rejects.toMatchObject({ code: 'INVALID_HOSTNAME' });
    await starting.stop();
  });
});
