// Peers that reset connections mid-stream must never crash the daemon (every accepted
// connection emits 'error' on RST), and ports bound through the contract must not leak.
import { DataType, encodeDataFrame, encodeEventFrame } from '@mesh/protocol';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Connection } from '../src/transport/index.js';
import { nextEvent } from './helpers.js';
import { useDaemonPair } from './harness.js';

const pair = useDaemonPair();

/** Dials `port` on b, waits until b accepted it, sends `data`, then resets from a's side. */
async function resetMidStream(port: number, data: Uint8Array): Promise<void> {
  const accepted = nextEvent(
    pair.b.daemon.bus(),
    'conn.established',
    (e) => e.payload['dst_port'] === port,
  );
  const conn = await pair.a.daemon.dial(pair.b.daemon.addr(), port);
  conn.on('error', () => {});
  await accepted;
  const rst = nextEvent(pair.b.daemon.bus(), 'conn.rst', (e) => e.payload['local_port'] === port);
  conn.write(data);
  conn.destroy(); // sends RST while the service is mid-stream
  await rst;
}

/** The echo service still answers, so b's engine and event loop are alive. */
async function echoStillWorks(): Promise<void> {
  const conn = await pair.a.daemon.dial(pair.b.daemon.addr(), 7);
  const got = new Promise<string>((resolve, reject) => {
    let text = '';
    conn.on('data', (c: Buffer) => (text += c.toString()));
    conn.on('end', () => resolve(text));
    conn.on('error', reject);
  });
  conn.end('still up');
  expect(await got).toBe('still up');
  expect(pair.b.daemon.state).toBe('running');
}

describe('peer resets mid-stream', () => {
  it('echo (7) survives a reset while echoing', async () => {
    await resetMidStream(7, randomBytes(200_000));
    await echoStillWorks();
  });

  it('data exchange (1001) survives a reset inside a frame', async () => {
    const frame = encodeDataFrame({ type: DataType.BINARY, payload: randomBytes(50_000) });
    await resetMidStream(1001, frame.subarray(0, 20_000));
    await echoStillWorks();
  });

  it('event stream (1002) survives a subscriber and a publisher resetting', async () => {
    // A live subscriber keeps receiving while another subscriber and a publisher reset.
    const sub = await pair.a.daemon.dial(pair.b.daemon.addr(), 1002);
    const subscribed = nextEvent(pair.b.daemon.bus(), 'pubsub.subscribed');
    sub.write(encodeEventFrame({ topic: '*', payload: new Uint8Array() }));
    await subscribed;
    await resetMidStream(1002, encodeEventFrame({ topic: '*', payload: new Uint8Array() }));
    const publisher = await pair.a.daemon.dial(pair.b.daemon.addr(), 1002);
    publisher.on('error', () => {});
    const published = nextEvent(pair.b.daemon.bus(), 'pubsub.published');
    const firstChunk = new Promise<Buffer>((resolve) => sub.once('data', resolve));
    publisher.write(encodeEventFrame({ topic: 'hello', payload: new Uint8Array() }));
    publisher.write(encodeEventFrame({ topic: 'news', payload: randomBytes(1000) }));
    await published;
    expect((await firstChunk).length).toBeGreaterThan(1000);
    const rst = nextEvent(pair.b.daemon.bus(), 'conn.rst', (e) => e.payload['local_port'] === 1002);
    publisher.destroy();
    await rst;
    sub.destroy();
    await echoStillWorks();
  });

  it('a connection reset while waiting in an accept queue, and a plugin handle nobody reads', async () => {
    // Nobody calls accept(): the connection sits in the queue when the reset arrives.
    const listener = pair.b.daemon.listen(5100);
    await resetMidStream(5100, randomBytes(1000));
    listener.close();
    // A plugin-style handle (contract ports().bind) that is accepted but never read.
    const bound = pair.b.daemon.ports().bind(0);
    const handle = bound.accept();
    await resetMidStream(bound.port, randomBytes(1000));
    const h = await handle;
    expect(h?.stream.destroyed).toBe(true);
    // Its reader still sees the reset as an error.
    const reader = pair.b.daemon.newConnReadWriter(h!);
    await expect(
      (async () => {
        for await (const _ of reader) void _;
      })(),
    ).rejects.toMatchObject({ code: 'CONNECTION_RESET' });
    await bound.close();
    await echoStillWorks();
  });
});

describe('contract port binding', () => {
  it('bind(0) → close cycles free their ephemeral ports', async () => {
    const ports = pair.b.daemon.transport().ports;
    const seen: number[] = [];
    for (let i = 0; i < 50; i++) {
      const bound = pair.b.daemon.ports().bind(0);
      expect(ports.isListening(bound.port)).toBe(true);
      seen.push(bound.port);
      if (i % 2 === 0) await bound.close();
      else pair.b.daemon.ports().unbind(bound.port);
      expect(ports.inUse(bound.port)).toBe(false);
    }
    expect(new Set(seen).size).toBeGreaterThan(1);
    // A freed port can be listened on again explicitly.
    const again = pair.b.daemon.listen(seen[0]);
    again.close();
    expect(ports.inUse(seen[0])).toBe(false);
  });

  it('a dialled connection with its own error handler sees the remote reset', async () => {
    const listener = pair.b.daemon.listen(5101);
    const accepted = listener.accept();
    const conn: Connection = await pair.a.daemon.dial(pair.b.daemon.addr(), 5101);
    const failed = new Promise<{ code?: string }>((resolve) => conn.on('error', resolve));
    conn.resume();
    (await accepted).destroy();
    expect(await failed).toMatchObject({ code: 'CONNECTION_RESET' });
    listener.close();
  });
});
