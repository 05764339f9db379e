import { X509Certificate, createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';

/** Certificate and key (PEM) the registry listener serves TLS with. */
export interface RegistryTlsOptions {
  /** PEM certificate chain, leaf first. */
  readonly cert: string | Buffer;
  /** PEM private key. */
  readonly key: string | Buffer;
}

/** A generated certificate with its key and pin. */
export interface SelfSignedCertificate extends RegistryTlsOptions {
  /** PEM certificate. */
  readonly cert: string;
  /** PEM PKCS#8 private key. */
  readonly key: string;
  /** SHA-256 of the certificate's DER, lowercase hex: what clients pin. */
  readonly fingerprint: string;
}

/**
 * SHA-256 of a PEM certificate's DER encoding, lowercase hex without separators (the pin format
 * of the existing network's clients).
 */
export function certificateFingerprint(pem: string | Buffer): string {
  return createHash('sha256').update(new X509Certificate(pem).raw).digest('hex');
}

/** DER: tag + length + body. */
function der(tag: number, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const n = body.length;
  const len =
    n < 0x80
      ? Buffer.from([n])
      : n < 0x100
        ? Buffer.from([0x81, n])
        : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, body]);
}

/** ecdsa-with-SHA256 (1.2.840.10045.4.3.2). */
const ECDSA_SHA256 = der(
  0x30,
  der(0x06, Buffer.from([0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02])),
);

/** UTCTime `YYMMDDHHMMSSZ` (years 2000–2049) or GeneralizedTime after. */
function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
  return d.getUTCFullYear() < 2050
    ? der(0x17, Buffer.from(iso.slice(2), 'ascii'))
    : der(0x18, Buffer.from(iso, 'ascii'));
}

/**
 * Generates a self-signed ECDSA P-256 certificate (valid ten years) for the registry listener,
 * as the existing network's registry does when given no certificate.
 */
export function generateSelfSignedCertificate(
  commonName = 'mesh-rendezvous',
): SelfSignedCertificate {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const name = der(
    0x30,
    der(
      0x31,
      der(0x30, der(0x06, Buffer.from([0x55, 0x04, 0x03])), der(0x0c, Buffer.from(commonName))),
    ),
  );
  // A DER INTEGER is minimal and signed: the first byte must be neither 0x00 (padding, refused
  // by OpenSSL and Go as "illegal padding" when the next byte is < 0x80) nor ≥ 0x80 (negative).
  const serial = randomBytes(8);
  serial[0] = serial[0] & 0x7f || 0x01;
  const now = Date.now();
  const tbs = der(
    0x30,
    der(0xa0, der(0x02, Buffer.from([2]))),
    der(0x02, serial),
    ECDSA_SHA256,
    name,
    der(0x30, time(new Date(now - 60_000)), time(new Date(now + 10 * 365 * 86_400_000))),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
  );
  const signature = sign('sha256', tbs, privateKey);
  const certDer = der(0x30, tbs, ECDSA_SHA256, der(0x03, Buffer.from([0]), signature));
  const cert = `-----BEGIN CERTIFICATE-----\n${certDer
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trimEnd()}\n-----END CERTIFICATE-----\n`;
  const key = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  return { cert, key, fingerprint: certificateFingerprint(cert) };
}
