/**
 * The daemon's Ed25519 key pair, as plugins see it. The private key never leaves the holder;
 * plugins that need raw key material use {@link IdentitySecrets} instead.
 */
export interface Identity {
  /** The 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
  /** Signs `message` with the private key and returns the 64-byte signature. */
  sign(message: Uint8Array): Uint8Array;
  /**
   * Verifies a 64-byte Ed25519 `signature` over `message`. Checks against `publicKey` when
   * given, otherwise against this identity's own public key.
   */
  verify(message: Uint8Array, signature: Uint8Array, publicKey?: Uint8Array): boolean;
}

/**
 * Local secret key material for plugins that decrypt messages addressed to this node
 * (for example ECIES with an X25519 key derived from the signing seed). An optional service.
 */
export interface IdentitySecrets {
  /** The 32-byte Ed25519 signing seed. Callers must not retain or log it. */
  signingSeed(): Uint8Array;
}
