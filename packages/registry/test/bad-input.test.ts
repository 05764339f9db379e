import { afterEach, describe, expect, it } from 'vitest';
import type { RegistryServer } from '../src/index.js';
import { once } from 'node:events';
import { connect } from 'node:net';
import { Harness, RawSocket, binaryFrame, jsonMessage } from './helpers.js';

const h = new Harness();
afterEach(() => h.close());

async function stillServes(server: RegistryServer): Promise<void> {
  const a = await h.node(server);
  expect((await a.client.heartbeat()).time).toBeGreaterThan(0);
  expect((await h.client(server, { mode: 'json' }).lookup(a.nodeId)).nodeId).toBe(a.nodeId);
}

describe('bad input closes only the offending connection', () => {
  it('garbage bytes: error message, then close', async () => {
    const server = await h.server();
    const sock = await h.raw(server);
    sock.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    const err = JSON.parse((await sock.readUnit()).toString());
    expect(err).toEqual({
      type: 'error',
      error: expect.stringMatching(/too large/),
      code: 'LIMIT',
    });
    await sock.untilClosed();
    await stillServes(server);
  });

  it('a 2 GiB length prefix is refused before allocating, in both modes', async () => {
    const server = await h.server();
    const json = await h.raw(server);
    json.write(Buffer.from([0x80, 0x00, 0x00, 0x00, 1, 2, 3]));
    expect(JSON.parse((await json.readUnit()).toString()).error).toMatch(
      /message too large: 2147483648 bytes/,
    );
    await json.untilClosed();

    const bin = await h.raw(server);
    bin.write(Buffer.from([0x50, 0x49, 0x4c, 0x54, 0x01, 0x80, 0x00, 0x00, 0x00, 0x02]));
    const frame = await bin.readUnit();
    expect(frame[0]).toBe(0xff);
    expect(frame.subarray(3).toString()).toMatch(/too large/);
    await bin.untilClosed();
    await stillServes(server);
  });

  it('zero length, bad version, invalid JSON, non-object JSON and unknown types', async () => {
    const server = await h.server();
    const zero = await h.raw(server);
    zero.write(Buffer.alloc(4));
    expect(JSON.parse((await zero.readUnit()).toString())).toMatchObject({
      error: expect.stringMatching(/too short/),
      code: 'BAD_REQUEST',
    });
    await zero.untilClosed();

    const version = await h.raw(server);
    version.write(Buffer.from([0x50, 0x49, 0x4c, 0x54, 0x09]));
    expect((await version.readUnit()).subarray(3).toString()).toMatch(
      /unsupported binary protocol version 9/,
    );
    await version.untilClosed();

    // Framing is intact here, so the connection stays usable after each error.
    const json = await h.raw(server);
    const bad = Buffer.from('{not json');
    const head = Buffer.alloc(4);
    head.writeUInt32BE(bad.length);
    json.write(Buffer.concat([head, bad]));
    // `code` is additive: `type` and `error` are what the Go client reads.
    expect(JSON.parse((await json.readUnit()).toString())).toEqual({
      type: 'error',
      error: 'invalid JSON',
      code: 'BAD_REQUEST',
    });
    json.write(jsonMessage([1, 2]));
    expect(JSON.parse((await json.readUnit()).toString())).toMatchObject({
      error: expect.stringMatching(/JSON object/),
      code: 'BAD_REQUEST',
    });
    json.write(jsonMessage({ type: 'frobnicate' }));
    expect(JSON.parse((await json.readUnit()).toString())).toEqual({
      type: 'error',
      error: 'unknown message type "frobnicate"',
      code: 'UNKNOWN_TYPE',
    });
    json.write(jsonMessage({ type: 'lookup', node_id: -1 }));
    expect(JSON.parse((await json.readUnit()).toString())).toEqual({
      type: 'error',
      error: 'missing or invalid node_id',
      code: 'BAD_REQUEST',
    });
    json.write(jsonMessage({ type: 'lookup', node_id: 999 }));
    expect(JSON.parse((await json.readUnit()).toString())).toMatchObject({ code: 'NOT_FOUND' });

    const bin = await h.raw(server);
    bin.write(Buffer.from([0x50, 0x49, 0x4c, 0x54, 0x01]));
    bin.write(binaryFrame(0x42, Buffer.alloc(3)));
    // Binary error frames stay `[0xFF][2B len][message]`, byte for byte: no code appended.
    const unknown = 'unknown binary message type 0x42';
    expect(await bin.readUnit()).toEqual(
      Buffer.concat([Buffer.from([0xff, 0, unknown.length]), Buffer.from(unknown)]),
    );
    bin.write(binaryFrame(0x01, Buffer.alloc(10)));
    const short = await bin.readUnit();
    expect(short[0]).toBe(0xff);
    bin.write(binaryFrame(0x02, Buffer.from([0, 0, 0, 1])));
    expect((await bin.readUnit())[0]).toBe(0xff); // node 1 not found, connection still alive
    await stillServes(server);
  });

  it('a truncated frame followed by a half-close, and a silent half-open connection', async () => {
    const server = await h.server({ idleTimeoutMs: 300 });
    const trunc = await h.raw(server);
    trunc.write(Buffer.from([0, 0, 0, 50, 0x7b]));
    trunc.socket.end();
    await trunc.untilClosed();

    const silent = await h.raw(server);
    silent.write(Buffer.from([0x50, 0x49, 0x4c, 0x54, 0x01, 0, 0, 0, 9, 0x02]));
    // The idle deadline closes it; meanwhile other clients are served.
    await stillServes(server);
    await silent.untilClosed();
  });

  it('a client that never reads is dropped at the write deadline while others are served', async () => {
    let dropped!: () => void;
    const droppedAt = new Promise<void>((resolve) => (dropped = resolve));
    const logger = {
      debug() {},
      info() {},
      error() {},
      warn(_msg: string, fields?: Record<string, unknown>) {
        if (fields?.['reason'] === 'write deadline exceeded') dropped();
      },
    };
    const server = await h.server({ writeDeadlineMs: 300, logger });
    const a = await h.node(server, { hostname: 'x'.repeat(60) });
    const slow = await h.raw(server);
    slow.socket.pause();
    const lookup = Buffer.from([0, 0, 0, 5, 0x02, 0, 0, 0, a.nodeId]);
    const burst = Buffer.concat([
      Buffer.from([0x50, 0x49, 0x4c, 0x54, 0x01]),
      ...Array.from({ length: 60_000 }, () => lookup),
    ]);
    slow.socket.write(burst);
    await stillServes(server);
    await droppedAt;
    // Once the slow client finally reads, it finds the connection gone.
    slow.socket.resume();
    await slow.untilClosed();
    await stillServes(server);
  });
});

describe('buffered input budget', () => {
  it('sheds the connection holding the most unfinished input; others keep being served', async () => {
    const server = await h.server({ maxBufferedBytes: 1000 });
    const small = await h.raw(server);
    const big = await h.raw(server);
    // Both announce frames they never finish; together they exceed the budget.
    small.write(Buffer.concat([Buffer.from([0, 0, 0x10, 0]), Buffer.alloc(300, 0x20)]));
    await stillServes(server); // ordering: the small prefix is buffered before big sends
    big.write(Buffer.concat([Buffer.from([0, 0, 0x10, 0]), Buffer.alloc(800, 0x20)]));
    expect(JSON.parse((await big.readUnit()).toString()).error).toMatch(/server busy/);
    await big.untilClosed();
    expect(small.closed).toBe(false);
    // The small one can still finish its request (4096 bytes of JSON whitespace + an object).
    const rest = Buffer.alloc(0x1000 - 300, 0x20);
    rest.write('{"type":"beacon_list"}', rest.length - 22);
    small.write(rest);
    expect(JSON.parse((await small.readUnit()).toString())).toEqual({
      type: 'beacon_list_ok',
      beacons: [],
    });
    await stillServes(server);
  });

  it('a client that never closes its side after an error is closed at the write deadline', async () => {
    let dropped!: () => void;
    const droppedAt = new Promise<void>((resolve) => (dropped = resolve));
    const logger = {
      debug() {},
      info() {},
      error() {},
      warn(_msg: string, fields?: Record<string, unknown>) {
        if (fields?.['reason'] === 'no close after the error response') dropped();
      },
    };
    const server = await h.server({ writeDeadlineMs: 200, idleTimeoutMs: 600_000, logger });
    const socket = connect({ host: '127.0.0.1', port: server.address().port, allowHalfOpen: true });
    h.sockets.push(socket);
    await once(socket, 'connect');
    const raw = new RawSocket(socket);
    raw.write(Buffer.alloc(4)); // zero length: error, then the server half-closes
    expect(JSON.parse((await raw.readUnit()).toString()).error).toMatch(/too short/);
    // This client never ends its side; the server must not wait for the 10-minute idle timeout.
    await droppedAt;
    // The socket was destroyed; its close event follows within a few event-loop turns.
    while (server.stats().connections > 0) await new Promise((r) => setImmediate(r));
    expect(raw.closed).toBe(false); // the server did not wait for the client
  });
});

describe('connection caps', () => {
  it('refuses connections over the total cap', async () => {
    const server = await h.server({ maxConnections: 1 });
    const one = await h.raw(server);
    const two = await h.raw(server);
    await two.untilClosed();
    expect(one.closed).toBe(false);
    one.write(jsonMessage({ type: 'beacon_list' }));
    expect(JSON.parse((await one.readUnit()).toString())['type']).toBe('beacon_list_ok');
  });

  it('refuses connections over the per-IP cap and accepts again once one closes', async () => {
    const server = await h.server({ maxConnectionsPerIp: 2 });
    const one = await h.raw(server);
    const two = await h.raw(server);
    const three = await h.raw(server);
    await three.untilClosed();
    one.socket.destroy();
    await one.untilClosed();
    // The slot frees when the server sees the close; a fresh client gets in (its reconnect absorbs the race).
    const c = h.client(server, { reconnect: { attempts: 20, initialDelayMs: 5, maxDelayMs: 20 } });
    expect(await c.beaconList()).toEqual([]);
    expect(two.closed).toBe(false);
  });
});
