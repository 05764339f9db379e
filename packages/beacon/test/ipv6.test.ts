import { createSocket } from 'node:dgram';
import { PADDED_DISCOVER_SIZE, decodeBeaconMessage, encodeBeaconMessage } from '@mesh/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { Beacon } from '../src/index.js';

const open: { close(): unknown }[] = [];
afterEach(async () => {
  while (open.length > 0) await open.pop()!.close();
});

/** True when this host can bind UDP on ::1 (some CI containers have no IPv6). */
async function hasIPv6Loopback(): Promise<boolean> {
  const s = createSocket('udp6');
  return new Promise((resolve) => {
    s.once('error', () => resolve(false));
    s.bind(0, '::1', () => {
      s.close();
      resolve(true);
    });
  });
}

async function discoverFrom(
  type: 'udp4' | 'udp6',
  host: string,
  beaconPort: number,
  beaconHost: string,
): Promise<{ reply: Uint8Array; port: number }> {
  const s = createSocket(type);
  open.push({ close: () => new Promise<void>((resolve) => s.close(() => resolve())) });
  await new Promise<void>((resolve) => s.bind(0, host, resolve));
  const reply = new Promise<Uint8Array>((resolve) =>
    s.once('message', (m) => resolve(new Uint8Array(m))),
  );
  s.send(
    encodeBeaconMessage({ kind: 'discover', node: 1, padTo: PADDED_DISCOVER_SIZE }),
    beaconPort,
    beaconHost,
  );
  return { reply: await reply, port: s.address().port };
}

describe.runIf(await hasIPv6Loopback())('beacon over IPv6', () => {
  it('answers an IPv6 client with a 16-byte endpoint', async () => {
    const beacon = new Beacon({ udp: { host: '::1', port: 0 } });
    open.push(beacon);
    await beacon.listen();
    const { reply, port } = await discoverFrom('udp6', '::1', beacon.address().udp!.port, '::1');
    expect(reply[1]).toBe(16);
    expect(decodeBeaconMessage(reply)).toEqual({
      kind: 'discover-reply',
      endpoint: { address: '::1', port },
    });
  });

  it('answers an IPv4 client of a dual-stack socket with a 4-byte endpoint', async () => {
    const beacon = new Beacon({ udp: { host: '::', port: 0 } });
    open.push(beacon);
    await beacon.listen();
    const { reply, port } = await discoverFrom(
      'udp4',
      '127.0.0.1',
      beacon.address().udp!.port,
      '127.0.0.1',
    );
    expect([...reply]).toEqual([0x02, 4, 127, 0, 0, 1, port >> 8, port & 0xff]);
  });
});
