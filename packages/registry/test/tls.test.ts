import { X509Certificate } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { generateSelfSignedCertificate } from '../src/index.js';
import { Harness, identity } from './helpers.js';

const h = new Harness();
afterEach(() => h.close());

describe('generateSelfSignedCertificate', () => {
  it('always encodes a valid DER serial number (regression: 1 in 256 had an illegal 0x00 pad)', () => {
    // With the old serial (first byte masked to 0x00–0x7f) one certificate in 256 started its
    // INTEGER with 0x00 followed by a byte < 0x80, which OpenSSL refuses ("illegal padding"):
    // 2000 tries hit it with probability 1 - (255/256)^2000 > 99.9 %.
    for (let i = 0; i < 2000; i++) {
      const { cert } = generateSelfSignedCertificate();
      const serial = new X509Certificate(cert).serialNumber;
      expect(serial).toMatch(/^[0-9A-F]{16}$/);
      expect(serial.slice(0, 2)).not.toBe('00');
      expect(parseInt(serial.slice(0, 2), 16)).toBeLessThan(0x80);
    }
  });
});

describe('TLS registry listener', () => {
  it('a client pinning the certificate fingerprint talks to it, in both modes', async () => {
    const cert = generateSelfSignedCertificate();
    expect(cert.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    const server = await h.server({ tls: cert });
    for (const mode of ['binary', 'json'] as const) {
      const c = h.client(server, { mode, tls: { fingerprint: cert.fingerprint } });
      const r = await c.register({ listenAddr: ':1', publicKey: identity().publicKey });
      expect((await c.lookup(r.nodeId)).nodeId).toBe(r.nodeId);
    }
    // Colon-separated upper-case pins (openssl's format) are accepted too.
    const colons = cert.fingerprint.toUpperCase().match(/../g)!.join(':');
    await h.client(server, { tls: { fingerprint: colons } }).connect();
  });

  it('a pinned client refuses a server with another certificate', async () => {
    const server = await h.server({ tls: generateSelfSignedCertificate() });
    const other = generateSelfSignedCertificate();
    const c = h.client(server, { tls: { fingerprint: other.fingerprint } });
    await expect(c.lookup(1)).rejects.toMatchObject({
      code: 'TLS',
      message: expect.stringContaining('not the pinned'),
    });
  });

  it('a client using system roots refuses a self-signed registry', async () => {
    const server = await h.server({ tls: generateSelfSignedCertificate() });
    const c = h.client(server, { tls: {} });
    await expect(c.lookup(1)).rejects.toMatchObject({ code: 'TLS' });
  });

  it('a plaintext client gets an error saying the port requires TLS, in both modes', async () => {
    const server = await h.server({ tls: generateSelfSignedCertificate() });
    for (const mode of ['binary', 'json'] as const) {
      const c = h.client(server, { mode });
      await expect(c.lookup(1)).rejects.toMatchObject({
        message: expect.stringContaining('requires TLS'),
      });
    }
  });
});

describe('registry client with several addresses', () => {
  it('fails over to the next instance when the one in use goes away', async () => {
    const storePath = `${h.tempDir()}/shared.db`;
    const a = await h.server({ storePath });
    const dead = await h.server();
    const deadPort = dead.address().port;
    await dead.close();
    const id = identity();
    const c = h.client(a, {
      signer: id.sign,
      addresses: [
        { host: '127.0.0.1', port: deadPort },
        { host: '127.0.0.1', port: a.address().port },
      ],
    });
    const r = await c.register({ listenAddr: ':1', publicKey: id.publicKey });
    expect((await c.heartbeat()).time).toBeGreaterThan(0);
    expect(r.nodeId).toBeGreaterThan(0);
  });
});
