// One-time self-signed certificates for AutoMTLS, built with node:crypto (Node can make keys
// and signatures but not X.509, so the certificate body is encoded here).
import { X509Certificate, createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { bits, octets, oid, seq, set, tlv, uint, utcTime, utf8, yes } from './der.js';

/** A certificate and its private key. */
export interface OneTimeCertificate {
  /** Certificate, PEM. */
  readonly certPem: string;
  /** Certificate, DER (what the handshake line carries). */
  readonly certDer: Uint8Array;
  /** PKCS#8 private key, PEM. */
  readonly keyPem: string;
}

const ECDSA_SHA256 = '1.2.840.10045.4.3.2';
const TEN_YEARS_MS = 10 * 365 * 24 * 3600 * 1000;

/**
 * Generates a self-signed ECDSA P-256 certificate like go-plugin's: CN and DNS name
 * `localhost`, usable for client and server authentication, its own CA. Each side trusts
 * exactly the other's certificate.
 * @returns certificate and key.
 */
export function generateCertificate(): OneTimeCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const name = seq(
    set(seq(oid('2.5.4.10'), utf8('mesh'))),
    set(seq(oid('2.5.4.3'), utf8('localhost'))),
  );
  const now = Date.now();
  // The subject key identifier: SHA-1 of the public key bits, as RFC 5280 suggests.
  const ski = createHash('sha1')
    .update(spki.subarray(spki.length - 65))
    .digest();
  const extensions = seq(
    seq(oid('2.5.29.19'), yes(), octets(seq(yes()))),
    // digitalSignature, keyEncipherment, keyAgreement, keyCertSign
    seq(oid('2.5.29.15'), yes(), octets(bits(Buffer.from([0xac]), 2))),
    seq(oid('2.5.29.37'), octets(seq(oid('1.3.6.1.5.5.7.3.2'), oid('1.3.6.1.5.5.7.3.1')))),
    seq(oid('2.5.29.17'), octets(seq(tlv(0x82, Buffer.from('localhost', 'ascii'))))),
    seq(oid('2.5.29.14'), octets(octets(ski))),
  );
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  const tbs = seq(
    tlv(0xa0, uint(Buffer.from([2]))),
    uint(serial),
    seq(oid(ECDSA_SHA256)),
    name,
    seq(utcTime(new Date(now - 30_000)), utcTime(new Date(now + TEN_YEARS_MS))),
    name,
    spki,
    tlv(0xa3, extensions),
  );
  const signature = sign('sha256', tbs, { key: privateKey, dsaEncoding: 'der' });
  const der = seq(tbs, seq(oid(ECDSA_SHA256)), bits(signature));
  return {
    certDer: new Uint8Array(der),
    certPem: derToPem(der),
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/**
 * PEM text of a DER certificate.
 * @param der - certificate bytes.
 * @returns `-----BEGIN CERTIFICATE-----` text.
 */
export function derToPem(der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/**
 * Checks that `pem` parses as one X.509 certificate.
 * @param pem - certificate text.
 * @returns true when it parses.
 */
export function isCertificate(pem: string): boolean {
  try {
    new X509Certificate(pem);
    return true;
  } catch {
    return false;
  }
}
