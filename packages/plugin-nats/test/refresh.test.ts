// The refresh loop against a real HTTPS endpoint (self-signed, trusted through `ca`).
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  credentialExpiry,
  loadCredentials,
  saveCredentials,
} from '../src/credentials/credentials.js';
import type { NatsCredential } from '../src/credentials/credentials.js';
import { httpsRefresher } from '../src/credentials/https-refresher.js';
import { RefreshLoop } from '../src/credentials/refresh-loop.js';
import { CredentialEndpoint, makeTrust, until, userCredential } from './harness.js';

let endpoint: CredentialEndpoint;
let dir: string;
const loops: RefreshLoop[] = [];
beforeEach(async () => {
  endpoint = await CredentialEndpoint.start();
  dir = mkdtempSync(path.join(tmpdir(), 'nats-cred-'));
});
afterEach(async () => {
  for (const l of loops.splice(0)) l.stop();
  await endpoint.close();
  rmSync(dir, { recursive: true, force: true });
});

function loop(extra: Partial<ConstructorParameters<typeof RefreshLoop>[0]> = {}) {
  const l = new RefreshLoop({
    refresher: httpsRefresher({ url: endpoint.url, ca: endpoint.ca }),
    backoffBaseMs: 5,
    ...extra,
  });
  loops.push(l);
  return l;
}

describe('RefreshLoop', () => {
  it('refreshNowIfDue skips a fresh credential and refreshes one inside its window', async () => {
    const trust = await makeTrust();
    const fresh = await userCredential(trust, 3600);
    const next = await userCredential(trust, 7200);
    endpoint.answer = () => Promise.resolve(next);
    const l = loop();
    l.start(fresh);
    expect(await l.refreshNowIfDue()).toBe(false);
    expect(endpoint.requests).toHaveLength(0);
    // After a long sleep the wall clock is past exp - 30 s: refresh at once.
    const exp = credentialExpiry(fresh)!;
    expect(await l.refreshNowIfDue(exp * 1000 - 10_000)).toBe(true);
    expect(l.current()).toEqual(next);
    expect(l.lastRefreshAt).toBeGreaterThan(0);
  });

  it('retries transient failures with backoff, then succeeds', async () => {
    const trust = await makeTrust();
    const expiring = await userCredential(trust, 1);
    const next = await userCredential(trust, 3600);
    const answers: (NatsCredential | number)[] = [503, 500, next];
    endpoint.answer = () => Promise.resolve(answers.shift() ?? next);
    const errors: string[] = [];
    const refreshed: NatsCredential[] = [];
    const l = loop({
      onError: (e) => errors.push((e as { code?: string }).code ?? ''),
      onRefreshed: (c) => void refreshed.push(c),
    });
    l.start(expiring);
    await until(() => refreshed.length === 1, 'refresh after retries');
    expect(errors).toEqual(['NATS_REFRESH_FAILED', 'NATS_REFRESH_FAILED']);
    expect(endpoint.requests).toHaveLength(3);
    expect(l.current()).toEqual(next);
  });

  it('stops and reports on an unauthorized answer', async () => {
    const trust = await makeTrust();
    const expiring = await userCredential(trust, 1);
    endpoint.answer = () => Promise.resolve(401);
    const reasons: string[] = [];
    const l = loop({ onUnauthorized: (e) => reasons.push(e.message) });
    l.start(expiring);
    await until(() => l.state === 'unauthorized', 'unauthorized stop');
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toMatch(/401/);
    expect(l.nextDueAt).toBeUndefined();
    expect(await l.refreshNowIfDue(Date.now() + 3_600_000)).toBe(false);
    expect(endpoint.requests).toHaveLength(1);
    expect(l.current()).toEqual(expiring);
  });

  it('a refresh from the timer and one from refreshNowIfDue share one request', async () => {
    const trust = await makeTrust();
    const expiring = await userCredential(trust, 1);
    const next = await userCredential(trust, 3600);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    endpoint.answer = async () => {
      await gate;
      return next;
    };
    const l = loop();
    l.start(expiring);
    await until(() => endpoint.requests.length === 1, 'timer refresh in flight');
    const now = l.refreshNowIfDue();
    release();
    expect(await now).toBe(true);
    expect(endpoint.requests).toHaveLength(1);
  });
});

describe('credentials file', () => {
  it('round-trips JWT and token credentials with mode 0600', async () => {
    const trust = await makeTrust();
    const cred = await userCredential(trust, 60);
    const file = path.join(dir, 'nats', 'credentials.json');
    expect(await loadCredentials(file)).toBeUndefined();
    await saveCredentials(file, cred);
    expect(await loadCredentials(file)).toEqual(cred);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    await saveCredentials(file, { kind: 'token', token: 't0k' });
    expect(await loadCredentials(file)).toEqual({ kind: 'token', token: 't0k' });
    expect(credentialExpiry({ kind: 'token', token: 'x' })).toBeUndefined();
    expect(Math.abs(credentialExpiry(cred)! - (Date.now() / 1000 + 60))).toBeLessThan(5);
  });

  it('rejects malformed credentials with a typed error', async () => {
    const file = path.join(dir, 'bad.json');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, JSON.stringify({ jwt: 'a.b.c', seed: 'SAxxx' }));
    await expect(loadCredentials(file)).rejects.toMatchObject({ code: 'NATS_CREDENTIALS_INVALID' });
    writeFileSync(file, '{');
    await expect(loadCredentials(file)).rejects.toMatchObject({ code: 'NATS_CREDENTIALS_INVALID' });
  });
});
