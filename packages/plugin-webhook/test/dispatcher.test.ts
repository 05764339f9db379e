import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebhookDispatcher } from '../src/delivery/dispatcher.js';
import { verifyWebhookSignature } from '../src/signing/signature.js';
import type { LookupFunction } from '../src/url/url-policy.js';
import { Sink, event, until } from './sink.js';

let sink: Sink;
let url: string;
const open: WebhookDispatcher[] = [];

function dispatcher(options: ConstructorParameters<typeof WebhookDispatcher>[0] = {}) {
  const d = new WebhookDispatcher({ backoffBaseMs: 1, ...options });
  open.push(d);
  return d;
}

beforeEach(async () => {
  sink = new Sink();
  url = await sink.listen();
});
afterEach(async () => {
  for (const d of open.splice(0)) await d.drain(0);
  await sink.close();
});

describe('WebhookDispatcher', () => {
  it('posts events in order with the documented shape and sequential event_ids', async () => {
    const d = dispatcher();
    d.setUrl(url);
    const time = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
    for (let i = 0; i < 20; i++) d.enqueue(event('conn.established', { i }, time));
    await sink.waitFor(20);
    const bodies = sink.bodies();
    expect(bodies.map((b) => (b['data'] as { i: number }).i)).toEqual([...Array(20).keys()]);
    expect(bodies.map((b) => b['event_id'])).toEqual([...Array(20).keys()].map((i) => i + 1));
    expect(bodies[0]).toEqual({
      event: 'conn.established',
      event_id: 1,
      node_id: 42,
      timestamp: '2026-01-02T03:04:05.678Z',
      data: { i: 0 },
    });
    expect(sink.received[0].headers['content-type']).toBe('application/json');
    expect(sink.received[0].headers['x-mesh-event']).toBe('conn.established');
    expect(sink.received[0].headers['x-mesh-signature']).toBeUndefined();
    await until(() => d.stats().delivered === 20, 'delivered count');
    expect(d.stats()).toEqual({ dropped: 0, circuitSkips: 0, delivered: 20, failed: 0 });
  });

  it('retries network errors and 5xx with backoff, then succeeds', async () => {
    sink.answers = [503, 500, 200];
    const d = dispatcher();
    d.setUrl(url);
    d.enqueue(event('a'));
    await sink.waitFor(3);
    await until(() => d.stats().delivered === 1, 'delivery');
    expect(sink.bodies().map((b) => b['event_id'])).toEqual([1, 1, 1]);
    expect(d.stats().failed).toBe(0);
  });

  it('gives up after three attempts and counts the event as failed', async () => {
    sink.answers = [502];
    const d = dispatcher();
    d.setUrl(url);
    d.enqueue(event('a'));
    await until(() => d.stats().failed === 1, 'failure');
    expect(sink.received).toHaveLength(3);
  });

  it('does not retry a 4xx answer', async () => {
    sink.answers = [404, 200];
    const d = dispatcher();
    d.setUrl(url);
    d.enqueue(event('a'));
    d.enqueue(event('b'));
    await sink.waitFor(2);
    await until(() => d.stats().delivered === 1, 'second delivery');
    expect(sink.bodies().map((b) => b['event'])).toEqual(['a', 'b']);
    expect(d.stats()).toMatchObject({ failed: 1, delivered: 1 });
  });

  it('opens the breaker after consecutive failed events, skips, then probes and closes', async () => {
    let now = 1_000_000;
    sink.answers = [500];
    const d = dispatcher({
      maxAttempts: 1,
      breakerThreshold: 5,
      breakerWindowMs: 30_000,
      now: () => now,
    });
    d.setUrl(url);
    for (let i = 0; i < 5; i++) d.enqueue(event('fail'));
    await until(() => d.stats().failed === 5, 'five failures');
    expect(d.status().breaker).toBe('open');
    for (let i = 0; i < 3; i++) d.enqueue(event('skipped'));
    await until(() => d.stats().circuitSkips === 3, 'skips');
    expect(sink.received).toHaveLength(5);
    now += 30_000;
    expect(d.status().breaker).toBe('half-open');
    sink.answers = [200];
    d.enqueue(event('probe'));
    d.enqueue(event('after'));
    await sink.waitFor(7);
    await until(() => d.stats().delivered === 2, 'deliveries after the probe');
    expect(d.status().breaker).toBe('closed');
    expect(
      sink
        .bodies()
        .slice(5)
        .map((b) => b['event']),
    ).toEqual(['probe', 'after']);
  });

  it('a failed probe re-opens the breaker for another window', async () => {
    let now = 0;
    sink.answers = [500];
    const d = dispatcher({
      maxAttempts: 1,
      breakerThreshold: 1,
      breakerWindowMs: 100,
      now: () => now,
    });
    d.setUrl(url);
    d.enqueue(event('x'));
    await until(() => d.stats().failed === 1, 'failure');
    now = 100;
    d.enqueue(event('probe'));
    await until(() => d.stats().failed === 2, 'probe failure');
    expect(d.status().breaker).toBe('open');
    d.enqueue(event('skipped'));
    await until(() => d.stats().circuitSkips === 1, 'skip');
  });

  it('a hung receiver never blocks enqueue: the queue drops and counts, drain gives up at its deadline', async () => {
    sink.answers = ['hang'];
    const d = dispatcher({ queueSize: 4, timeoutMs: 60_000 });
    d.setUrl(url);
    let accepted = 0;
    for (let i = 0; i < 100; i++) if (d.enqueue(event('e', { i }))) accepted++;
    expect(accepted).toBe(5); // one in flight + four queued
    expect(d.stats().dropped).toBe(95);
    await sink.waitFor(1);
    await d.drain(20);
    expect(d.stats().dropped).toBe(99);
    expect(d.stats().delivered).toBe(0);
  });

  it('drain delivers what is queued before returning', async () => {
    const d = dispatcher();
    d.setUrl(url);
    for (let i = 0; i < 10; i++) d.enqueue(event('e'));
    await d.drain(5000);
    expect(sink.received).toHaveLength(10);
    expect(d.enqueue(event('late'))).toBe(false);
  });

  it('forwards only allow-listed topics and nothing when the URL is empty', async () => {
    const d = dispatcher();
    expect(d.enqueue(event('a'))).toBe(false);
    expect(d.stats()).toEqual({ dropped: 0, circuitSkips: 0, delivered: 0, failed: 0 });
    d.setUrl(url);
    d.setTopics(['keep.me']);
    d.enqueue(event('drop.me'));
    d.enqueue(event('keep.me'));
    await sink.waitFor(1);
    await d.drain(5000);
    expect(sink.bodies().map((b) => b['event'])).toEqual(['keep.me']);
  });

  it('signs bodies so a receiver written from the README alone can verify them', async () => {
    const secret = 's3cr3t';
    const d = dispatcher();
    d.setUrl(url);
    d.setSecret(secret);
    d.enqueue(event('handshake.approved', { peer_node_id: 7 }));
    await sink.waitFor(1);
    const { headers, body } = sink.received[0];
    // README: signature = "sha256=" + hex(HMAC-SHA256(secret, X-Mesh-Timestamp + "." + raw body)).
    const ts = String(headers['x-mesh-timestamp']);
    const expected = 'sha256=' + createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex');
    expect(headers['x-mesh-signature']).toBe(expected);
    expect(Math.abs(Number(ts) - Date.now() / 1000)).toBeLessThan(300);
    const sig = { timestamp: ts, signature: String(headers['x-mesh-signature']) };
    expect(verifyWebhookSignature(secret, sig, body)).toBe(true);
    expect(verifyWebhookSignature(secret, sig, body.replace('7', '8'))).toBe(false);
    expect(verifyWebhookSignature('other', sig, body)).toBe(false);
    // A replay ten minutes later is outside the tolerance.
    expect(verifyWebhookSignature(secret, sig, body, { now: Number(ts) + 600 })).toBe(false);
  });

  it('refuses a host that resolves to a metadata address, without retrying', async () => {
    let lookups = 0;
    const evil: LookupFunction = (_host, options, callback) => {
      lookups++;
      if (options.all) callback(null, [{ address: '169.254.169.254', family: 4 }]);
      else callback(null, '169.254.169.254', 4);
    };
    const d = dispatcher({ lookup: evil });
    d.setUrl('http://evil.example.test:8080/hook');
    d.enqueue(event('a'));
    await until(() => d.stats().failed === 1, 'refusal');
    expect(lookups).toBe(1);
    expect(sink.received).toHaveLength(0);
  });

  it('hot-swaps the URL: queued events go to the new receiver', async () => {
    const second = new Sink();
    const url2 = await second.listen();
    try {
      const d = dispatcher();
      d.setUrl(url);
      d.enqueue(event('first'));
      await sink.waitFor(1);
      d.setUrl(url2);
      d.enqueue(event('second'));
      await second.waitFor(1);
      expect(second.bodies()[0]).toMatchObject({ event: 'second', event_id: 2 });
      d.setUrl('');
      expect(d.enqueue(event('off'))).toBe(false);
    } finally {
      await second.close();
    }
  });
});
