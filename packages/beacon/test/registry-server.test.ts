// The beacon against the real @mesh/registry server over TCP on loopback.
import { once } from 'node:events';
import { startRegistry } from '@mesh/registry';
import type { RegistryServer } from '@mesh/registry';
import { RegistryClient } from '@mesh/registry-client';
import { afterEach, describe, expect, it } from 'vitest';
import { Beacon } from '../src/index.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  while (open.length > 0) await open.pop()!.close();
});

let clock = Date.UTC(2026, 0, 1);

async function registry(adminToken: string): Promise<{ server: RegistryServer; addr: string }> {
  const server = await startRegistry({ host: '127.0.0.1', port: 0, adminToken, now: () => clock });
  open.push(server);
  return { server, addr: `127.0.0.1:${server.address().port}` };
}

function client(addr: string): RegistryClient {
  const c = new RegistryClient({ port: Number(addr.split(':')[1]), mode: 'json' });
  open.push(c);
  return c;
}

describe('beacon ↔ registry', () => {
  it('registers, expires after 60 s, and comes back on the next registration', async () => {
    const { addr } = await registry('secret');
    const beacon = new Beacon({
      udp: { host: '127.0.0.1', port: 0 },
      beaconId: 4242,
      registry: { addr, adminToken: 'secret' },
    });
    open.push(beacon);
    const registered = once(beacon, 'registered');
    await beacon.listen();
    await registered;
    const c = client(addr);
    const own = `127.0.0.1:${beacon.address().udp!.port}`;
    expect(await c.beaconList()).toEqual([{ id: 4242, addr: own }]);

    clock += 61_000;
    expect(await c.beaconList()).toEqual([]);

    await beacon.registerNow(); // what the 30 s timer does
    expect(await c.beaconList()).toEqual([{ id: 4242, addr: own }]);
  });

  it('reports a refused registration (wrong admin token) and keeps running', async () => {
    const { addr } = await registry('secret');
    const beacon = new Beacon({
      udp: { host: '127.0.0.1', port: 0 },
      registry: { addr, adminToken: 'wrong' },
    });
    open.push(beacon);
    const failed = once(beacon, 'registerFailed');
    await beacon.listen();
    const [error] = (await failed) as [Error];
    expect(error.message).toMatch(/admin/);
    expect(await client(addr).beaconList()).toEqual([]);
    expect(beacon.address().udp).not.toBeNull();
  });
});
