import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  MalformedHandshakeError,
  formatHandshakeLine,
  generateCertificate,
  negotiateVersion,
  parseHandshakeLine,
} from '../src/index.js';

describe('handshake line', () => {
  it('round-trips, the certificate as unpadded base64 DER', () => {
    const cert = generateCertificate();
    const text = formatHandshakeLine({
      core: 1,
      app: 3,
      network: 'unix',
      address: '/tmp/p.sock',
      protocol: 'grpc',
      serverCert: cert.certDer,
    });
    expect(text.startsWith('1|3|unix|/tmp/p.sock|grpc|')).toBe(true);
    expect(text.endsWith('=')).toBe(false);
    const parsed = parseHandshakeLine(text + '\n');
    expect(parsed).toMatchObject({
      core: 1,
      app: 3,
      network: 'unix',
      address: '/tmp/p.sock',
      protocol: 'grpc',
    });
    expect(Buffer.from(parsed.serverCert ?? []).equals(Buffer.from(cert.certDer))).toBe(true);
  });

  it("reads go-plugin's forms: 4 fields default to netrpc, short cert fields are ignored", () => {
    expect(parseHandshakeLine('1|1|tcp|127.0.0.1:1234')).toMatchObject({ protocol: 'netrpc' });
    expect(parseHandshakeLine('1|1|tcp|:1234|grpc|junk').serverCert).toBeUndefined();
  });

  it.each([
    ['hello', 'fewer than 4 fields'],
    ['2|1|unix|/x|grpc', 'incompatible core version'],
    ['1|x|unix|/x|grpc', 'app version'],
    ['1|1|pipe|/x|grpc', 'unknown network'],
    ['1|1|unix|/x|thrift', 'unknown protocol'],
  ])('refuses %j with PLUGIN_MALFORMED_HANDSHAKE (%s)', (line, reason) => {
    expect(() => parseHandshakeLine(line)).toThrow(MalformedHandshakeError);
    expect(() => parseHandshakeLine(line)).toThrow(reason);
  });
});

describe('version negotiation', () => {
  it("picks the highest common version, else the plugin's lowest", () => {
    expect(negotiateVersion([1, 2, 3], '2,3,9')).toBe(3);
    expect(negotiateVersion([1, 2], '2, x ,1')).toBe(2);
    expect(negotiateVersion([4, 5], '1,2')).toBe(4);
    expect(negotiateVersion([2], undefined)).toBe(2);
  });
});

describe('AutoMTLS certificate', () => {
  it('is a self-signed CA for localhost, usable for client and server auth', () => {
    const cert = generateCertificate();
    const x = new X509Certificate(cert.certPem);
    expect(x.ca).toBe(true);
    expect(x.checkHost('localhost')).toBe('localhost');
    expect(x.verify(x.publicKey)).toBe(true);
    expect(x.keyUsage).toEqual(expect.arrayContaining(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']));
    expect(generateCertificate().certPem).not.toBe(cert.certPem);
  });
});
