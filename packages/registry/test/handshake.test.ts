import { afterEach, describe, expect, it } from 'vitest';
import { Harness } from './helpers.js';

const h = new Harness();
afterEach(() => h.close());

describe('handshake relay', () => {
  it('request → poll → respond(accept) → poll: creates trust and clears inboxes', async () => {
    const server = await h.server();
    const a = await h.node(server);
    const b = await h.node(server);
    expect(await a.client.requestHandshake(b.nodeId, 'let me in')).toBe('delivered');
    // A second request from the same sender replaces the first.
    await a.client.requestHandshake(b.nodeId, 'please');

    const inbox = await b.client.pollHandshakes();
    expect(inbox.requests).toHaveLength(1);
    expect(inbox.requests[0]).toMatchObject({ fromNodeId: a.nodeId, justification: 'please' });
    expect((await b.client.pollHandshakes()).requests).toHaveLength(0);

    expect(await a.client.checkTrust(b.nodeId)).toBe(false);
    await b.client.respondHandshake(a.nodeId, true);
    expect(await a.client.checkTrust(b.nodeId)).toBe(true);
    const answer = await a.client.pollHandshakes();
    expect(answer.responses).toEqual([
      expect.objectContaining({ fromNodeId: b.nodeId, accept: true }),
    ]);
    expect((await a.client.pollHandshakes()).responses).toHaveLength(0);
    // The trust pair now lets a resolve the private node b.
    expect((await a.client.resolve(b.nodeId)).nodeId).toBe(b.nodeId);
  });

  it('a rejection is relayed without creating trust', async () => {
    const server = await h.server();
    const a = await h.node(server);
    const b = await h.node(server);
    await a.client.requestHandshake(b.nodeId, 'x');
    await b.client.respondHandshake(a.nodeId, false);
    expect((await a.client.pollHandshakes()).responses).toEqual([
      expect.objectContaining({ fromNodeId: b.nodeId, accept: false }),
    ]);
    expect(await b.client.checkTrust(a.nodeId)).toBe(false);
  });

  it('caps the inbox and refuses unknown targets', async () => {
    const server = await h.server({ inboxLimit: 3, registrationsPerMinute: 0 });
    const target = await h.node(server);
    const senders = [];
    for (let i = 0; i < 4; i++) senders.push(await h.node(server));
    for (let i = 0; i < 3; i++) await senders[i].client.requestHandshake(target.nodeId, `r${i}`);
    await expect(senders[3].client.requestHandshake(target.nodeId, 'r3')).rejects.toMatchObject({
      remoteMessage: /inbox .* full/,
    });
    await expect(senders[0].client.requestHandshake(4242, 'x')).rejects.toMatchObject({
      remoteMessage: /not registered/,
    });
    expect((await target.client.pollHandshakes()).requests.map((r) => r.justification)).toEqual([
      'r0',
      'r1',
      'r2',
    ]);
  });

  it('report_trust refuses ids the registry never assigned, but accepts a reaped peer', async () => {
    let now = 1_700_000_000_000;
    const server = await h.server({ now: () => now, staleThresholdMs: 60_000 });
    const a = await h.node(server);
    const b = await h.node(server);
    // b consents before it goes silent; a's later report completes the pair.
    expect(await b.client.reportTrust(a.nodeId)).toEqual({ pending: true });
    await expect(a.client.reportTrust(4242)).rejects.toMatchObject({
      remoteMessage: /never registered/,
    });
    await expect(a.client.reportTrust(0)).rejects.toMatchObject({
      remoteMessage: /never registered/,
    });
    now += 61_000;
    await a.client.heartbeat();
    expect(await server.reapNow()).toBe(1); // b is gone, its id stays assigned
    expect(await a.client.reportTrust(b.nodeId)).toEqual({ pending: false });
    expect(await a.client.checkTrust(b.nodeId)).toBe(true);
  });
});
