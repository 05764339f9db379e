import { createHash } from 'node:crypto';
import { Flags } from '@mesh/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { Connection, StreamTuning } from '../src/transport/index.js';
import type { Endpoint, ProxyOptions } from './transport-harness.js';
import { Harness, randomBytesSeeded, readAll } from './transport-harness.js';

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

let h: Harness;
afterEach(async () => {
  await h.closeAll();
});

async function lossyPair(
  proxy: ProxyOptions,
  tuning: Partial<StreamTuning> = {},
): Promise<{ a: Endpoint; b: Endpoint; client: Connection; server: Connection }> {
  h = new Harness();
  const a = await h.endpoint({ node: 1, tuning });
  const b = await h.endpoint({ node: 2, tuning });
  await h.proxy(a, b, proxy);
  const listener = b.transport.listen(1001);
  const accepted = listener.accept();
  const client = await a.transport.dial(b.addr, 1001);
  const server = await accepted;
  return { a, b, client, server };
}

async function transfer(client: Connection, server: Connection, data: Buffer): Promise<Buffer> {
  const got = readAll(server);
  client.end(data);
  return got;
}

describe('streams through a lossy UDP proxy', () => {
  it('recovers holes with SACK (128 KB, every 7th data segment dropped once)', async () => {
    const seen = new Set<number>();
    const { client, server } = await lossyPair({
      filter: (p, dir) => {
        if (dir !== 'ab' || p.payload.length === 0 || p.flags !== Flags.ACK) return 'pass';
        if (seen.has(p.seq)) return 'pass';
        seen.add(p.seq);
        return seen.size % 7 === 0 ? 'drop' : 'pass';
      },
    });
    const data = randomBytesSeeded(128 * 1024, 11);
    const got = await transfer(client, server, data);
    expect(sha256(got)).toBe(sha256(data));
    const ci = client.info();
    const si = server.info();
    expect(si.sackAcksSent).toBeGreaterThan(0);
    expect(ci.sackBlocksReceived).toBeGreaterThan(0);
    expect(ci.retransmits).toBeGreaterThan(0);
    expect(ci.fastRetransmits).toBeGreaterThan(0);
    // A loss halves the slow-start threshold (initially 512 KiB).
    expect(ci.ssthresh).toBeLessThan(512 * 1024);
  });

  it('completes the handshake when the SYN-ACK is lost (duplicate SYN answered again)', async () => {
    let dropped = 0;
    const { client, server } = await lossyPair({
      filter: (p, dir) => {
        if (dir === 'ba' && p.flags === (Flags.SYN | Flags.ACK) && dropped === 0) {
          dropped++;
          return 'drop';
        }
        return 'pass';
      },
    });
    expect(dropped).toBe(1);
    client.write('after a lost SYN-ACK');
    const got = await transfer(server, client, Buffer.from('reply'));
    expect(got.toString()).toBe('reply');
  });

  it.each([
    { loss: 0.05, seed: 5 },
    { loss: 0.3, seed: 30 },
  ])(
    'moves 10 MB intact at $loss loss with duplicates and reordering',
    async ({ loss, seed }) => {
      const { client, server } = await lossyPair(
        { drop: loss, duplicate: 0.01, reorder: 0.01, reorderDelayMs: 2, seed },
        { segmentSize: 4096, minRtoMs: 10, maxRtoMs: 200, maxRetransmits: 20 },
      );
      const data = randomBytesSeeded(10 * 1024 * 1024, seed);
      const got = await transfer(client, server, data);
      expect(got.length).toBe(data.length);
      expect(sha256(got)).toBe(sha256(data));
      expect(client.info().retransmits).toBeGreaterThan(0);
    },
    60_000,
  );
});
