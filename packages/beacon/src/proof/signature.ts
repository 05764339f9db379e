// Ed25519 verification of a node's registration signature.
import { createPublicKey, verify } from 'node:crypto';

/**
 * Whether `signature` is a valid Ed25519 signature by the raw 32-byte `publicKey` over the
 * UTF-8 bytes of `text`. Malformed keys or signatures are simply invalid.
 */
export function verifyEd25519(publicKey: Uint8Array, text: string, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  try {
    const key = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') },
      format: 'jwk',
    });
    return verify(null, Buffer.from(text, 'utf8'), key, signature);
  } catch {
    return false;
  }
}
