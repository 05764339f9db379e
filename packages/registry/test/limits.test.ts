import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { RateLimiter } from '../src/index.js';
import { Harness, identity } from './helpers.js';
import { storeOptions } from './postgres/database.js';

const h = new Harness();
afterEach(() => h.close());

describe('RateLimiter', () => {
  it('allows 10 per window, refills fractionally, caps tokens and cleans idle buckets', () => {
    const rl = new RateLimiter({ limit: 10, windowMs: 60_000 });
    for (let i = 0; i < 10; i++) expect(rl.allow('1.1.1.1', 0)).toBe(true);
    expect(rl.allow('1.1.1.1', 0)).toBe(false);
    expect(rl.allow('2.2.2.2', 0)).toBe(true); // a new IP is always allowed
    expect(rl.allow('1.1.1.1', 5_999)).toBe(false); // 0.9999 tokens
    expect(rl.allow('1.1.1.1', 6_000)).toBe(true); // one token per 6 s
    expect(rl.allow('1.1.1.1', 6_000)).toBe(false);
    // Long idle: refill is capped at the bucket size.
    for (let i = 0; i < 10; i++) expect(rl.allow('1.1.1.1', 10_000_000)).toBe(true);
    expect(rl.allow('1.1.1.1', 10_000_000)).toBe(false);
    expect(rl.size).toBe(2);
    expect(rl.cleanup(10_000_000)).toBe(1); // 2.2.2.2 idle > 2 windows
    expect(rl.size).toBe(1);
  });

  it('the server refuses the 11th new key per IP per minute; known keys are exempt', async () => {
    let now = 1_700_000_000_000;
    const server = await h.server({ now: () => now });
    const c = h.client(server);
    const first = identity().publicKey;
    await c.register({ listenAddr: ':1', publicKey: first });
    for (let i = 0; i < 9; i++)
      await c.register({ listenAddr: ':1', publicKey: identity().publicKey });
    await expect(
      c.register({ listenAddr: ':1', publicKey: identity().publicKey }),
    ).rejects.toMatchObject({ remoteMessage: /rate limit/ });
    expect((await c.register({ listenAddr: ':1', publicKey: first })).nodeId).toBe(1);
    now += 6_000;
    expect((await c.register({ listenAddr: ':1', publicKey: identity().publicKey })).nodeId).toBe(
      11,
    );
  });
});

describe.each(['memory', 'sqlite', 'postgres'] as const)('reaping, %s store', (kind) => {
  it('removes silent nodes but keeps the key index, trust pairs and inboxes', async () => {
    let now = 1_700_000_000_000;
    const server = await h.server({
      ...(await storeOptions(kind, () => h.tempDir())),
      now: () => now,
      staleThresholdMs: 60_000,
      reapIntervalMs: 3_600_000,
    });
    const a = await h.node(server, { hostname: 'gone' });
    const b = await h.node(server);
    await b.client.reportTrust(a.nodeId);
    await a.client.reportTrust(b.nodeId); // a pair needs both sides
    await b.client.requestHandshake(a.nodeId, 'kept');
    now += 30_000;
    await b.client.heartbeat();
    now += 45_000; // a: 75 s silent, b: 45 s
    expect(await server.reapNow()).toBe(1);
    await expect(b.client.lookup(a.nodeId)).rejects.toMatchObject({ remoteMessage: /not found/ });
    await expect(b.client.resolveHostname('gone')).rejects.toMatchObject({ code: 'REMOTE' });
    expect(await b.client.checkTrust(a.nodeId)).toBe(true);
    // Same key → same id; the inbox survived.
    expect(
      (await a.client.register({ listenAddr: ':4000', publicKey: a.id.publicKey })).nodeId,
    ).toBe(a.nodeId);
    expect((await a.client.pollHandshakes()).requests).toEqual([
      expect.objectContaining({ justification: 'kept' }),
    ]);
    expect(await server.reapNow()).toBe(0);
  });
});

describe('key expiry and beacons', () => {
  it('heartbeat warns when the key expires within 7 days, in both modes', async () => {
    const now = Date.UTC(2030, 0, 1);
    const server = await h.server({ now: () => now });
    const a = await h.node(server);
    expect((await a.client.heartbeat()).keyExpiryWarning).toBe(false);
    await a.client.setKeyExpiry(new Date(now + 30 * 86_400_000));
    expect((await a.client.heartbeat()).keyExpiryWarning).toBe(false);
    await a.client.setKeyExpiry(new Date(now + 3 * 86_400_000));
    expect((await a.client.heartbeat()).keyExpiryWarning).toBe(true);
    const json = h.client(server, { mode: 'json', signer: a.id.sign, nodeId: a.nodeId });
    expect(await json.heartbeat()).toEqual({ time: now / 1000, keyExpiryWarning: true });
    expect((await json.getKeyInfo(a.nodeId)).expiresAt).toBe(
      new Date(now + 3 * 86_400_000).toISOString(),
    );
    await a.client.setKeyExpiry('never');
    expect((await a.client.heartbeat()).keyExpiryWarning).toBe(false);
  });

  it('beacon_register needs the admin token; entries expire after the TTL', async () => {
    let now = 1_700_000_000_000;
    const server = await h.server({ now: () => now, adminToken: 'adm' });
    const c = h.client(server);
    await expect(c.beaconRegister(7, '127.0.0.1:9001', 'bad')).rejects.toMatchObject({
      remoteMessage: /admin_token/,
    });
    await expect(c.beaconRegister(0, '127.0.0.1:9001', 'adm')).rejects.toMatchObject({
      remoteMessage: /beacon_id/,
    });
    await c.beaconRegister(7, '127.0.0.1:9001', 'adm');
    server.registerBeacon(3, '127.0.0.1:9003');
    expect(await c.beaconList()).toEqual([
      { id: 3, addr: '127.0.0.1:9003' },
      { id: 7, addr: '127.0.0.1:9001' },
    ]);
    now += 60_001;
    expect(await c.beaconList()).toEqual([]);
  });
});

describe('metrics', () => {
  it('serves Prometheus text on the metrics port', async () => {
    const server = await h.server({ metricsAddr: '127.0.0.1:0' });
    const a = await h.node(server);
    await a.client.heartbeat();
    await a.client.lookup(99).catch(() => undefined);
    const addr = server.metricsAddress()!;
    const body = await new Promise<string>((resolve, reject) => {
      request({ host: addr.host, port: addr.port, path: '/metrics' }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve(text));
      })
        .on('error', reject)
        .end();
    });
    expect(body).toContain('pilot_requests_total{type="register"} 1');
    expect(body).toContain('pilot_requests_total{type="heartbeat"} 1');
    expect(body).toContain('pilot_errors_total{type="lookup"} 1');
    expect(body).toContain('pilot_nodes_total 1');
    expect(body).toContain('pilot_nodes_online 1');
    expect(body).toContain('pilot_trust_links 0');
    expect(body).toMatch(/pilot_request_duration_seconds_count\{type="heartbeat"\} 1/);
  });
});
