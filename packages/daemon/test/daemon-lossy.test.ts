import { createHash, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { readAll } from './transport-harness.js';
import { startDaemon, startRendezvous, type Rendezvous, type TestDaemon } from './harness.js';
import { startLossyProxy, type LossyProxy } from './lossy-udp-proxy.js';

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

let rv: Rendezvous | undefined;
let proxy: LossyProxy | undefined;
const daemons: TestDaemon[] = [];
afterEach(async () => {
  for (const d of daemons.splice(0)) await d.stop();
  await proxy?.close();
  await rv?.close();
});

// Whole-engine check: encrypted tunnel frames (including the key exchange) cross a lossy proxy.
describe('two daemons through a lossy UDP proxy', () => {
  it.each([
    { loss: 0.05, seed: 5 },
    { loss: 0.3, seed: 30 },
  ])(
    'moves 10 MB intact at $loss loss with duplicates and reordering',
    async ({ loss, seed }) => {
      rv = await startRendezvous();
      const streams = { segmentSize: 4096, minRtoMs: 10, maxRetransmits: 30 };
      // B sits behind the proxy: it registers the proxy's port as its public endpoint.
      proxy = await startLossyProxy({
        drop: loss,
        duplicate: 0.01,
        reorder: 0.01,
        reorderDelayMs: 2,
        seed,
      });
      const b = await startDaemon(rv, { endpoint: `127.0.0.1:${proxy.port}`, streams });
      daemons.push(b);
      proxy.setServerPort(b.daemon.tunnels().localEndpoint.port);
      const a = await startDaemon(rv, { streams, tunnel: { keyExchangeRetryMs: 100 } });
      daemons.push(a);
      const listener = b.daemon.listen(5000);
      const accepted = listener.accept();
      const client = await a.daemon.dial(b.daemon.addr(), 5000);
      const server = await accepted;
      const data = randomBytes(10 * 1024 * 1024);
      const got = readAll(server);
      client.end(data);
      const received = await got;
      expect(received.length).toBe(data.length);
      expect(sha256(received)).toBe(sha256(data));
      expect(proxy.dropped()).toBeGreaterThan(0);
      expect(client.info().retransmits).toBeGreaterThan(0);
      const peer = a.daemon.info().peer_list.find((p) => p.node_id === b.daemon.nodeId());
      expect(peer).toMatchObject({ encrypted: true, authenticated: true, relay: false });
    },
    120_000,
  );
});
