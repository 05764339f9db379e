import { afterEach, describe, expect, it } from 'vitest';
import { Beacon, BeaconError, isBeaconError } from '../src/index.js';
import { hostPortOption } from '../src/transport/host-port.js';

const open: Beacon[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((b) => b.close()));
});

describe('options and lifecycle', () => {
  it.each([
    [{ udp: false as const }, 'at least one'],
    [{ beaconId: 0 }, 'beaconId'],
    [{ beaconId: 2 ** 32 }, 'beaconId'],
    [{ udp: { port: 70_000 } }, 'udp.port'],
    [{ ws: { port: 1, path: 'x' } }, 'ws.path'],
    [{ maxNodes: 0 }, 'maxNodes'],
    [{ registerIntervalMs: -1 }, 'registerIntervalMs'],
    [{ registry: { addr: 'no-port' } }, 'host:port'],
    [{ peers: ['127.0.0.1'] }, 'host:port'],
  ])('rejects %j', (options, text) => {
    let error: unknown;
    try {
      new Beacon(options);
    } catch (err) {
      error = err;
    }
    expect(isBeaconError(error)).toBe(true);
    expect((error as BeaconError).code).toBe('invalid-options');
    expect((error as Error).message).toContain(text);
  });

  it('picks a random non-zero beacon id', () => {
    const ids = new Set(Array.from({ length: 20 }, () => new Beacon().beaconId));
    expect(ids.size).toBeGreaterThan(1);
    expect([...ids].every((id) => id > 0 && id <= 0xffffffff)).toBe(true);
  });

  it('fails listen with bind-failed when the port is taken, and cleans up', async () => {
    const first = new Beacon({
      udp: { host: '127.0.0.1', port: 0 },
      ws: { host: '127.0.0.1', port: 0 },
    });
    open.push(first);
    await first.listen();
    const taken = first.address().ws!.port;
    const second = new Beacon({
      udp: { host: '127.0.0.1', port: 0 },
      ws: { host: '127.0.0.1', port: taken },
    });
    await expect(second.listen()).rejects.toMatchObject({ code: 'bind-failed' });
    await second.close();
  });

  it('guards address(), double listen and listen after close', async () => {
    const beacon = new Beacon({ udp: { host: '127.0.0.1', port: 0 } });
    expect(() => beacon.address()).toThrowError(expect.objectContaining({ code: 'not-listening' }));
    await beacon.listen();
    await expect(beacon.listen()).rejects.toMatchObject({ code: 'already-listening' });
    await beacon.close();
    await beacon.close();
    await expect(beacon.listen()).rejects.toMatchObject({ code: 'closed' });
    expect(() => beacon.address()).toThrowError(BeaconError);
  });

  it('splits host:port forms', () => {
    expect(hostPortOption(':9001', '0.0.0.0')).toEqual({ host: '0.0.0.0', port: 9001 });
    expect(hostPortOption('[::1]:80', 'x')).toEqual({ host: '::1', port: 80 });
    expect(hostPortOption('example.org:1', 'x')).toEqual({ host: 'example.org', port: 1 });
    expect(() => hostPortOption('nope', 'x')).toThrow(BeaconError);
    expect(() => hostPortOption('a:99999', 'x')).toThrow(BeaconError);
    // One parser for the repo: an unbracketed IPv6 host is refused with @mesh/protocol's hint.
    expect(() => hostPortOption('::1:80', 'x')).toThrow(/\[::1\]:80/);
  });
});
