// Karn's rule (RFC 6298 §3, §5): an ACK that may answer either transmission of a retransmitted
// segment gives no RTT sample, and the timer backed off by the timeout stays backed off until an
// ACK for new data arrives. Real UDP on loopback through a proxy that drops and holds packets.
import type { Socket } from 'node:dgram';
import type { Packet } from '@mesh/protocol';
import { Flags, encodePacket } from '@mesh/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { Connection } from '../src/transport/index.js';
import { Harness, type Endpoint, type LossyProxy } from './transport-harness.js';

const PORT = 7100;
/** RTT on loopback is ~1 ms, so the RTO sits on this floor until a timeout doubles it. */
const TUNING = { initialRtoMs: 200, minRtoMs: 200, maxRtoMs: 3200, noDelay: true };
/** How long the proxy holds the ACK of the retransmission (well below the backed-off RTO). */
const ACK_HOLD_MS = 150;

const h = new Harness();
afterEach(() => h.closeAll());

/** Resolves once `cond` holds, checked after every datagram `socket` receives. */
function until(socket: Socket, cond: () => boolean): Promise<void> {
  if (cond()) return Promise.resolve();
  return new Promise((resolve) => {
    const check = (): void => {
      if (!cond()) return;
      socket.off('message', check);
      resolve();
    };
    socket.on('message', check);
  });
}

/** Writes `data` and waits until the peer read it and every segment is acknowledged. */
async function roundTrip(a: Endpoint, client: Connection, server: Connection, data: string) {
  const read = new Promise<string>((resolve) => server.once('data', (c) => resolve(String(c))));
  client.write(data);
  expect(await read).toBe(data);
  await until(a.socket, () => client.info().inFlight === 0);
}

/** Sends a held packet on to its destination, as the proxy would have. */
function deliver(proxy: LossyProxy, to: Endpoint, packet: Packet): void {
  const out = to.addr.node === 1 ? proxy.sideA : proxy.sideB;
  out.send(encodePacket(packet), to.port, '127.0.0.1');
}

describe("Karn's rule", () => {
  it('takes no RTT sample from the ACK of a retransmitted segment; backoff lasts until new data is ACKed', async () => {
    const a = await h.endpoint({ node: 1, tuning: TUNING });
    const b = await h.endpoint({ node: 2, tuning: TUNING });
    // Armed for one data segment: its first transmission is dropped, the retransmission goes
    // through, and every packet B sends after that is held until the test releases it.
    let armed = false;
    let dataSeen = 0;
    let holding = false;
    const held: Packet[] = [];
    let onHeld: () => void = () => {};
    const proxy = await h.proxy(a, b, {
      filter: (packet, dir) => {
        if (dir === 'ab' && armed && packet.payload.length > 0) {
          dataSeen++;
          if (dataSeen === 1) return 'drop';
          holding = true;
          return 'pass';
        }
        if (dir === 'ba' && holding) {
          held.push(packet);
          onHeld();
          return 'drop';
        }
        return 'pass';
      },
    });
    const listener = b.transport.listen(PORT);
    const accepted = listener.accept();
    const client = await a.transport.dial(b.addr, PORT);
    const server = await accepted;

    // Clean round trips give real samples (loopback: far below the 200 ms floor).
    await roundTrip(a, client, server, 'warm-1');
    await roundTrip(a, client, server, 'warm-2');
    const before = client.info();
    expect(before.srtt).toBeGreaterThan(0);
    expect(before.timeouts).toBe(0);

    // The segment's first transmission is lost; the RTO retransmits it and backs off.
    armed = true;
    const ackHeld = new Promise<void>((resolve) => (onHeld = resolve));
    const read = new Promise<string>((resolve) => server.once('data', (c) => resolve(String(c))));
    client.write('ambiguous');
    expect(await read).toBe('ambiguous');
    await ackHeld;
    const backedOff = client.info();
    const timeouts = backedOff.timeouts - before.timeouts;
    expect(timeouts).toBeGreaterThanOrEqual(1);
    expect(backedOff.retransmits - before.retransmits).toBe(timeouts);
    expect(backedOff.rto).toBe(Math.min(TUNING.maxRtoMs, before.rto * 2 ** timeouts));
    expect(backedOff.srtt).toBe(before.srtt);

    // The ACK arrives ACK_HOLD_MS after the retransmission. Measured, it would be a sample of
    // at least 150 ms and raise SRTT by about (150 − SRTT)/8; Karn's rule discards it.
    await new Promise<void>((resolve) => setTimeout(resolve, ACK_HOLD_MS));
    armed = false;
    holding = false;
    for (const p of held.splice(0)) deliver(proxy, a, p);
    await until(a.socket, () => client.info().inFlight === 0);
    const after = client.info();
    expect(after.timeouts).toBe(backedOff.timeouts);
    expect(after.srtt).toBe(before.srtt);
    expect(after.rttvar).toBe(before.rttvar);
    // New data was acknowledged: the backoff is dropped, back to the RTO of the old estimate.
    expect(after.rto).toBe(before.rto);
    expect(after.recovery).toBe('none');

    // The next segment, sent once, is measured again.
    await roundTrip(a, client, server, 'fresh');
    expect(client.info().srtt).not.toBe(before.srtt);
    expect(held).toHaveLength(0);
  });

  it('takes no RTT sample from the SYN-ACK of a retransmitted SYN', async () => {
    const a = await h.endpoint({ node: 1 });
    const b = await h.endpoint({ node: 2 });
    let syns = 0;
    await h.proxy(a, b, {
      filter: (packet, dir) =>
        dir === 'ab' && packet.flags === Flags.SYN && ++syns === 1 ? 'drop' : 'pass',
    });
    b.transport.listen(PORT);
    const client = await a.transport.dial(b.addr, PORT);
    expect(syns).toBe(2);
    const info = client.info();
    // Measured from the first SYN the sample would be ≥ dialRtoMs (100 ms).
    expect(info.srtt).toBe(0);
    expect(info.rttvar).toBe(0);
    expect(info.rto).toBe(100); // FAST_TUNING.initialRtoMs, untouched
  });
});
