import type { Identity } from './identity.js';

/**
 * What the tunnel and the registry session need from an identity: the public key and a signer.
 * Both {@link Identity} and {@link IdentityHolder} satisfy it.
 */
export interface IdentitySigner {
  /** The 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
  /** The public key as standard base64. */
  readonly publicKeyBase64: string;
  /**
   * Signs bytes.
   * @param message the bytes
   * @returns the 64-byte signature
   */
  sign(message: Uint8Array): Uint8Array;
}

/**
 * The node's one current identity. The tunnel and the registry session read the key through it
 * on every use instead of keeping their own copy, so a key rotation swaps it in one place and
 * the next signature of either is made with the new key.
 */
export class IdentityHolder implements IdentitySigner {
  #current: Identity;

  /**
   * @param initial the identity in use at start
   */
  constructor(initial: Identity) {
    this.#current = initial;
  }

  /** The identity in use now. */
  get current(): Identity {
    return this.#current;
  }

  /** The current public key. */
  get publicKey(): Uint8Array {
    return this.#current.publicKey;
  }

  /** The current public key as standard base64. */
  get publicKeyBase64(): string {
    return this.#current.publicKeyBase64;
  }

  /**
   * Signs with the current key.
   * @param message the bytes
   * @returns the 64-byte signature
   */
  sign(message: Uint8Array): Uint8Array {
    return this.#current.sign(message);
  }

  /**
   * Replaces the identity (after the registry accepted the new key).
   * @param next the new identity
   * @returns the identity it replaced
   */
  swap(next: Identity): Identity {
    const previous = this.#current;
    this.#current = next;
    return previous;
  }

  /** Hides the key material from `util.inspect` and logs. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `IdentityHolder(${this.publicKeyBase64})`;
  }
}
