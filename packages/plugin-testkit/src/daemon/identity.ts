import { createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { Identity, IdentitySecrets } from '@mesh/daemonapi';

/** A real Ed25519 identity held in memory (node:crypto), plus its secret seed. */
export class MemoryIdentity implements Identity, IdentitySecrets {
  readonly publicKey: Uint8Array;
  readonly #privateKey: KeyObject;
  readonly #seed: Uint8Array;

  /** Generates a fresh key pair. */
  constructor() {
    const { privateKey } = generateKeyPairSync('ed25519');
    const jwk = privateKey.export({ format: 'jwk' });
    this.#privateKey = privateKey;
    this.#seed = new Uint8Array(Buffer.from(jwk.d ?? '', 'base64url'));
    this.publicKey = new Uint8Array(Buffer.from(jwk.x ?? '', 'base64url'));
  }

  sign(message: Uint8Array): Uint8Array {
    return new Uint8Array(sign(null, message, this.#privateKey));
  }

  verify(
    message: Uint8Array,
    signature: Uint8Array,
    publicKey: Uint8Array = this.publicKey,
  ): boolean {
    if (publicKey.length !== 32 || signature.length !== 64) return false;
    const key = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') },
      format: 'jwk',
    });
    return verify(null, message, key, signature);
  }

  signingSeed(): Uint8Array {
    return this.#seed.slice();
  }
}

/** A fresh X25519 public key, as a peer would advertise it. */
export function randomX25519PublicKey(): Uint8Array {
  const { publicKey } = generateKeyPairSync('x25519');
  return new Uint8Array(Buffer.from(publicKey.export({ format: 'jwk' }).x ?? '', 'base64url'));
}
