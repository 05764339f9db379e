// Freshness of a `PILA` key exchange: a mesh extension after the fields the reference reads.
// The reference's PILA handler (keyexchange `HandleAuthFrame`) reads fixed offsets after a
// minimum-length check and ignores trailing bytes, so existing clients accept frames carrying it.
import { verifySignature } from '../identity/identity.js';
import type { IdentitySigner } from '../identity/identity-holder.js';

/** Size of a `PILA` frame as the reference defines it: magic, node, X25519, Ed25519, signature. */
export const AUTH_KX_SIZE = 4 + 4 + 32 + 32 + 64;

/** The extension's 4-byte tag, ASCII `mts1`. */
const TAG = new Uint8Array([0x6d, 0x74, 0x73, 0x31]);
/** Domain separation of the extension's signature from every other signed string. */
const DOMAIN = new TextEncoder().encode('mesh-kx-ts-v1');

/** Size of the extension: tag, 8-byte millisecond timestamp, Ed25519 signature. */
export const FRESHNESS_EXTENSION_SIZE = TAG.length + 8 + 64;

/** The signed bytes: domain ‖ node (4 BE) ‖ X25519 public key ‖ timestamp (8 BE, ms). */
function signedBytes(node: number, x25519: Uint8Array, timestampMs: number): Uint8Array {
  const out = new Uint8Array(DOMAIN.length + 4 + x25519.length + 8);
  const dv = new DataView(out.buffer);
  out.set(DOMAIN, 0);
  dv.setUint32(DOMAIN.length, node);
  out.set(x25519, DOMAIN.length + 4);
  dv.setBigUint64(DOMAIN.length + 4 + x25519.length, BigInt(timestampMs));
  return out;
}

/**
 * The extension appended to this run's `PILA` frame.
 * @param identity the node's Ed25519 identity
 * @param node the node id
 * @param x25519 this run's X25519 public key
 * @param timestampMs when the key exchange was created (ms since the epoch)
 * @returns {@link FRESHNESS_EXTENSION_SIZE} bytes
 */
export function encodeFreshness(
  identity: IdentitySigner,
  node: number,
  x25519: Uint8Array,
  timestampMs: number,
): Uint8Array {
  const out = new Uint8Array(FRESHNESS_EXTENSION_SIZE);
  out.set(TAG, 0);
  new DataView(out.buffer).setBigUint64(TAG.length, BigInt(timestampMs));
  out.set(identity.sign(signedBytes(node, x25519, timestampMs)), TAG.length + 8);
  return out;
}

/** What a received `PILA` says about its freshness. */
export type Freshness =
  /** No extension (the reference's frames): freshness unknown. */
  | { readonly kind: 'none' }
  /** A valid extension: the key exchange was created at `timestampMs`. */
  | { readonly kind: 'fresh'; readonly timestampMs: number }
  /** An extension whose signature does not verify (tampered or forged). */
  | { readonly kind: 'invalid' };

/**
 * Reads the extension of a received `PILA` datagram (signature checked with `ed25519`).
 * @param frame the whole tunnel frame, magic included
 * @param node the sender node id in the frame
 * @param x25519 the X25519 key in the frame
 * @param ed25519 the Ed25519 key the frame's main signature was checked with
 * @returns the freshness
 */
export function readFreshness(
  frame: Uint8Array,
  node: number,
  x25519: Uint8Array,
  ed25519: Uint8Array,
): Freshness {
  if (frame.length < AUTH_KX_SIZE + FRESHNESS_EXTENSION_SIZE) return { kind: 'none' };
  const ext = frame.subarray(AUTH_KX_SIZE, AUTH_KX_SIZE + FRESHNESS_EXTENSION_SIZE);
  for (let i = 0; i < TAG.length; i++) if (ext[i] !== TAG[i]) return { kind: 'none' };
  const ts = new DataView(ext.buffer, ext.byteOffset, ext.byteLength).getBigUint64(TAG.length);
  if (ts > BigInt(Number.MAX_SAFE_INTEGER)) return { kind: 'invalid' };
  const timestampMs = Number(ts);
  const signature = ext.subarray(TAG.length + 8);
  if (!verifySignature(signature, signedBytes(node, x25519, timestampMs), ed25519))
    return { kind: 'invalid' };
  return { kind: 'fresh', timestampMs };
}
