import { createSocket, type Socket } from 'node:dgram';
import { expect } from 'vitest';
import type { Daemon } from '../src/daemon/daemon.js';
import type { BusEvent, EventBus } from '../src/events/event-bus.js';
import type { Connection } from '../src/transport/index.js';

/** Resolves with the next event on `bus` matching `pattern` (and `pred`). */
export function nextEvent(
  bus: EventBus,
  pattern: string,
  pred: (e: BusEvent) => boolean = () => true,
): Promise<BusEvent> {
  return new Promise((resolve) => {
    const off = bus.on(pattern, (e) => {
      if (!pred(e)) return;
      off();
      resolve(e);
    });
  });
}

/** A UDP socket on loopback that records what it receives. */
export async function udpSocket(): Promise<{
  socket: Socket;
  port: number;
  next(): Promise<{ msg: Buffer; port: number }>;
  close(): Promise<void>;
}> {
  const socket = createSocket('udp4');
  const queue: { msg: Buffer; port: number }[] = [];
  const waiters: ((v: { msg: Buffer; port: number }) => void)[] = [];
  socket.on('message', (msg, rinfo) => {
    const item = { msg, port: rinfo.port };
    const w = waiters.shift();
    if (w) w(item);
    else queue.push(item);
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  return {
    socket,
    port: socket.address().port,
    next: () => {
      const item = queue.shift();
      if (item) return Promise.resolve(item);
      return new Promise((r) => waiters.push(r));
    },
    close: () => new Promise<void>((r) => socket.close(() => r())),
  };
}

/** Mulberry32: a small seeded PRNG (deterministic loss patterns and payloads). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Writes to a connection whose peer has vanished (no FIN, no RST) and asserts what a reader must
 * see: a RETRANSMIT_LIMIT error, the connection destroyed and forgotten, the local daemon still running.
 */
export async function expectPeerGone(daemon: Daemon, conn: Connection): Promise<void> {
  const failed = new Promise<Error & { code?: string }>((resolve) => conn.on('error', resolve));
  const ended = new Promise<string>((resolve) => conn.on('end', () => resolve('eof')));
  conn.resume();
  conn.write('anyone there?');
  expect(await Promise.race([failed, ended])).toMatchObject({ code: 'RETRANSMIT_LIMIT' });
  expect(conn.destroyed).toBe(true);
  expect(
    daemon
      .transport()
      .connections()
      .some((c) => c.id === conn.id),
  ).toBe(false);
  expect(daemon.state).toBe('running');
}
