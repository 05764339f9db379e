import { once } from 'node:events';
import { request } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { Beacon } from '../src/index.js';
import { Cleanup, UdpNode, WsNode, frame } from './support/clients.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

async function startBeacon(): Promise<Beacon> {
  const beacon = cleanup.add(
    new Beacon({ udp: { host: '127.0.0.1', port: 0 }, ws: { host: '127.0.0.1', port: 0 } }),
  );
  await beacon.listen();
  return beacon;
}

function httpStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    })
      .on('error', reject)
      .end();
  });
}

describe('beacon over WebSocket', () => {
  it('reports both bound addresses', async () => {
    const beacon = await startBeacon();
    const addr = beacon.address();
    expect(addr.udp).toMatchObject({ address: '127.0.0.1', family: 'IPv4' });
    expect(addr.ws?.url).toBe(`ws://127.0.0.1:${addr.ws!.port}/v1/compat`);
  });

  it('answers Discover with the observed TCP endpoint', async () => {
    const beacon = await startBeacon();
    const w = cleanup.add(await WsNode.open(beacon.address().ws!.url));
    expect(await w.discover(7)).toEqual({
      kind: 'discover-reply',
      endpoint: { address: '127.0.0.1', port: w.localPort },
    });
    expect(beacon.stats()).toMatchObject({ nodes: 1, wsConnections: 1 });
  });

  it('relays WebSocket → UDP and UDP → WebSocket', async () => {
    const beacon = await startBeacon();
    const w = cleanup.add(await WsNode.open(beacon.address().ws!.url));
    const u = cleanup.add(await UdpNode.open(beacon.address().udp!.port));
    await w.discover(100);
    await u.discover(200);
    w.send({ kind: 'relay', sender: 100, dest: 200, frame: frame('ws to udp') });
    expect(await u.next()).toEqual({
      kind: 'relay-deliver',
      sender: 100,
      frame: frame('ws to udp'),
    });
    u.send({ kind: 'relay', sender: 200, dest: 100, frame: frame('udp to ws') });
    expect(await w.next()).toEqual({
      kind: 'relay-deliver',
      sender: 200,
      frame: frame('udp to ws'),
    });
  });

  it('relays between two WebSocket nodes', async () => {
    const beacon = await startBeacon();
    const a = cleanup.add(await WsNode.open(beacon.address().ws!.url));
    const b = cleanup.add(await WsNode.open(beacon.address().ws!.url));
    await a.discover(1);
    await b.discover(2);
    a.send({ kind: 'relay', sender: 1, dest: 2, frame: frame('hi') });
    expect(await b.next()).toEqual({ kind: 'relay-deliver', sender: 1, frame: frame('hi') });
  });

  it('a UDP host cannot speak as a WebSocket node', async () => {
    const beacon = await startBeacon();
    const w = cleanup.add(await WsNode.open(beacon.address().ws!.url));
    const u = cleanup.add(await UdpNode.open(beacon.address().udp!.port));
    const target = cleanup.add(await UdpNode.open(beacon.address().udp!.port));
    await w.discover(1);
    await target.discover(3);
    u.send({ kind: 'relay', sender: 1, dest: 3, frame: frame('forged') });
    w.send({ kind: 'relay', sender: 1, dest: 3, frame: frame('genuine') });
    expect(await target.next()).toEqual({
      kind: 'relay-deliver',
      sender: 1,
      frame: frame('genuine'),
    });
    expect(beacon.stats().relayDropped).toBe(1);
  });

  it('forgets a WebSocket node when its connection closes', async () => {
    const beacon = await startBeacon();
    const w = await WsNode.open(beacon.address().ws!.url);
    await w.discover(9);
    expect(beacon.stats().nodes).toBe(1);
    const closed = new Promise<void>((resolve) => {
      const check = (): void => {
        if (beacon.stats().wsConnections === 0) resolve();
        else setImmediate(check);
      };
      check();
    });
    await w.close();
    await closed;
    expect(beacon.stats().nodes).toBe(0);
  });

  it('ignores text frames and garbage binary frames', async () => {
    const beacon = await startBeacon();
    const w = cleanup.add(await WsNode.open(beacon.address().ws!.url));
    w.sendRaw('{"type":"discover"}', false);
    w.sendRaw(new Uint8Array([0x05, 1]));
    w.sendRaw(new Uint8Array([0xee, 1, 2, 3]));
    w.sendRaw(new Uint8Array(0));
    w.send({ kind: 'punch-request', requester: 1, target: 2 }); // no punching over WebSocket
    expect(await w.discover(4)).toMatchObject({ kind: 'discover-reply' });
    expect(beacon.stats().malformed).toBe(4);
  });

  it('closes a connection that sends an oversized message, and keeps serving others', async () => {
    const beacon = await startBeacon();
    const big = await WsNode.open(beacon.address().ws!.url);
    const closed = new Promise<number>((resolve) => big.ws.once('close', (code) => resolve(code)));
    big.sendRaw(new Uint8Array(200_000));
    expect(await closed).toBe(1009);
    const w = cleanup.add(await WsNode.open(beacon.address().ws!.url));
    expect(await w.discover(4)).toMatchObject({ kind: 'discover-reply' });
  });

  it('closes a connection that never sends Discover', async () => {
    const beacon = cleanup.add(
      new Beacon({ udp: false, ws: { host: '127.0.0.1', port: 0, helloTimeoutMs: 1 } }),
    );
    await beacon.listen();
    const idle = await WsNode.open(beacon.address().ws!.url);
    const [code] = (await once(idle.ws, 'close')) as [number];
    expect(code).toBe(1008);
  });

  it('serves /healthz and refuses upgrades on other paths', async () => {
    const beacon = await startBeacon();
    const { port } = beacon.address().ws!;
    expect(await httpStatus(`http://127.0.0.1:${port}/healthz`)).toBe(200);
    expect(await httpStatus(`http://127.0.0.1:${port}/v1/compat`)).toBe(426);
    const rejected = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/elsewhere`);
      ws.on('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        ws.terminate();
      });
      ws.on('error', () => {});
    });
    expect(rejected).toBe(404);
  });

  it('survives clients that reset a refused upgrade, and keeps serving', async () => {
    const beacon = await startBeacon();
    const { port, url } = beacon.address().ws!;
    for (let i = 0; i < 10; i++) {
      const s = connect(port, '127.0.0.1');
      s.on('error', () => {});
      s.write(
        'GET /elsewhere HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
      // Once the 404 arrives the server has handled the upgrade; a reset now hits its socket.
      await once(s, 'data');
      s.resetAndDestroy();
      await once(s, 'close');
    }
    const w = cleanup.add(await WsNode.open(url));
    expect((await w.discover(9)).kind).toBe('discover-reply');
  });
});
