import {
  DataType,
  DataFrameDecoder,
  encodeDataFrame,
  encodeEventFrame,
  encodeFilePayload,
  EventFrameDecoder,
} from '@mesh/protocol';
import { createHash, randomBytes } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { nextEvent } from './helpers.js';
import { readAll } from './transport-harness.js';
import { useDaemonPair } from './harness.js';

const pair = useDaemonPair();

describe('two daemons through an encrypted tunnel', () => {
  it('exchanges a stream with the echo service, authenticated and encrypted', async () => {
    const established = nextEvent(pair.b.daemon.bus(), 'tunnel.established');
    const conn = await pair.a.daemon.dial(pair.b.daemon.addr(), 7);
    expect((await established).payload).toMatchObject({
      peer_node_id: pair.a.daemon.nodeId(),
      authenticated: true,
    });
    const payload = randomBytes(300_000);
    const echoed = readAll(conn);
    conn.end(payload);
    const got = await echoed;
    expect(createHash('sha256').update(got).digest('hex')).toBe(
      createHash('sha256').update(payload).digest('hex'),
    );
    const peer = pair.a.daemon.info().peer_list.find((p) => p.node_id === pair.b.daemon.nodeId());
    expect(peer).toMatchObject({ encrypted: true, authenticated: true, relay: false });
    expect(pair.a.daemon.info().bytes_sent).toBeGreaterThan(300_000);
  });

  it('carries many concurrent streams through one tunnel', async () => {
    const results = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const conn = await pair.a.daemon.dial(pair.b.daemon.addr(), 7);
        const payload = randomBytes(20_000 + i);
        const echoed = readAll(conn);
        conn.end(payload);
        return (await echoed).equals(payload);
      }),
    );
    expect(results.every(Boolean)).toBe(true);
    expect(pair.a.daemon.info().peer_list).toHaveLength(1);
  });

  it('delivers datagrams', async () => {
    const got = new Promise<{ data: string; srcNode: number; dstPort: number }>((resolve) => {
      const off = pair.b.daemon.onAnyDatagram((d) => {
        off();
        resolve({
          data: new TextDecoder().decode(d.data),
          srcNode: d.src.node,
          dstPort: d.dstPort,
        });
      });
    });
    await pair.a.daemon.sendDatagram(pair.b.daemon.addr(), 4000, new TextEncoder().encode('ping'));
    expect(await got).toEqual({ data: 'ping', srcNode: pair.a.daemon.nodeId(), dstPort: 4000 });
  });

  it('saves data-exchange messages and files under the state directory', async () => {
    const conn = await pair.a.daemon.dial(pair.b.daemon.addr(), 1001);
    const decoder = new DataFrameDecoder();
    const replies: string[] = [];
    const twoReplies = new Promise<void>((resolve) => {
      conn.on('data', (chunk: Buffer) => {
        for (const f of decoder.push(chunk)) replies.push(new TextDecoder().decode(f.payload));
        if (replies.length === 2) resolve();
      });
    });
    const fileSaved = nextEvent(pair.b.daemon.bus(), 'file.received');
    conn.write(
      encodeDataFrame({ type: DataType.TEXT, payload: new TextEncoder().encode('hello world') }),
    );
    conn.write(
      encodeDataFrame({
        type: DataType.FILE,
        payload: encodeFilePayload({
          name: '../../etc/report.txt',
          data: new TextEncoder().encode('file body'),
        }),
      }),
    );
    await twoReplies;
    // The count is the frame payload (the FILE payload includes its 2-byte name length and name).
    expect(replies).toEqual(['ACK TEXT 11 bytes', 'ACK FILE 31 bytes']);
    const saved = (await fileSaved).payload;
    expect(path.dirname(saved.path as string)).toBe(path.join(pair.b.dir, 'received'));
    expect(saved.filename).toMatch(/^report-\d{8}-\d{6}\.\d{3}\.txt$/);
    expect(await readFile(saved.path as string, 'utf8')).toBe('file body');
    const inbox = await readdir(path.join(pair.b.dir, 'inbox'));
    const msg = JSON.parse(await readFile(path.join(pair.b.dir, 'inbox', inbox[0]), 'utf8'));
    expect(msg).toMatchObject({ type: 'TEXT', data: 'hello world', bytes: 11 });
    conn.end();
  });

  it('relays event-stream publishes to subscribers, not back to the sender', async () => {
    const sub = await pair.b.daemon.dial(pair.a.daemon.addr(), 1002);
    const subscribed = nextEvent(pair.a.daemon.bus(), 'pubsub.subscribed');
    sub.write(encodeEventFrame({ topic: 'status', payload: new Uint8Array() }));
    await subscribed;
    const pub = await pair.b.daemon.dial(pair.a.daemon.addr(), 1002);
    const decoder = new EventFrameDecoder();
    const received = new Promise<{ topic: string; payload: string }>((resolve) => {
      sub.on('data', (chunk: Buffer) => {
        for (const f of decoder.push(chunk))
          resolve({ topic: f.topic, payload: new TextDecoder().decode(f.payload) });
      });
    });
    const pubSubscribed = nextEvent(pair.a.daemon.bus(), 'pubsub.subscribed');
    pub.write(encodeEventFrame({ topic: 'other', payload: new Uint8Array() }));
    await pubSubscribed;
    pub.write(encodeEventFrame({ topic: 'status', payload: new TextEncoder().encode('online') }));
    expect(await received).toEqual({ topic: 'status', payload: 'online' });
    sub.end();
    pub.end();
  });

  it('publishes connection events on the bus (prefix subscription)', async () => {
    const sub = pair.b.daemon.bus().subscribe('conn.*');
    const conn = await pair.a.daemon.dial(pair.b.daemon.addr(), 7);
    const topics: string[] = [];
    for await (const e of sub) {
      topics.push(e.topic);
      expect(e.nodeId).toBe(pair.b.daemon.nodeId());
      if (e.topic === 'conn.established') {
        expect(e.payload).toMatchObject({ src_port: conn.localPort, dst_port: 7 });
        break;
      }
    }
    expect(topics).toEqual(['conn.syn_received', 'conn.established']);
    expect(sub.dropped).toBe(0);
    conn.destroy();
  });

  it('refuses a dial to a closed port with an error', async () => {
    await expect(pair.a.daemon.dial(pair.b.daemon.addr(), 5555)).rejects.toMatchObject({
      code: 'CONNECTION_REFUSED',
    });
  });

  it('reports connections with transport statistics in info()', async () => {
    const conn = await pair.a.daemon.dial(pair.b.daemon.addr(), 7);
    const row = pair.a.daemon
      .info()
      .conn_list.find((c) => c.remote_port === 7 && c.state === 'ESTABLISHED');
    expect(row).toMatchObject({ state: 'ESTABLISHED', remote_port: 7 });
    expect(typeof row?.cong_win).toBe('number');
    expect(pair.a.daemon.info().ports).toBe(3);
    conn.end();
  });
});
