// The 34-byte packet header + payload, CRC-32 over header (checksum zeroed) then payload.
import type { Addr } from '../address/addr.js';
import { decodeAddr, writeAddr } from '../address/addr.js';
import { checkUint, viewOf } from '../bytes/bytes.js';
import { crc32 } from '../crc32/crc32.js';
import { ProtocolError } from '../errors/protocol-error.js';
import {
  CHECKSUM_OFFSET,
  MAX_PACKET_PAYLOAD,
  PACKET_HEADER_SIZE,
  PROTOCOL_VERSION,
} from './constants.js';

/** A decoded packet. The payload is a view into the decoded input (no copy). */
export interface Packet {
  /** Flag nibble, see `Flags` (0–15). */
  readonly flags: number;
  /** Transport protocol, see `Proto` (0–255). */
  readonly proto: number;
  /** Source address. */
  readonly src: Addr;
  /** Destination address. */
  readonly dst: Addr;
  /** Source port. */
  readonly srcPort: number;
  /** Destination port. */
  readonly dstPort: number;
  /** Sequence number (byte offset, uint32). */
  readonly seq: number;
  /** Acknowledgment number (next expected byte, uint32). */
  readonly ack: number;
  /** Advertised receive window in segments (uint16). */
  readonly window: number;
  /** Payload bytes (≤ 65535). */
  readonly payload: Uint8Array;
}

/** What {@link encodePacket} needs; numeric fields default to 0 and the payload to empty. */
export interface PacketInit {
  /** Flag nibble. @default 0 */
  readonly flags?: number;
  /** Transport protocol. */
  readonly proto: number;
  /** Source address. */
  readonly src: Addr;
  /** Destination address. */
  readonly dst: Addr;
  /** Source port. */
  readonly srcPort: number;
  /** Destination port. */
  readonly dstPort: number;
  /** Sequence number. @default 0 */
  readonly seq?: number;
  /** Acknowledgment number. @default 0 */
  readonly ack?: number;
  /** Receive window in segments. @default 0 */
  readonly window?: number;
  /** Payload. @default empty */
  readonly payload?: Uint8Array;
}

const EMPTY = new Uint8Array(0);
const ZERO4 = new Uint8Array(4);

/**
 * Bytes {@link encodePacketInto} will write for `packet`.
 * @param packet - packet to measure.
 * @returns 34 + payload length.
 */
export function encodedPacketSize(packet: PacketInit): number {
  return PACKET_HEADER_SIZE + (packet.payload?.length ?? 0);
}

/**
 * Encodes `packet` into `target` at `offset` (lets a caller prepend a tunnel magic without a
 * second copy).
 * @param packet - packet to encode; every field is range-checked.
 * @param target - destination buffer with {@link encodedPacketSize} bytes free at `offset`.
 * @param offset - where to start writing.
 * @returns the number of bytes written.
 * @throws ProtocolError `too-large` for a payload over 65535 bytes, `invalid-field` for an
 *   out-of-range field or a too-small target.
 */
export function encodePacketInto(packet: PacketInit, target: Uint8Array, offset = 0): number {
  const payload = packet.payload ?? EMPTY;
  const total = PACKET_HEADER_SIZE + payload.length;
  checkFields(packet, payload, target, offset, total);
  const out = target.subarray(offset, offset + total);
  writeHeader(packet, payload.length, out);
  out.set(payload, PACKET_HEADER_SIZE);
  viewOf(out).setUint32(CHECKSUM_OFFSET, crc32(out));
  return total;
}

/**
 * Encodes only the 34-byte header of `packet`, with the checksum computed over the header and
 * `packet.payload` as if they were contiguous: the header and the payload can then go out as
 * two pieces (a scatter/gather send, or two cipher updates) without copying the payload.
 * @param packet - packet to encode; every field is range-checked.
 * @param target - destination with {@link PACKET_HEADER_SIZE} bytes free at `offset`.
 * @param offset - where to start writing.
 * @returns the number of bytes written (34).
 * @throws ProtocolError as {@link encodePacketInto}.
 */
export function encodePacketHeaderInto(packet: PacketInit, target: Uint8Array, offset = 0): number {
  const payload = packet.payload ?? EMPTY;
  checkFields(packet, payload, target, offset, PACKET_HEADER_SIZE);
  const out = target.subarray(offset, offset + PACKET_HEADER_SIZE);
  writeHeader(packet, payload.length, out);
  viewOf(out).setUint32(CHECKSUM_OFFSET, crc32(payload, crc32(out)));
  return PACKET_HEADER_SIZE;
}

/** Range checks shared by the encoders; `room` is what the target must hold at `offset`. */
function checkFields(
  packet: PacketInit,
  payload: Uint8Array,
  target: Uint8Array,
  offset: number,
  room: number,
): void {
  if (payload.length > MAX_PACKET_PAYLOAD) {
    throw new ProtocolError(
      'too-large',
      `payload too large: ${payload.length} bytes (max ${MAX_PACKET_PAYLOAD})`,
    );
  }
  checkUint(packet.flags ?? 0, 0xf, 'flags');
  checkUint(packet.proto, 0xff, 'proto');
  checkUint(packet.srcPort, 0xffff, 'srcPort');
  checkUint(packet.dstPort, 0xffff, 'dstPort');
  checkUint(packet.seq ?? 0, 0xffffffff, 'seq');
  checkUint(packet.ack ?? 0, 0xffffffff, 'ack');
  checkUint(packet.window ?? 0, 0xffff, 'window');
  if (!Number.isInteger(offset) || offset < 0 || offset + room > target.length) {
    throw new ProtocolError('invalid-field', `target needs ${room} bytes at offset ${offset}`);
  }
}

/** Writes the 34 header bytes into `out` with the checksum field zeroed. */
function writeHeader(packet: PacketInit, payloadLength: number, out: Uint8Array): void {
  const dv = viewOf(out);
  out[0] = (PROTOCOL_VERSION << 4) | (packet.flags ?? 0);
  out[1] = packet.proto;
  dv.setUint16(2, payloadLength);
  writeAddr(packet.src, out, 4);
  writeAddr(packet.dst, out, 10);
  dv.setUint16(16, packet.srcPort);
  dv.setUint16(18, packet.dstPort);
  dv.setUint32(20, packet.seq ?? 0);
  dv.setUint32(24, packet.ack ?? 0);
  dv.setUint16(28, packet.window ?? 0);
  dv.setUint32(CHECKSUM_OFFSET, 0);
}

/**
 * Encodes a packet: 34-byte header then payload, with the CRC-32 filled in.
 * @param packet - packet to encode.
 * @returns a fresh byte array.
 * @throws ProtocolError `too-large` for a payload over 65535 bytes, `invalid-field` for an
 *   out-of-range field.
 * @example
 * ```ts
 * const bytes = encodePacket({
 *   flags: Flags.SYN, proto: Proto.STREAM,
 *   src: makeAddr(0, 1), dst: makeAddr(0, 2), srcPort: 49152, dstPort: Port.STDIO, window: 512,
 * }); // 34 bytes, checksum 145ed874
 * ```
 */
export function encodePacket(packet: PacketInit): Uint8Array {
  const payload = packet.payload ?? EMPTY;
  if (payload.length > MAX_PACKET_PAYLOAD) {
    throw new ProtocolError(
      'too-large',
      `payload too large: ${payload.length} bytes (max ${MAX_PACKET_PAYLOAD})`,
    );
  }
  const out = new Uint8Array(PACKET_HEADER_SIZE + payload.length);
  encodePacketInto(packet, out, 0);
  return out;
}

/**
 * The CRC-32 a packet's checksum field must hold: over the header with the checksum field
 * taken as zero, then the payload. Does not modify `bytes`.
 * @param bytes - a whole packet (header + payload, no trailing bytes).
 * @returns unsigned 32-bit CRC.
 */
export function packetChecksum(bytes: Uint8Array): number {
  let crc = crc32(bytes.subarray(0, CHECKSUM_OFFSET));
  crc = crc32(ZERO4, crc);
  return crc32(bytes.subarray(CHECKSUM_OFFSET + 4), crc);
}

/** Options of {@link decodePacket}. */
export interface DecodePacketOptions {
  /**
   * Verify the CRC-32. Turn it off only for bytes whose integrity something stronger already
   * proved (an AEAD-authenticated tunnel frame: the peer sealed exactly these bytes).
   * @default true
   */
  readonly verifyChecksum?: boolean;
}

/**
 * Decodes and verifies a packet. Trailing bytes after `34 + payload length` are ignored; the
 * input is never modified; the returned payload is a view into `bytes`.
 * @param bytes - received bytes.
 * @param options - see {@link DecodePacketOptions}.
 * @returns the packet.
 * @throws ProtocolError `truncated` (shorter than the header or its payload),
 *   `checksum-mismatch`, or `unsupported-version` (version nibble not 1).
 * @example
 * ```ts
 * const p = decodePacket(bytes);
 * if (hasFlags(p.flags, Flags.SYN | Flags.ACK)) onSynAck(p);
 * ```
 */
export function decodePacket(bytes: Uint8Array, options?: DecodePacketOptions): Packet {
  if (bytes.length < PACKET_HEADER_SIZE) {
    throw new ProtocolError(
      'truncated',
      `packet too short: ${bytes.length} bytes (min ${PACKET_HEADER_SIZE})`,
    );
  }
  const dv = viewOf(bytes);
  const payloadLength = dv.getUint16(2);
  const total = PACKET_HEADER_SIZE + payloadLength;
  if (bytes.length < total) {
    throw new ProtocolError(
      'truncated',
      `packet truncated: have ${bytes.length} bytes, need ${total}`,
    );
  }
  const wire = dv.getUint32(CHECKSUM_OFFSET);
  const computed =
    options?.verifyChecksum === false ? wire : packetChecksum(bytes.subarray(0, total));
  if (wire !== computed) {
    throw new ProtocolError(
      'checksum-mismatch',
      `packet checksum mismatch: wire ${wire.toString(16).padStart(8, '0')}, computed ${computed.toString(16).padStart(8, '0')}`,
    );
  }
  const version = bytes[0] >>> 4;
  if (version !== PROTOCOL_VERSION) {
    throw new ProtocolError(
      'unsupported-version',
      `unsupported protocol version ${version} (expected ${PROTOCOL_VERSION})`,
    );
  }
  return {
    flags: bytes[0] & 0x0f,
    proto: bytes[1],
    src: decodeAddr(bytes, 4),
    dst: decodeAddr(bytes, 10),
    srcPort: dv.getUint16(16),
    dstPort: dv.getUint16(18),
    seq: dv.getUint32(20),
    ack: dv.getUint32(24),
    window: dv.getUint16(28),
    payload: bytes.subarray(PACKET_HEADER_SIZE, total),
  };
}
