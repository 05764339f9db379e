// Tunnel frame magics: the first 4 bytes of every tunnel UDP datagram (reference §C.1).

/** The 4-byte magics as big-endian uint32 values. */
export const TunnelMagic = Object.freeze({
  /** `PILT`: plaintext packet. */
  PLAIN: 0x50494c54,
  /** `PILS`: AES-GCM encrypted packet. */
  ENCRYPTED: 0x50494c53,
  /** `PILK`: anonymous X25519 key exchange. */
  KEY_EXCHANGE: 0x50494c4b,
  /** `PILA`: Ed25519-authenticated X25519 key exchange. */
  AUTH_KEY_EXCHANGE: 0x50494c41,
  /** `PILP`: NAT punch. */
  PUNCH: 0x50494c50,
} as const);

/** Size of the magic prefix. */
export const TUNNEL_MAGIC_SIZE = 4;
/** Size of the nonce in an encrypted frame. */
export const NONCE_SIZE = 12;
/** Size of the AES-GCM authentication tag that ends the ciphertext. */
export const GCM_TAG_SIZE = 16;
/** Size of an X25519 public key. */
export const X25519_KEY_SIZE = 32;
/** Size of an Ed25519 public key. */
export const ED25519_KEY_SIZE = 32;
/** Size of an Ed25519 signature. */
export const ED25519_SIGNATURE_SIZE = 64;
/** Bytes an encrypted frame adds around the ciphertext body: magic + node + nonce. */
export const ENCRYPTED_FRAME_HEADER_SIZE = TUNNEL_MAGIC_SIZE + 4 + NONCE_SIZE;
/** Total bytes `PILS` framing adds to a packet: magic + node + nonce + tag (36). */
export const ENCRYPTED_FRAME_OVERHEAD = ENCRYPTED_FRAME_HEADER_SIZE + GCM_TAG_SIZE;
