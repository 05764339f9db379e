// Wire-level behaviour against a scripted peer: the test plays the remote side by feeding
// packets to Transport.receive() and inspecting what the transport hands to `send`.
import { afterEach, describe, expect, it } from 'vitest';
import type { Packet } from '@mesh/protocol';
import { Flags, Proto, decodeSack, makeAddr } from '@mesh/protocol';
import type { Connection, StreamTuning } from '../src/transport/index.js';
import { Transport } from '../src/transport/index.js';

const A = makeAddr(0, 1);
const B = makeAddr(0, 2);
let transport: Transport;
let sent: Packet[];
let onSend: (() => void) | undefined;

afterEach(async () => {
  await transport.close();
});

function setup(tuning: Partial<StreamTuning> = {}): void {
  sent = [];
  transport = new Transport({
    localAddr: A,
    tuning,
    send: (p) => {
      sent.push({ ...p, payload: p.payload.slice() });
      onSend?.();
    },
  });
}

function peer(fields: Partial<Packet> & { flags: number }): Packet {
  return {
    proto: Proto.STREAM,
    src: B,
    dst: A,
    srcPort: 1000,
    dstPort: 49152,
    seq: 0,
    ack: 0,
    window: 512,
    payload: new Uint8Array(0),
    ...fields,
  };
}

async function established(): Promise<Connection> {
  const dial = transport.dial(B, 1000);
  const syn = sent[0];
  expect(syn).toMatchObject({ flags: Flags.SYN, seq: 0, ack: 0, window: 512, srcPort: 49152 });
  // A SYN-ACK with an odd seq (as the reference re-sends it) still means "first byte is 1".
  transport.receive(peer({ flags: Flags.SYN | Flags.ACK, seq: 7, ack: 1 }), B.node);
  const conn = await dial;
  expect(sent[1]).toMatchObject({ flags: Flags.ACK, seq: 1, ack: 1 });
  sent.length = 0;
  return conn;
}

describe('wire behaviour', () => {
  it('sends SYN with seq 0 and the free receive slots, then ACKs the SYN-ACK', async () => {
    setup();
    const conn = await established();
    expect(conn.state).toBe('ESTABLISHED');
    transport.receive(
      peer({ flags: Flags.ACK, seq: 1, ack: 1, payload: Buffer.from('hi') }),
      B.node,
    );
    const [chunk] = [conn.read() as Buffer | null];
    expect(chunk?.toString()).toBe('hi');
    // The first segments of a connection are acknowledged at once.
    expect(sent.at(-1)).toMatchObject({ flags: Flags.ACK, seq: 1, ack: 3 });
  });

  it('reports out-of-order data with SACK blocks on a pure ACK', async () => {
    setup();
    await established();
    const seg = (seq: number): Packet =>
      peer({ flags: Flags.ACK, seq, ack: 1, payload: new Uint8Array(100).fill(seq & 0xff) });
    transport.receive(seg(101), B.node); // 1..100 missing
    transport.receive(seg(301), B.node); // 201..300 missing too
    const last = sent.at(-1)!;
    expect(last.flags).toBe(Flags.ACK);
    expect(last.ack).toBe(1);
    // The block holding the latest arrival comes first.
    expect(decodeSack(last.payload)).toEqual([
      { left: 301, right: 401 },
      { left: 101, right: 201 },
    ]);
    transport.receive(seg(1), B.node);
    expect(decodeSack(sent.at(-1)!.payload)).toEqual([{ left: 301, right: 401 }]);
    expect(sent.at(-1)!.ack).toBe(201);
  });

  it('ACKs every segment at first, then every second one or after the delayed-ACK timer (reference rule)', async () => {
    setup({ combinedAcks: false });
    await established();
    const data = (seq: number): Packet =>
      peer({ flags: Flags.ACK, seq, ack: 1, payload: new Uint8Array(10) });
    let seq = 1;
    for (let i = 0; i < 32; i++, seq += 10) transport.receive(data(seq), B.node);
    expect(sent.filter((p) => p.payload.length === 0)).toHaveLength(32);
    sent.length = 0;
    for (let i = 0; i < 4; i++, seq += 10) transport.receive(data(seq), B.node);
    expect(sent).toHaveLength(2); // one ACK per two segments
    expect(sent.at(-1)!.ack).toBe(seq);
    sent.length = 0;
    transport.receive(data(seq), B.node); // a lone segment waits for the timer
    seq += 10;
    expect(sent).toHaveLength(0);
    await new Promise<void>((resolve) => (onSend = resolve));
    onSend = undefined;
    expect(sent[0]).toMatchObject({ flags: Flags.ACK, ack: seq });
  });

  it('combines the ACKs of one read batch into one, and ACKs per two segments after a hole', async () => {
    setup();
    await established();
    const data = (seq: number): Packet =>
      peer({ flags: Flags.ACK, seq, ack: 1, payload: new Uint8Array(10) });
    let seq = 1;
    for (let i = 0; i < 32; i++, seq += 10) transport.receive(data(seq), B.node);
    sent.length = 0;
    // Ten segments in one turn (one read batch): no ACK yet, one ACK for all once it is over.
    for (let i = 0; i < 10; i++, seq += 10) transport.receive(data(seq), B.node);
    expect(sent).toHaveLength(0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ flags: Flags.ACK, ack: seq });
    // A hole: the out-of-order segment is SACKed at once; after the repair the reference's
    // one-ACK-per-two-segments rule applies again.
    sent.length = 0;
    transport.receive(data(seq + 10), B.node);
    expect(decodeSack(sent.at(-1)!.payload)).toEqual([{ left: seq + 10, right: seq + 20 }]);
    transport.receive(data(seq), B.node);
    expect(sent.at(-1)!.ack).toBe(seq + 20);
    seq += 20;
    sent.length = 0;
    for (let i = 0; i < 4; i++, seq += 10) transport.receive(data(seq), B.node);
    expect(sent).toHaveLength(2);
    expect(sent.at(-1)!.ack).toBe(seq);
  });

  it('holds the ACK of a lone short segment so the answer carries it, or the timer sends it', async () => {
    setup();
    const conn = await established();
    const data = (seq: number): Packet =>
      peer({ flags: Flags.ACK, seq, ack: 1, payload: new Uint8Array(10) });
    let seq = 1;
    for (let i = 0; i < 32; i++, seq += 10) transport.receive(data(seq), B.node);
    sent.length = 0;
    // A request: one short segment in its read batch. No pure ACK once the batch is over...
    transport.receive(data(seq), B.node);
    seq += 10;
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toHaveLength(0);
    // ...the answer carries it.
    conn.write(new Uint8Array(20));
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ flags: Flags.ACK, ack: seq });
    expect(sent[0].payload.length).toBe(20);
    // Without an answer the delayed-ACK timer sends it.
    sent.length = 0;
    transport.receive(
      peer({ flags: Flags.ACK, seq, ack: 21, payload: new Uint8Array(10) }),
      B.node,
    );
    seq += 10;
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toHaveLength(0);
    await new Promise<void>((resolve) => (onSend = resolve));
    onSend = undefined;
    expect(sent[0]).toMatchObject({ flags: Flags.ACK, ack: seq });
    expect(sent[0].payload.length).toBe(0);
  });

  it('never lets a data segment look like a SACK payload', async () => {
    setup();
    const conn = await established();
    conn.setNoDelay(true);
    const tricky = Buffer.concat([Buffer.from('SACK'), Buffer.from([1]), Buffer.alloc(20, 9)]);
    conn.write(tricky);
    const data = sent.filter((p) => p.payload.length > 0);
    expect(data[0].payload.length).toBe(4);
    expect(decodeSack(data[0].payload)).toBeUndefined();
    expect(Buffer.concat(data.map((p) => p.payload))).toEqual(tricky);
  });

  it('answers a FIN with FIN+ACK after EOF and lingers in TIME_WAIT', async () => {
    setup();
    const conn = await established();
    conn.resume();
    const ended = new Promise((r) => conn.once('end', r));
    transport.receive(peer({ flags: Flags.FIN | Flags.ACK, seq: 1, ack: 1 }), B.node);
    await ended;
    if (conn.state !== 'TIME_WAIT') {
      await new Promise<void>((resolve) =>
        conn.on('stateChange', (state: string) => state === 'TIME_WAIT' && resolve()),
      );
    }
    const fin = sent.find((p) => p.flags & Flags.FIN);
    expect(fin).toMatchObject({ flags: Flags.FIN | Flags.ACK, seq: 1, ack: 2 });
    expect(conn.state).toBe('TIME_WAIT');
  });

  it('answers a packet for an unknown connection with RST and a SYN to a closed port too', () => {
    setup();
    transport.receive(peer({ flags: Flags.ACK, seq: 10, ack: 20, dstPort: 50000 }), B.node);
    expect(sent.at(-1)).toMatchObject({ flags: Flags.RST, seq: 20, ack: 10, srcPort: 50000 });
    transport.receive(peer({ flags: Flags.SYN, seq: 0, dstPort: 80 }), B.node);
    expect(sent.at(-1)).toMatchObject({ flags: Flags.RST, ack: 1, srcPort: 80, dstPort: 1000 });
    expect(transport.stats()).toMatchObject({ strayResets: 1, synRefused: 1 });
  });
});
