import { createHash, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ENVELOPE_FIELDS,
  REGISTRY_AUDIENCE,
  canonicalEnvelope,
  challenges,
  envelopeFresh,
  hashBody,
  hashRequestBody,
  isWireError,
  parseEnvelope,
  requestBody,
} from '../src/index.js';
import { sha256, toHex } from '../src/bytes/sha256.js';

// Goldens produced by Go `common/reqsig` (Envelope.Canonical, HashBody, Sign, Parse) at
// pilot-protocol/common HEAD: seed bytes 1..32, body {"hostname":"alpha","node_id":42,"type":"set_hostname"}.
const GO = {
  canonical:
    'pilot-req-v1|00000000002a|1767225600|0011223344556677|efd48d2c1277832298367d8dae76c91a5446a6aef2fc927925b5fb40d5a5150a|registry',
  signature:
    'SPhvH/U18ADF9rpZ29ixpAUnk6pnEN/6qqXbAEkYuYqOU005m5Fis3Jlfs6sSqyHZ6sEABdcCuCFTTCG3QKpDQ==',
  publicKeyHex: '79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664',
  edges:
    'pilot-req-v1|beeffffffffe|0|ffffffffffffffff|e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855|a.b-c9',
};

const seed = Buffer.from(Array.from({ length: 32 }, (_, i) => i + 1));
const privateKey = createPrivateKey({
  key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]),
  format: 'der',
  type: 'pkcs8',
});

describe('request envelope (Go reqsig)', () => {
  const msg = { type: 'set_hostname', node_id: 42, hostname: 'alpha' };

  it('builds the canonical text Go builds, and Go signs the same bytes', () => {
    const text = canonicalEnvelope({
      network: 0,
      node: 42,
      timestamp: 1767225600,
      nonce: '0011223344556677',
      bodyHash: hashRequestBody(msg),
      audience: REGISTRY_AUDIENCE,
    });
    expect(text).toBe(GO.canonical);
    // Ed25519 is deterministic: same key, same bytes → Go's exact signature.
    expect(sign(null, Buffer.from(text), privateKey).toString('base64')).toBe(GO.signature);
    const pub = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
    expect(pub.subarray(-32).toString('hex')).toBe(GO.publicKeyHex);
    expect(
      verify(
        null,
        Buffer.from(GO.canonical),
        createPublicKey(privateKey),
        Buffer.from(GO.signature, 'base64'),
      ),
    ).toBe(true);
  });

  it('round-trips the extremes of every field', () => {
    const e = parseEnvelope(GO.edges);
    expect(e).toEqual({
      network: 0xbeef,
      node: 0xfffffffe,
      timestamp: 0,
      nonce: 'ffffffffffffffff',
      bodyHash: hashBody(new Uint8Array()),
      audience: 'a.b-c9',
    });
    expect(canonicalEnvelope(e)).toBe(GO.edges);
  });

  it('refuses every text Go reqsig.Parse refuses', () => {
    const h = hashRequestBody(msg);
    for (const bad of [
      `pilot-req-v1|00000000002a|01767225600|0011223344556677|${h}|registry`, // leading zero
      `pilot-req-v1|00000000002A|1|0011223344556677|${h}|registry`, // uppercase hex
      `pilot-req-v2|00000000002a|1|0011223344556677|${h}|registry`, // domain
      `pilot-req-v1|00000000002a|1|0011223344556677|${h}|Registry`, // audience charset
      `pilot-req-v1|00000000002a|1|001122334455667|${h}|registry`, // short nonce
      `pilot-req-v1|00000000002a|1|0011223344556677|${h}`, // five fields
      `pilot-req-v1|00000000002a|+1|0011223344556677|${h}|registry`, // sign
      `pilot-req-v1|00000000002a|1|0011223344556677|${h}|registry|x`, // seven fields
      `pilot-req-v1|00000000002a|1|0011223344556677|${h.slice(1)}|registry`, // short hash
      'x'.repeat(600),
    ]) {
      let err: unknown;
      try {
        parseEnvelope(bad);
      } catch (e) {
        err = e;
      }
      expect(isWireError(err) && err.code === 'INVALID', bad).toBe(true);
    }
  });

  it('checks freshness within ±300 s', () => {
    const e = parseEnvelope(GO.canonical);
    expect(envelopeFresh(e, 1767225600 + 300)).toBe(true);
    expect(envelopeFresh(e, 1767225600 - 300)).toBe(true);
    expect(envelopeFresh(e, 1767225600 + 301)).toBe(false);
    expect(envelopeFresh(e, 1767225600 - 301)).toBe(false);
  });

  it('hashes the request without its signature fields, whatever the key order', () => {
    const body = new TextDecoder().decode(
      requestBody({
        type: 'set_tags',
        tags: ['b', 'a'],
        node_id: 7,
        nested: { z: 1, a: [true, null] },
        skipped: undefined,
        signature: 'AAAA',
        [ENVELOPE_FIELDS.envelope]: 'x',
        [ENVELOPE_FIELDS.signature]: 'y',
      }),
    );
    expect(body).toBe(
      '{"nested":{"a":[true,null],"z":1},"node_id":7,"tags":["b","a"],"type":"set_tags"}',
    );
    expect(hashRequestBody({ node_id: 42, hostname: 'alpha', type: 'set_hostname' })).toBe(
      hashRequestBody(msg),
    );
    expect(hashRequestBody({ ...msg, hostname: 'beta' })).not.toBe(hashRequestBody(msg));
  });

  it('sha256 agrees with node:crypto on any input', () => {
    expect(toHex(sha256(new TextEncoder().encode('abc')))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(toHex(sha256(bytes))).toBe(createHash('sha256').update(bytes).digest('hex'));
      }),
    );
  });

  it('builds the register and rebind proofs', () => {
    expect(challenges.register('0.0.0.0:4000', 'KEY=')).toBe('register:0.0.0.0:4000:KEY=');
    expect(challenges.rebind(9, 'KEY=')).toBe('rebind:9:KEY=');
  });
});
