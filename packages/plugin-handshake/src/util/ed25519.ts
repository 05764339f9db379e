// Ed25519 verification of a raw 32-byte public key with node:crypto (no extra dependency).
import { createPublicKey, verify } from 'node:crypto';

/**
 * Decodes standard base64 strictly: the text must round-trip (Go's StdEncoding rejects what
 * Node's lenient decoder would skip).
 * @param text - base64 text.
 * @returns the bytes, or `undefined` when the text is not canonical standard base64.
 */
export function decodeStdBase64(text: string): Uint8Array | undefined {
  if (text.length === 0 || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(text))
    return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? new Uint8Array(bytes) : undefined;
}

/**
 * Verifies an Ed25519 signature.
 * @param publicKey - the 32-byte public key.
 * @param message - the signed bytes.
 * @param signature - the 64-byte signature.
 * @returns whether it verifies; `false` for malformed keys or signatures.
 */
export function verifyEd25519(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  try {
    const key = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') },
      format: 'jwk',
    });
    return verify(null, message, key, signature);
  } catch {
    return false;
  }
}
