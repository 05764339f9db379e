// Packet header constants (reference §B.3, §L).

/** Size of the packet header in bytes. */
export const PACKET_HEADER_SIZE = 34;
/** The protocol version carried in the high nibble of byte 0. */
export const PROTOCOL_VERSION = 1;
/** Largest payload a packet can carry (the length field is 16 bits). */
export const MAX_PACKET_PAYLOAD = 65535;
/** Offset of the 4-byte checksum inside the header. */
export const CHECKSUM_OFFSET = 30;

/** Header flag bits (low nibble of byte 0). Combine with `|`. */
export const Flags = Object.freeze({
  /** Open a stream. */
  SYN: 0x1,
  /** The acknowledgment field is valid. */
  ACK: 0x2,
  /** Close a stream. */
  FIN: 0x4,
  /** Abort a stream. */
  RST: 0x8,
} as const);

/** Transport protocol numbers (byte 1). */
export const Proto = Object.freeze({
  /** Reliable ordered byte stream. */
  STREAM: 0x01,
  /** Unreliable datagrams. */
  DATAGRAM: 0x02,
  /** Control messages (ping on port 0). */
  CONTROL: 0x03,
} as const);

/**
 * @param flags - a packet's flag nibble.
 * @param flag - one or more {@link Flags} bits.
 * @returns true when every bit of `flag` is set.
 */
export function hasFlags(flags: number, flag: number): boolean {
  return (flags & flag) === flag;
}

/**
 * Names the set flags for logs.
 * @param flags - a flag nibble.
 * @returns e.g. `SYN|ACK`, or `-` when none is set.
 */
export function formatFlags(flags: number): string {
  const names: string[] = [];
  if (flags & Flags.SYN) names.push('SYN');
  if (flags & Flags.ACK) names.push('ACK');
  if (flags & Flags.FIN) names.push('FIN');
  if (flags & Flags.RST) names.push('RST');
  return names.length === 0 ? '-' : names.join('|');
}
