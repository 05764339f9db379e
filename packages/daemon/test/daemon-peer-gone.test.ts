// Reference §G.2 "peer daemon stopped → read error": the peer vanishes without FIN or RST (its
// UDP socket is closed abruptly, as when the process is killed); the reader gets an error once
// the retransmission limit is reached. Timers are tuned so the limit is reached quickly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectPeerGone, nextEvent } from './helpers.js';
import { startDaemon, startRendezvous, type Rendezvous, type TestDaemon } from './harness.js';

let rv: Rendezvous;
let a: TestDaemon;
let b: TestDaemon;

beforeAll(async () => {
  rv = await startRendezvous();
  a = await startDaemon(rv, {
    streams: { maxRetransmits: 3, initialRtoMs: 50, minRtoMs: 20, maxRtoMs: 100 },
  });
  b = await startDaemon(rv);
});
afterAll(async () => {
  await a?.stop();
  await b?.stop();
  await rv?.close();
});

describe('peer daemon stopped', () => {
  it('gives the reader a RETRANSMIT_LIMIT error when the peer vanishes without FIN', async () => {
    const listener = b.daemon.listen(5200);
    const accepted = listener.accept();
    const conn = await a.daemon.dial(b.daemon.addr(), 5200);
    const served = await accepted;
    served.on('error', () => {});
    // One round trip proves the stream works before the peer goes away.
    const first = new Promise<Buffer>((resolve) => conn.once('data', resolve));
    served.write('before');
    expect((await first).toString()).toBe('before');

    // The peer "dies": its socket closes with nothing sent (no FIN, no RST).
    await b.daemon.tunnels().close();

    await expectPeerGone(a.daemon, conn);
    // a is still fine: a new connection to itself through the engine works.
    const echo = await a.daemon.dial(a.daemon.addr(), 7);
    const back = nextEvent(a.daemon.bus(), 'conn.fin');
    echo.resume();
    echo.end('x');
    await back;
  });
});

describe('inbound-silence watchdog', () => {
  it('publishes rx_silence, then rx_wedged_exit, then rx_recovered on the next packet', async () => {
    const watched = await startDaemon(rv, { rxWatchdog: { silenceMs: 80, wedgedMs: 240 } });
    const peer = await startDaemon(rv);
    const other = await startDaemon(rv);
    try {
      const topics: string[] = [];
      watched.daemon.bus().on('tunnel.*', (e) => {
        if (e.topic.startsWith('tunnel.rx_')) topics.push(e.topic);
      });
      const listener = peer.daemon.listen(5201);
      const accepted = listener.accept();
      const conn = await watched.daemon.dial(peer.daemon.addr(), 5201);
      conn.on('error', () => {});
      await accepted;
      // The peer goes quiet while the stream stays open: silence, then wedged.
      const wedged = nextEvent(watched.daemon.bus(), 'tunnel.rx_wedged_exit');
      await peer.daemon.tunnels().close();
      expect((await wedged).payload['silent_ms']).toBeGreaterThanOrEqual(240);
      expect(topics).toEqual(['tunnel.rx_silence', 'tunnel.rx_wedged_exit']);
      // Any inbound packet ends the silence.
      const recovered = nextEvent(watched.daemon.bus(), 'tunnel.rx_recovered');
      await other.daemon.sendDatagram(watched.daemon.addr(), 4000, new Uint8Array([1]));
      expect((await recovered).payload['silent_ms']).toBeGreaterThanOrEqual(240);
      expect(topics).toEqual(['tunnel.rx_silence', 'tunnel.rx_wedged_exit', 'tunnel.rx_recovered']);
      conn.destroy();
    } finally {
      await other.stop();
      await peer.stop();
      await watched.stop();
    }
  });
});
