// Tunnel frames: [4B magic][body]. This module only frames bytes; crypto lives in the engine.
import { checkFixed, checkUint, requireLength, viewOf } from '../bytes/bytes.js';
import { ProtocolError } from '../errors/protocol-error.js';
import type { PacketInit } from '../packet/packet.js';
import { encodePacketInto, encodedPacketSize } from '../packet/packet.js';
import {
  ED25519_KEY_SIZE,
  ED25519_SIGNATURE_SIZE,
  GCM_TAG_SIZE,
  NONCE_SIZE,
  TUNNEL_MAGIC_SIZE,
  TunnelMagic,
  X25519_KEY_SIZE,
} from './magic.js';

/** `PILT`: a plaintext packet (header + payload, still undecoded). */
export interface PlainFrame {
  /** Discriminant. */
  readonly kind: 'plain';
  /** The packet bytes; pass to `decodePacket`. */
  readonly packet: Uint8Array;
}

/** `PILS`: `[4B sender node][12B nonce][ciphertext + 16B tag]`. */
export interface EncryptedFrame {
  /** Discriminant. */
  readonly kind: 'encrypted';
  /** Sender node id (uint32). */
  readonly sender: number;
  /** 12-byte nonce (4-byte prefix + 8-byte big-endian counter). */
  readonly nonce: Uint8Array;
  /** AES-GCM output: ciphertext followed by the 16-byte tag (at least 16 bytes). */
  readonly ciphertext: Uint8Array;
}

/** `PILK`: `[4B sender node][32B X25519 public key]`. */
export interface KeyExchangeFrame {
  /** Discriminant. */
  readonly kind: 'key-exchange';
  /** Sender node id. */
  readonly sender: number;
  /** Sender's ephemeral X25519 public key (32 bytes). */
  readonly x25519: Uint8Array;
}

/** `PILA`: `[4B sender node][32B X25519 pub][32B Ed25519 pub][64B signature]`. */
export interface AuthKeyExchangeFrame {
  /** Discriminant. */
  readonly kind: 'auth-key-exchange';
  /** Sender node id. */
  readonly sender: number;
  /** Sender's ephemeral X25519 public key (32 bytes). */
  readonly x25519: Uint8Array;
  /** Sender's Ed25519 identity key (32 bytes). */
  readonly ed25519: Uint8Array;
  /** Ed25519 signature over {@link authChallenge} (64 bytes). */
  readonly signature: Uint8Array;
}

/** `PILP`: NAT punch. Older peers send no body; newer ones send the sender node id. */
export interface PunchFrame {
  /** Discriminant. */
  readonly kind: 'punch';
  /** Sender node id, when the frame carried one. */
  readonly sender?: number;
}

/** Any tunnel frame, discriminated by `kind`. */
export type TunnelFrame =
  PlainFrame | EncryptedFrame | KeyExchangeFrame | AuthKeyExchangeFrame | PunchFrame;

/** The `kind` of a {@link TunnelFrame}. */
export type TunnelFrameKind = TunnelFrame['kind'];

/** Writes the 4-byte magic at offset 0. */
function writeMagic(dv: DataView, magic: number): void {
  dv.setUint32(0, magic);
}

/**
 * Encodes a tunnel frame.
 * @param frame - frame to encode; fixed-size fields are checked.
 * @returns a fresh byte array starting with the magic.
 * @throws ProtocolError `invalid-field` for a wrong-size key/nonce/signature, an
 *   out-of-range node id, or a ciphertext shorter than the 16-byte tag.
 * @example
 * ```ts
 * const bytes = encodeTunnelFrame({ kind: 'key-exchange', sender: 42, x25519: publicKey });
 * ```
 */
export function encodeTunnelFrame(frame: TunnelFrame): Uint8Array {
  switch (frame.kind) {
    case 'plain': {
      const out = new Uint8Array(TUNNEL_MAGIC_SIZE + frame.packet.length);
      writeMagic(viewOf(out), TunnelMagic.PLAIN);
      out.set(frame.packet, TUNNEL_MAGIC_SIZE);
      return out;
    }
    case 'encrypted': {
      checkUint(frame.sender, 0xffffffff, 'sender');
      checkFixed(frame.nonce, NONCE_SIZE, 'nonce');
      if (frame.ciphertext.length < GCM_TAG_SIZE) {
        throw new ProtocolError('invalid-field', 'ciphertext must include the 16-byte GCM tag');
      }
      const out = new Uint8Array(8 + NONCE_SIZE + frame.ciphertext.length);
      const dv = viewOf(out);
      writeMagic(dv, TunnelMagic.ENCRYPTED);
      dv.setUint32(4, frame.sender);
      out.set(frame.nonce, 8);
      out.set(frame.ciphertext, 8 + NONCE_SIZE);
      return out;
    }
    case 'key-exchange': {
      checkUint(frame.sender, 0xffffffff, 'sender');
      checkFixed(frame.x25519, X25519_KEY_SIZE, 'x25519');
      const out = new Uint8Array(8 + X25519_KEY_SIZE);
      const dv = viewOf(out);
      writeMagic(dv, TunnelMagic.KEY_EXCHANGE);
      dv.setUint32(4, frame.sender);
      out.set(frame.x25519, 8);
      return out;
    }
    case 'auth-key-exchange': {
      checkUint(frame.sender, 0xffffffff, 'sender');
      checkFixed(frame.x25519, X25519_KEY_SIZE, 'x25519');
      checkFixed(frame.ed25519, ED25519_KEY_SIZE, 'ed25519');
      checkFixed(frame.signature, ED25519_SIGNATURE_SIZE, 'signature');
      const out = new Uint8Array(8 + X25519_KEY_SIZE + ED25519_KEY_SIZE + ED25519_SIGNATURE_SIZE);
      const dv = viewOf(out);
      writeMagic(dv, TunnelMagic.AUTH_KEY_EXCHANGE);
      dv.setUint32(4, frame.sender);
      out.set(frame.x25519, 8);
      out.set(frame.ed25519, 8 + X25519_KEY_SIZE);
      out.set(frame.signature, 8 + X25519_KEY_SIZE + ED25519_KEY_SIZE);
      return out;
    }
    case 'punch': {
      if (frame.sender === undefined) {
        const out = new Uint8Array(TUNNEL_MAGIC_SIZE);
        writeMagic(viewOf(out), TunnelMagic.PUNCH);
        return out;
      }
      checkUint(frame.sender, 0xffffffff, 'sender');
      const out = new Uint8Array(8);
      const dv = viewOf(out);
      writeMagic(dv, TunnelMagic.PUNCH);
      dv.setUint32(4, frame.sender);
      return out;
    }
    default: {
      const kind = (frame as { kind?: unknown }).kind;
      throw new ProtocolError('invalid-field', `unknown tunnel frame kind ${String(kind)}`);
    }
  }
}

/**
 * Encodes a packet straight into a `PILT` frame (one allocation, no intermediate copy).
 * @param packet - packet to encode.
 * @returns `PILT` ‖ encoded packet.
 * @throws ProtocolError as `encodePacket`.
 */
export function encodePlainPacketFrame(packet: PacketInit): Uint8Array {
  const out = new Uint8Array(TUNNEL_MAGIC_SIZE + encodedPacketSize(packet));
  writeMagic(viewOf(out), TunnelMagic.PLAIN);
  encodePacketInto(packet, out, TUNNEL_MAGIC_SIZE);
  return out;
}

/**
 * Decodes a tunnel frame. Byte fields are views into `bytes` (no copy, input untouched);
 * bytes after a fixed-size body (`PILK`, `PILA`, `PILP`) are ignored, as the reference does.
 * @param bytes - one UDP datagram.
 * @returns the frame.
 * @throws ProtocolError `truncated` for a short body, `unknown-magic` for anything else.
 * @example
 * ```ts
 * const frame = decodeTunnelFrame(datagram);
 * if (frame.kind === 'plain') handle(decodePacket(frame.packet));
 * ```
 */
export function decodeTunnelFrame(bytes: Uint8Array): TunnelFrame {
  requireLength(bytes, TUNNEL_MAGIC_SIZE, 'tunnel frame');
  const dv = viewOf(bytes);
  const magic = dv.getUint32(0);
  switch (magic) {
    case TunnelMagic.PLAIN:
      return { kind: 'plain', packet: bytes.subarray(TUNNEL_MAGIC_SIZE) };
    case TunnelMagic.ENCRYPTED:
      requireLength(bytes, 8 + NONCE_SIZE + GCM_TAG_SIZE, 'PILS frame');
      return {
        kind: 'encrypted',
        sender: dv.getUint32(4),
        nonce: bytes.subarray(8, 8 + NONCE_SIZE),
        ciphertext: bytes.subarray(8 + NONCE_SIZE),
      };
    case TunnelMagic.KEY_EXCHANGE:
      requireLength(bytes, 8 + X25519_KEY_SIZE, 'PILK frame');
      return {
        kind: 'key-exchange',
        sender: dv.getUint32(4),
        x25519: bytes.subarray(8, 8 + X25519_KEY_SIZE),
      };
    case TunnelMagic.AUTH_KEY_EXCHANGE: {
      const ed = 8 + X25519_KEY_SIZE;
      const sig = ed + ED25519_KEY_SIZE;
      requireLength(bytes, sig + ED25519_SIGNATURE_SIZE, 'PILA frame');
      return {
        kind: 'auth-key-exchange',
        sender: dv.getUint32(4),
        x25519: bytes.subarray(8, ed),
        ed25519: bytes.subarray(ed, sig),
        signature: bytes.subarray(sig, sig + ED25519_SIGNATURE_SIZE),
      };
    }
    case TunnelMagic.PUNCH:
      return bytes.length >= 8 ? { kind: 'punch', sender: dv.getUint32(4) } : { kind: 'punch' };
    default:
      throw new ProtocolError(
        'unknown-magic',
        `unknown tunnel magic 0x${magic.toString(16).padStart(8, '0')}`,
      );
  }
}
