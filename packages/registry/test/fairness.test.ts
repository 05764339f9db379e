// Fairness: clients that pipeline floods of requests and never read the answers must not stall
// an honest client, and the registry must bound what it holds for them.
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MAGIC, MsgType, VERSION, encodeFrame, encodeLookupReq } from '@mesh/wire';
import type { RegistryServer } from '../src/index.js';
import { Harness } from './helpers.js';

const h = new Harness();
const flooders: Socket[] = [];
afterEach(async () => {
  for (const s of flooders.splice(0)) s.destroy();
  await h.close();
});

const FLOODERS = 50;
/** Pipelined lookups per flooder: 50 × 600 KB ≈ 30 MB in all, as in the reported attack. */
const LOOKUPS_PER_FLOODER = 66_000;

/** One value of a metric family without labels in the `/metrics` text. */
function metric(server: RegistryServer, name: string): number {
  const line = server
    .metricsText()
    .split('\n')
    .find((l) => l.startsWith(`${name} `));
  if (line === undefined) throw new Error(`metric ${name} is missing`);
  return Number(line.slice(name.length + 1));
}

/** Lookups served so far (every client together). */
function lookupsServed(server: RegistryServer): number {
  const line = server
    .metricsText()
    .split('\n')
    .find((l) => l.startsWith('pilot_requests_total{type="lookup"} '));
  return line === undefined ? 0 : Number(line.split(' ')[1]);
}

/** Resolves once `check` holds, re-checking after each turn of the event loop's I/O. */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 10));
}

/** Opens a binary-mode connection that writes `count` lookups of `nodeId` and never reads. */
async function flooder(port: number, nodeId: number, count: number): Promise<Socket> {
  const s = connect({ host: '127.0.0.1', port });
  flooders.push(s);
  s.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    s.once('connect', resolve);
    s.once('error', reject);
  });
  s.pause();
  const frame = encodeFrame(MsgType.LOOKUP, encodeLookupReq(nodeId));
  const batch = Buffer.concat(Array.from({ length: 1000 }, () => frame));
  s.write(Buffer.concat([Buffer.from(MAGIC), Buffer.from([VERSION])]));
  for (let sent = 0; sent < count; sent += 1000) s.write(batch);
  return s;
}

describe('fairness under pipelined floods', () => {
  it('50 clients pipelining lookups without reading do not stall an honest client', async () => {
    // A long write deadline: the flooders must be held off by pausing, not by being dropped.
    const server = await h.server({ writeDeadlineMs: 120_000, idleTimeoutMs: 120_000 });
    const target = await h.node(server);
    const { port } = server.address();
    await Promise.all(
      Array.from({ length: FLOODERS }, () => flooder(port, target.nodeId, LOOKUPS_PER_FLOODER)),
    );
    // Every flooder has more requests queued than the registry holds per connection (or left
    // 64 KiB of answers unread once the kernel buffers are full): it stopped reading from each.
    await until(() => metric(server, 'pilot_connections_read_paused') >= FLOODERS);

    const honest = h.client(server, { mode: 'binary' });
    const perRequest: number[] = [];
    for (let i = 0; i < 50; i++) {
      const before = lookupsServed(server);
      expect((await honest.lookup(target.nodeId)).nodeId).toBe(target.nodeId);
      perRequest.push(lookupsServed(server) - before - 1);
    }
    // While each honest lookup waited, each flooder was served at most two turns of 32 (the one
    // under way and the honest client's own); before, a flooder's whole 64 KiB read (~7000
    // lookups) was served in one go, 50 times over.
    expect(Math.max(...perRequest)).toBeLessThanOrEqual(2 * FLOODERS * 32);

    // The flooders are still connected and still unread, yet held off.
    expect(flooders.every((s) => !s.destroyed && s.readyState === 'open')).toBe(true);
    expect(metric(server, 'pilot_connections_read_paused')).toBeGreaterThanOrEqual(FLOODERS);
    // What the registry holds for them is bounded (queued requests per connection ≤ 64 KiB plus
    // one read chunk), far below the 30 MB they sent.
    expect(metric(server, 'pilot_request_bytes_buffered')).toBeLessThanOrEqual(
      FLOODERS * 192 * 1024,
    );
    expect(lookupsServed(server)).toBeLessThan(FLOODERS * LOOKUPS_PER_FLOODER);
  }, 60_000);

  it('a paused connection resumes and is served in full once its client reads', async () => {
    const server = await h.server();
    const target = await h.node(server);
    const count = 20_000;
    const s = await flooder(server.address().port, target.nodeId, count);
    await until(() => metric(server, 'pilot_connections_read_paused') >= 1);
    // Now read every answer: reading resumes and all requests are served, in order.
    let received = 0;
    let buf = Buffer.alloc(0);
    await new Promise<void>((resolve) => {
      s.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        while (buf.length >= 4 && buf.length >= 4 + buf.readUInt32BE(0)) {
          expect(buf[4]).toBe(MsgType.LOOKUP_OK);
          buf = buf.subarray(4 + buf.readUInt32BE(0));
          if (++received === count) resolve();
        }
      });
      s.resume();
    });
    expect(received).toBe(count);
    await until(() => metric(server, 'pilot_connections_read_paused') === 0);
  }, 60_000);
});
