import { createPublicKey, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

// SubjectPublicKeyInfo prefix of a raw 32-byte Ed25519 key (RFC 8410).
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const CACHE_LIMIT = 65_536;

/**
 * Verifies Ed25519 signatures with Node's native implementation (much faster than a pure-JS
 * verifier on the heartbeat/resolve hot path), caching one KeyObject per public key.
 */
export class SignatureVerifier {
  readonly #keys = new Map<string, KeyObject>();

  /** Whether `signature` is a valid Ed25519 signature by `publicKey` (base64) over `challenge`. */
  verify(publicKey: string, challenge: string, signature: Uint8Array): boolean {
    if (signature.length !== 64) return false;
    const key = this.#key(publicKey);
    if (!key) return false;
    try {
      return verify(null, Buffer.from(challenge, 'utf8'), key, signature);
    } catch {
      return false;
    }
  }

  #key(publicKey: string): KeyObject | undefined {
    let key = this.#keys.get(publicKey);
    if (key) return key;
    const raw = decodePublicKey(publicKey);
    if (!raw) return undefined;
    try {
      key = createPublicKey({
        key: Buffer.concat([SPKI_PREFIX, raw]),
        format: 'der',
        type: 'spki',
      });
    } catch {
      return undefined;
    }
    if (this.#keys.size >= CACHE_LIMIT) this.#keys.clear();
    this.#keys.set(publicKey, key);
    return key;
  }
}

/** Decodes a standard-base64 Ed25519 public key; undefined unless it is exactly 32 bytes. */
export function decodePublicKey(b64: string): Buffer | undefined {
  if (b64.length !== 44 || !/^[A-Za-z0-9+/]{43}=$/.test(b64)) return undefined;
  const raw = Buffer.from(b64, 'base64');
  return raw.length === 32 ? raw : undefined;
}

/** Decodes a base64 signature field; undefined unless it is 64 bytes. */
export function decodeSignature(value: unknown): Uint8Array | undefined {
  if (typeof value !== 'string' || value.length === 0) return undefined;
  const raw = Buffer.from(value, 'base64');
  return raw.length === 64 ? raw : undefined;
}
