import { afterEach, describe, expect, it } from 'vitest';
import { Beacon } from '../src/index.js';
import { Cleanup, UdpNode, frame } from './support/clients.js';
import { PADDED_DISCOVER_SIZE, PADDED_PUNCH_REQUEST_SIZE } from '@mesh/protocol';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

async function startBeacon(options: ConstructorParameters<typeof Beacon>[0] = {}): Promise<Beacon> {
  const beacon = cleanup.add(new Beacon({ udp: { host: '127.0.0.1', port: 0 }, ...options }));
  await beacon.listen();
  return beacon;
}

async function node(beacon: Beacon): Promise<UdpNode> {
  return cleanup.add(await UdpNode.open(beacon.address().udp!.port));
}

describe('beacon over UDP', () => {
  it('answers Discover with the observed endpoint', async () => {
    const beacon = await startBeacon();
    const a = await node(beacon);
    const reply = await a.discover(42);
    expect(reply).toEqual({
      kind: 'discover-reply',
      endpoint: { address: '127.0.0.1', port: a.port },
    });
    // The reply bytes are the documented layout: 02, ip len 4, 127.0.0.1, port BE.
    a.send({ kind: 'discover', node: 42, padTo: PADDED_DISCOVER_SIZE });
    const raw = await a.nextRaw();
    expect([...raw]).toEqual([0x02, 4, 127, 0, 0, 1, a.port >> 8, a.port & 0xff]);
    expect(beacon.stats().nodes).toBe(1);
  });

  it('answers an anonymous Discover (node 0) without remembering it', async () => {
    const beacon = await startBeacon();
    const a = await node(beacon);
    expect(await a.discover(0)).toMatchObject({ kind: 'discover-reply' });
    expect(beacon.stats().nodes).toBe(0);
  });

  it('sends a PunchCommand to both sides of a PunchRequest', async () => {
    const beacon = await startBeacon();
    const a = await node(beacon);
    const b = await node(beacon);
    await a.discover(1);
    await b.discover(2);
    a.send({ kind: 'punch-request', requester: 1, target: 2, padTo: PADDED_PUNCH_REQUEST_SIZE });
    expect(await a.next()).toEqual({
      kind: 'punch-command',
      endpoint: { address: '127.0.0.1', port: b.port },
    });
    expect(await b.next()).toEqual({
      kind: 'punch-command',
      endpoint: { address: '127.0.0.1', port: a.port },
    });
    expect(beacon.stats().punches).toBe(1);
  });

  it('punch request updates the requester endpoint (NAT rebinding)', async () => {
    const beacon = await startBeacon();
    const oldA = await node(beacon);
    const a = await node(beacon);
    const b = await node(beacon);
    await oldA.discover(1);
    await b.discover(2);
    // Node 1 shows up from a new port: the punch must point node 2 at the new one.
    a.send({ kind: 'punch-request', requester: 1, target: 2, padTo: PADDED_PUNCH_REQUEST_SIZE });
    expect(await b.next()).toMatchObject({ endpoint: { port: a.port } });
    expect(await a.next()).toMatchObject({ endpoint: { port: b.port } });
  });

  it('relays frames both ways between two UDP nodes', async () => {
    const beacon = await startBeacon();
    const a = await node(beacon);
    const b = await node(beacon);
    await a.discover(10);
    await b.discover(20);
    a.send({ kind: 'relay', sender: 10, dest: 20, frame: frame('hello b') });
    expect(await b.next()).toEqual({ kind: 'relay-deliver', sender: 10, frame: frame('hello b') });
    b.send({ kind: 'relay', sender: 20, dest: 10, frame: frame('hello a') });
    expect(await a.next()).toEqual({ kind: 'relay-deliver', sender: 20, frame: frame('hello a') });
    expect(beacon.stats().relayed).toBe(2);
  });

  it('drops a relay whose sender id is bound to another endpoint', async () => {
    const beacon = await startBeacon();
    const a = await node(beacon);
    const b = await node(beacon);
    const mallory = await node(beacon);
    await a.discover(10);
    await b.discover(20);
    mallory.send({ kind: 'relay', sender: 10, dest: 20, frame: frame('forged') });
    a.send({ kind: 'relay', sender: 10, dest: 20, frame: frame('genuine') });
    // Datagrams on loopback are handled in order: the first delivery must be the genuine one.
    expect(await b.next()).toEqual({ kind: 'relay-deliver', sender: 10, frame: frame('genuine') });
    expect(beacon.stats().relayDropped).toBe(1);
  });

  it('can be told not to check relay senders', async () => {
    const beacon = await startBeacon({ verifyRelaySender: false });
    const a = await node(beacon);
    const b = await node(beacon);
    const other = await node(beacon);
    await a.discover(10);
    await b.discover(20);
    other.send({ kind: 'relay', sender: 10, dest: 20, frame: frame('x') });
    expect(await b.next()).toEqual({ kind: 'relay-deliver', sender: 10, frame: frame('x') });
  });

  it('drops relays to unknown nodes and keeps serving', async () => {
    const beacon = await startBeacon();
    const a = await node(beacon);
    await a.discover(10);
    a.send({ kind: 'relay', sender: 10, dest: 999, frame: frame('nobody') });
    a.send({ kind: 'relay', sender: 10, dest: 10, frame: frame('self') });
    expect(await a.next()).toEqual({ kind: 'relay-deliver', sender: 10, frame: frame('self') });
    expect(beacon.stats().relayDropped).toBe(1);
  });

  it('ignores garbage datagrams without crashing', async () => {
    const beacon = await startBeacon();
    const a = await node(beacon);
    const garbage = [
      new Uint8Array([0x01]), // truncated discover
      new Uint8Array([0x03, 0, 0, 0, 1]), // truncated punch request
      new Uint8Array([0x05, 0, 0, 0, 1, 0, 0]), // truncated relay
      new Uint8Array([0x07, 0, 0, 0, 1, 0xff, 0xff]), // sync claiming 65535 nodes
      new Uint8Array([0x02, 4, 1, 2, 3, 4, 0, 80]), // discover reply is beacon → node only
      new Uint8Array([0x06, 0, 0, 0, 1, 9]), // relay deliver is beacon → node only
      new Uint8Array([0x04, 7, 1, 2]), // punch command with a bad IP length
      new Uint8Array([0x0f, 1, 2, 3]), // unknown type
      new Uint8Array([0xff, 0xfe, 0xfd, 0xfc, 0xfb]),
      new TextEncoder().encode('PILTnot-a-beacon-message'),
      crypto.getRandomValues(new Uint8Array(1200)).map((b, i) => (i === 0 ? 0x09 : b)),
    ];
    // An empty datagram too: some stacks deliver it, it must not crash the handler.
    a.sendRaw(new Uint8Array(0));
    for (const g of garbage) a.sendRaw(g);
    expect(await a.discover(5)).toMatchObject({ kind: 'discover-reply' });
    expect(beacon.stats().malformed).toBeGreaterThanOrEqual(garbage.length);
    expect(beacon.stats().nodes).toBe(1);
  });
});
