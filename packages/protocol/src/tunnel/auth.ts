// Exact byte strings the engine signs or authenticates (reference §C.2, §C.4).
import { checkFixed, checkUint, viewOf } from '../bytes/bytes.js';
import { ProtocolError } from '../errors/protocol-error.js';
import { NONCE_SIZE, X25519_KEY_SIZE } from './magic.js';

/** Size of the signed challenge of a `PILA` key exchange. */
export const AUTH_CHALLENGE_SIZE = 40;

/**
 * The 40 bytes a `PILA` sender signs with Ed25519: ASCII `auth` (4 bytes, no colon) ‖ sender
 * node id (4 bytes BE) ‖ sender X25519 public key (32 bytes).
 * @param sender - sender node id.
 * @param x25519 - the sender's 32-byte X25519 public key.
 * @returns 40 fresh bytes.
 * @throws ProtocolError `invalid-field` for a bad node id or key size.
 */
export function authChallenge(sender: number, x25519: Uint8Array): Uint8Array {
  checkUint(sender, 0xffffffff, 'sender');
  checkFixed(x25519, X25519_KEY_SIZE, 'x25519');
  const out = new Uint8Array(AUTH_CHALLENGE_SIZE);
  out.set([0x61, 0x75, 0x74, 0x68], 0);
  viewOf(out).setUint32(4, sender);
  out.set(x25519, 8);
  return out;
}

/**
 * A node id as 4 big-endian bytes — the AES-GCM additional data of a `PILS` frame in current
 * releases (the sender's node id).
 * @param node - uint32 node id.
 * @returns 4 fresh bytes.
 */
export function nodeIdBytes(node: number): Uint8Array {
  checkUint(node, 0xffffffff, 'node');
  const out = new Uint8Array(4);
  viewOf(out).setUint32(0, node);
  return out;
}

/** A `PILS` nonce split into its parts. */
export interface Nonce {
  /** 4-byte random prefix chosen when the session is derived. */
  readonly prefix: Uint8Array;
  /** 64-bit frame counter (first frame uses 1). */
  readonly counter: bigint;
}

/**
 * Builds a 12-byte nonce: prefix (4 bytes) ‖ counter (8 bytes BE).
 * @param prefix - 4 bytes.
 * @param counter - 0 ≤ counter < 2^64.
 * @returns 12 fresh bytes.
 */
export function encodeNonce(prefix: Uint8Array, counter: bigint): Uint8Array {
  checkFixed(prefix, 4, 'nonce prefix');
  if (typeof counter !== 'bigint' || counter < 0n || counter > 0xffffffffffffffffn) {
    throw new ProtocolError('invalid-field', 'nonce counter must be a uint64 bigint');
  }
  const out = new Uint8Array(NONCE_SIZE);
  out.set(prefix, 0);
  viewOf(out).setBigUint64(4, counter);
  return out;
}

/**
 * Splits a 12-byte nonce.
 * @param nonce - 12 bytes (not modified).
 * @returns the prefix (a view) and the counter.
 * @throws ProtocolError `invalid-field` unless `nonce` is 12 bytes.
 */
export function decodeNonce(nonce: Uint8Array): Nonce {
  checkFixed(nonce, NONCE_SIZE, 'nonce');
  return { prefix: nonce.subarray(0, 4), counter: viewOf(nonce).getBigUint64(4) };
}
