import { describe, expect, it } from 'vitest';
import { EventBus, topicMatches } from '../src/events/event-bus.js';

describe('topicMatches', () => {
  it('handles *, prefix.* and exact patterns', () => {
    expect(topicMatches('*', 'a.b')).toBe(true);
    expect(topicMatches('', 'a.b')).toBe(true);
    expect(topicMatches('conn.*', 'conn.fin')).toBe(true);
    expect(topicMatches('conn.*', 'connx.fin')).toBe(false);
    expect(topicMatches('conn.*', 'conn')).toBe(false);
    expect(topicMatches('conn.fin', 'conn.fin')).toBe(true);
    expect(topicMatches('conn.fin', 'conn.rst')).toBe(false);
  });
});

describe('EventBus', () => {
  it('delivers matching events in order, stamped with node id and time', async () => {
    const bus = new EventBus(() => 42);
    const all = bus.subscribe('*');
    const conn = bus.subscribe('conn.*');
    const exact = bus.subscribe('tunnel.established');
    bus.publish('conn.fin', { conn_id: 1 });
    const established = { peer_node_id: 2, authenticated: true, relay: false, rekeyed: false };
    bus.publish('tunnel.established', established);
    expect((await all.next())?.topic).toBe('conn.fin');
    expect((await all.next())?.topic).toBe('tunnel.established');
    const c = await conn.next();
    expect(c).toMatchObject({ topic: 'conn.fin', nodeId: 42, payload: { conn_id: 1 } });
    expect(typeof c?.time).toBe('number');
    expect((await exact.next())?.payload).toEqual(established);
    bus.closeAll();
    expect(await conn.next()).toBeUndefined();
  });

  it('never blocks the publisher: a full subscriber drops and counts', async () => {
    const bus = new EventBus();
    const slow = bus.subscribe('*', { bufferSize: 3 });
    for (let i = 0; i < 10; i++) bus.publish('x', { i });
    expect(slow.dropped).toBe(7);
    const got = [];
    for (let i = 0; i < 3; i++) got.push((await slow.next())?.payload.i);
    expect(got).toEqual([0, 1, 2]);
    slow.close();
  });

  it('wakes a waiting reader and ends iteration on close', async () => {
    const bus = new EventBus();
    const sub = bus.subscribe('a');
    const waiting = sub.next();
    bus.publish('a', { v: 1 });
    expect((await waiting)?.payload).toEqual({ v: 1 });
    const seen: unknown[] = [];
    const done = (async () => {
      for await (const e of sub) seen.push(e.payload.v);
    })();
    bus.publish('a', { v: 2 });
    bus.publish('b', { v: 3 });
    sub.close();
    await done;
    expect(seen.length).toBeLessThanOrEqual(1);
    expect(bus.subscriberCount).toBe(0);
  });

  it('closes a subscription when its signal aborts', async () => {
    const bus = new EventBus();
    const ac = new AbortController();
    const sub = bus.subscribe('*', { signal: ac.signal });
    bus.publish('a');
    ac.abort();
    expect(await sub.next()).toBeUndefined();
    expect(bus.subscriberCount).toBe(0);
  });

  it('isolates a throwing listener', () => {
    const bus = new EventBus();
    const seen: string[] = [];
    bus.on('*', () => {
      throw new Error('boom');
    });
    const off = bus.on('x.*', (e) => seen.push(e.topic));
    expect(() => bus.publish('x.y')).not.toThrow();
    off();
    bus.publish('x.z');
    expect(seen).toEqual(['x.y']);
  });
});
