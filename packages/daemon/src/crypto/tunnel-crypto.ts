import {
  createCipheriv,
  createDecipheriv,
  createPublicKey,
  createSecretKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { ENCRYPTED_FRAME_HEADER_SIZE, TunnelMagic } from '@mesh/protocol';
import { TunnelError } from '../errors/errors.js';
import { ReplayWindow, type ReplayVerdict } from './replay-window.js';

/** HKDF-SHA256 `info` of the tunnel key ([N] frozen constant). */
export const TUNNEL_HKDF_INFO = 'pilot-tunnel-v1';
/** AES-GCM tag length. */
export const GCM_TAG_BYTES = 16;
/** Nonce length: 4-byte random prefix ‖ 8-byte big-endian counter. */
export const NONCE_BYTES = 12;

// DER prefix of an X25519 SubjectPublicKeyInfo; the raw 32-byte key follows it.
const X25519_SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

/** An ephemeral X25519 key pair (fresh on every daemon start). */
export interface X25519KeyPair {
  /** Raw 32-byte public key, as sent in `PILK`/`PILA`. */
  readonly publicKey: Uint8Array;
  /** node:crypto private key object. */
  readonly privateKey: KeyObject;
}

/**
 * Generates an X25519 key pair with node:crypto (measured faster than pure JS; see bench/).
 * @returns the pair
 */
export function generateX25519KeyPair(): X25519KeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  const der = publicKey.export({ format: 'der', type: 'spki' });
  return { publicKey: new Uint8Array(der.subarray(der.length - 32)), privateKey };
}

/**
 * X25519 + HKDF-SHA256 (empty salt, info `pilot-tunnel-v1`) → 32-byte AES-256 key.
 * @param privateKey own X25519 private key
 * @param peerPublicKey the peer's raw 32-byte X25519 public key
 * @returns the session key
 */
export function deriveTunnelKey(privateKey: KeyObject, peerPublicKey: Uint8Array): Buffer {
  if (peerPublicKey.length !== 32)
    throw new TunnelError('TUNNEL_AUTH', 'X25519 public key must be 32 bytes');
  const peer = createPublicKey({
    key: Buffer.concat([X25519_SPKI_PREFIX, peerPublicKey]),
    format: 'der',
    type: 'spki',
  });
  const shared = diffieHellman({ privateKey, publicKey: peer });
  // An all-zero secret means a low-order peer point: refuse it.
  if (shared.every((b) => b === 0))
    throw new TunnelError('TUNNEL_AUTH', 'X25519 shared secret is all zero');
  const key = tunnelKeyFromSecret(shared);
  shared.fill(0);
  return key;
}

/**
 * HKDF-SHA256 with an empty salt and info `pilot-tunnel-v1` over an X25519 shared secret.
 * @param shared the 32-byte shared secret
 * @returns the 32-byte AES-256 key
 */
export function tunnelKeyFromSecret(shared: Uint8Array): Buffer {
  return Buffer.from(hkdfSync('sha256', shared, Buffer.alloc(0), TUNNEL_HKDF_INFO, 32));
}

/** Result of {@link TunnelSession.open}. */
export type OpenResult =
  | { ok: true; plaintext: Buffer; counter: number }
  | { ok: false; reason: ReplayVerdict | 'auth' | 'malformed'; counter: number };

/**
 * One direction-agnostic AES-256-GCM session with a peer: both sides share the key, nonces are
 * separated by each side's random 4-byte prefix, the sender's node id is the additional data.
 */
export class TunnelSession {
  // One key object per session: passing raw key bytes makes node:crypto import them on every
  // createCipheriv / createDecipheriv call.
  readonly #key: KeyObject;
  readonly #prefix: Buffer;
  #counter = 0;
  #aadNode = -1;
  #aad: Buffer = Buffer.alloc(4);
  #openAadNode = -1;
  #openAad: Buffer = Buffer.alloc(4);
  /** Receive-side anti-replay window for this session. */
  readonly replay: ReplayWindow = new ReplayWindow();
  /** The peer's X25519 public key this session was derived from. */
  readonly peerPublicKey: Uint8Array;

  /**
   * @param key the 32-byte derived key
   * @param peerPublicKey the peer's X25519 key (to notice re-keys)
   * @param prefix own nonce prefix (random by default)
   * @param firstCounter the counter to continue after (0: the first frame uses counter 1); a
   *   session that replaces a forgotten one with the same key continues its counters, because
   *   the peer's replay window still holds them
   */
  constructor(
    key: Buffer,
    peerPublicKey: Uint8Array,
    prefix: Buffer = randomBytes(4),
    firstCounter = 0,
  ) {
    this.#key = createSecretKey(key);
    this.peerPublicKey = peerPublicKey;
    this.#prefix = prefix;
    this.#counter = firstCounter;
  }

  /** Frames sealed so far (the last counter used). */
  get sent(): number {
    return this.#counter;
  }

  /**
   * Encrypts one frame.
   * @param plaintext the marshalled inner packet
   * @param senderNodeId own node id (AAD)
   * @returns nonce and ciphertext‖tag
   */
  seal(plaintext: Uint8Array, senderNodeId: number): { nonce: Buffer; ciphertext: Buffer } {
    this.#counter += 1; // pre-incremented: the first frame uses counter 1
    const nonce = Buffer.allocUnsafe(NONCE_BYTES);
    this.#prefix.copy(nonce, 0);
    nonce.writeUInt32BE(Math.floor(this.#counter / 0x1_0000_0000), 4);
    nonce.writeUInt32BE(this.#counter >>> 0, 8);
    const cipher = createCipheriv('aes-256-gcm', this.#key, nonce);
    cipher.setAAD(nodeIdBytes(senderNodeId));
    const body = cipher.update(plaintext);
    const final = cipher.final();
    const tag = cipher.getAuthTag();
    return { nonce, ciphertext: Buffer.concat([body, final, tag]) };
  }

  /**
   * Encrypts one packet straight into a complete `PILS` frame
   * (`PILS ‖ sender ‖ nonce ‖ ciphertext ‖ tag`, the `@mesh/protocol` layout) with a single
   * copy of the ciphertext — the hot path of the tunnel.
   * @param plaintext the marshalled inner packet
   * @param senderNodeId own node id (written into the frame and used as AAD)
   * @returns the frame bytes
   */
  sealFrame(plaintext: Uint8Array, senderNodeId: number): Buffer {
    this.#counter += 1;
    const frame = Buffer.allocUnsafe(
      ENCRYPTED_FRAME_HEADER_SIZE + plaintext.length + GCM_TAG_BYTES,
    );
    frame.writeUInt32BE(TunnelMagic.ENCRYPTED, 0);
    frame.writeUInt32BE(senderNodeId >>> 0, 4);
    this.#prefix.copy(frame, 8);
    frame.writeUInt32BE(Math.floor(this.#counter / 0x1_0000_0000), 12);
    frame.writeUInt32BE(this.#counter >>> 0, 16);
    const cipher = createCipheriv(
      'aes-256-gcm',
      this.#key,
      frame.subarray(8, ENCRYPTED_FRAME_HEADER_SIZE),
    );
    cipher.setAAD(this.#aadFor(senderNodeId));
    let offset = ENCRYPTED_FRAME_HEADER_SIZE;
    offset += cipher.update(plaintext).copy(frame, offset);
    offset += cipher.final().copy(frame, offset);
    cipher.getAuthTag().copy(frame, offset);
    return frame;
  }

  /**
   * Encrypts one packet given in pieces (its header and its payload) into a `PILS` frame
   * returned in pieces — `[PILS ‖ sender ‖ nonce, ciphertext of each piece…, tag]` — for one
   * scatter/gather send: neither the packet nor the ciphertext is ever copied into a joined
   * buffer. GCM is a stream mode, so the pieces' ciphertexts are those of the joined packet.
   * @param pieces the marshalled inner packet, in order
   * @param senderNodeId own node id (written into the frame and used as AAD)
   * @returns the frame's pieces; joined they equal {@link TunnelSession.sealFrame}'s frame
   */
  sealPieces(pieces: readonly Uint8Array[], senderNodeId: number): Buffer[] {
    this.#counter += 1;
    const header = Buffer.allocUnsafe(ENCRYPTED_FRAME_HEADER_SIZE);
    header.writeUInt32BE(TunnelMagic.ENCRYPTED, 0);
    header.writeUInt32BE(senderNodeId >>> 0, 4);
    this.#prefix.copy(header, 8);
    header.writeUInt32BE(Math.floor(this.#counter / 0x1_0000_0000), 12);
    header.writeUInt32BE(this.#counter >>> 0, 16);
    const cipher = createCipheriv('aes-256-gcm', this.#key, header.subarray(8));
    cipher.setAAD(this.#aadFor(senderNodeId));
    const out: Buffer[] = [header];
    for (const piece of pieces) if (piece.length > 0) out.push(cipher.update(piece));
    const final = cipher.final();
    if (final.length > 0) out.push(final);
    out.push(cipher.getAuthTag());
    return out;
  }

  #aadFor(nodeId: number): Buffer {
    if (this.#aadNode !== nodeId) {
      this.#aad = nodeIdBytes(nodeId);
      this.#aadNode = nodeId;
    }
    return this.#aad;
  }

  /**
   * Checks the replay window, then authenticates and decrypts; the window entry is rolled back
   * when authentication fails.
   * @param nonce the 12-byte nonce
   * @param ciphertext ciphertext‖tag
   * @param senderNodeId the claimed sender (AAD)
   * @returns the plaintext or why it was refused
   */
  open(nonce: Uint8Array, ciphertext: Uint8Array, senderNodeId: number): OpenResult {
    if (nonce.length !== NONCE_BYTES || ciphertext.length < GCM_TAG_BYTES) {
      return { ok: false, reason: 'malformed', counter: 0 };
    }
    const view = new DataView(nonce.buffer, nonce.byteOffset, nonce.byteLength);
    const counter = view.getUint32(4) * 0x1_0000_0000 + view.getUint32(8);
    const { verdict, undo } = this.replay.check(counter);
    if (verdict !== 'ok') return { ok: false, reason: verdict, counter };
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, nonce);
      if (this.#openAadNode !== senderNodeId) {
        this.#openAad = nodeIdBytes(senderNodeId);
        this.#openAadNode = senderNodeId;
      }
      decipher.setAAD(this.#openAad);
      decipher.setAuthTag(ciphertext.subarray(ciphertext.length - GCM_TAG_BYTES));
      const body = decipher.update(ciphertext.subarray(0, ciphertext.length - GCM_TAG_BYTES));
      const final = decipher.final();
      return {
        ok: true,
        plaintext: final.length === 0 ? body : Buffer.concat([body, final]),
        counter,
      };
    } catch {
      if (undo !== undefined) this.replay.rollback(undo);
      return { ok: false, reason: 'auth', counter };
    }
  }
}

/** A node id as 4 big-endian bytes (the AEAD additional data). */
function nodeIdBytes(nodeId: number): Buffer {
  const aad = Buffer.allocUnsafe(4);
  aad.writeUInt32BE(nodeId >>> 0, 0);
  return aad;
}

/** ASCII `auth`: the first four bytes of the authenticated key-exchange challenge. */
const AUTH_PREFIX = Buffer.from('auth', 'ascii');

/**
 * The 40 bytes an authenticated key exchange (`PILA`) signs: `auth` ‖ node id BE ‖ X25519 key.
 * @param nodeId the sender's node id
 * @param x25519PublicKey the sender's 32-byte X25519 key
 * @returns the challenge bytes
 */
export function keyExchangeChallenge(nodeId: number, x25519PublicKey: Uint8Array): Uint8Array {
  const out = new Uint8Array(40);
  out.set(AUTH_PREFIX, 0);
  new DataView(out.buffer).setUint32(4, nodeId >>> 0);
  out.set(x25519PublicKey, 8);
  return out;
}
