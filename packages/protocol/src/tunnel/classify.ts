// Demultiplexing of the tunnel UDP socket (reference §C.1).
import { TunnelMagic } from './magic.js';

/** What a datagram on the tunnel socket is. */
export type DatagramKind = 'beacon' | 'tunnel' | 'unknown';

/** Beacon message type bytes are all below this value. */
export const BEACON_TYPE_LIMIT = 0x10;

/**
 * Tells a beacon message (first byte below 0x10) from a tunnel frame (known 4-byte magic).
 * Never throws and never reads past the input.
 * @param bytes - one received datagram.
 * @returns `beacon`, `tunnel`, or `unknown` (empty, short, or unknown magic: drop it).
 */
export function classifyDatagram(bytes: Uint8Array): DatagramKind {
  if (bytes.length === 0) return 'unknown';
  if (bytes[0] < BEACON_TYPE_LIMIT) return 'beacon';
  if (bytes.length < 4) return 'unknown';
  const magic = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
  switch (magic) {
    case TunnelMagic.PLAIN:
    case TunnelMagic.ENCRYPTED:
    case TunnelMagic.KEY_EXCHANGE:
    case TunnelMagic.AUTH_KEY_EXCHANGE:
    case TunnelMagic.PUNCH:
      return 'tunnel';
    default:
      return 'unknown';
  }
}
