// The Ed25519 → X25519 public-key map (peer directory), against @noble/curves.
import { randomBytes } from 'node:crypto';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { ed25519ToX25519 } from '../src/peers/peer-directory.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('ed25519ToX25519', () => {
  it('maps keys as the Montgomery form of the same secret does', () => {
    for (let i = 0; i < 32; i++) {
      const secret = randomBytes(32);
      const expected = x25519.getPublicKey(ed25519.utils.toMontgomerySecret(secret));
      expect(hex(ed25519ToX25519(ed25519.getPublicKey(secret)))).toBe(hex(expected));
    }
  });

  it('maps the RFC 8032 test 1 key as @noble/curves does', () => {
    const pk = Buffer.from(
      'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
      'hex',
    );
    expect(hex(ed25519ToX25519(pk))).toBe(hex(ed25519.utils.toMontgomery(pk)));
  });

  it('rejects bytes that are not a point on the curve', () => {
    // y = 2 has no x on edwards25519 (x^2 = 3 / (4d + 1) is not a square mod p).
    const notOnCurve = new Uint8Array(32);
    notOnCurve[0] = 2;
    expect(() => ed25519.Point.fromBytes(notOnCurve)).toThrow();
    expect(() => ed25519ToX25519(notOnCurve)).toThrow(/not a point/);
    // y = p (unreduced) and a wrong length.
    const unreduced = Buffer.from(
      'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
      'hex',
    );
    expect(() => ed25519ToX25519(unreduced)).toThrow(/not reduced/);
    expect(() => ed25519ToX25519(new Uint8Array(31))).toThrow(/32 bytes/);
  });
});
