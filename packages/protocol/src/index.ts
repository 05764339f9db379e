/**
 * `@mesh/protocol`: the data-plane codecs of the mesh overlay network, byte-compatible with
 * the Pilot Protocol — 48-bit addresses, the 34-byte packet header with CRC-32, tunnel frames,
 * SACK blocks, beacon messages and the data-exchange / event-stream service frames.
 *
 * Bytes in, bytes or plain data out: no I/O, no session state, no runtime dependencies.
 * Decoders never modify their input and never read past it; variable-length byte fields they
 * return are views (`subarray`) into the input, except the incremental decoders, which return
 * fresh copies. Every failure is a {@link ProtocolError} with a stable `code`.
 *
 * @example
 * ```ts
 * import { Flags, Proto, decodePacket, encodePacket, parseAddr } from '@mesh/protocol';
 *
 * const bytes = encodePacket({
 *   flags: Flags.SYN, proto: Proto.STREAM,
 *   src: parseAddr('0:0000.0000.0001'), dst: parseAddr('0:0000.0000.0002'),
 *   srcPort: 49152, dstPort: 1000, window: 512,
 * });
 * decodePacket(bytes).dstPort; // 1000
 * ```
 *
 * @packageDocumentation
 */

export type { ProtocolErrorCode } from './errors/protocol-error.js';
export { ProtocolError, isProtocolError } from './errors/protocol-error.js';

export { crc32 } from './crc32/crc32.js';

export type { Addr } from './address/addr.js';
export {
  ADDR_SIZE,
  BACKBONE_NETWORK,
  BEACON_NODE,
  BROADCAST_NODE,
  NAMESERVER_NODE,
  REGISTRY_NODE,
  UNSPECIFIED_ADDR,
  addrEquals,
  broadcastAddr,
  decodeAddr,
  encodeAddr,
  formatAddr,
  isBroadcastAddr,
  isUnspecifiedAddr,
  makeAddr,
  parseAddr,
  writeAddr,
} from './address/addr.js';
export type { SocketAddr } from './address/socket-addr.js';
export { formatSocketAddr, parseSocketAddr } from './address/socket-addr.js';
export type { HostPort, ParseHostPortOptions } from './address/host-port.js';
export { formatHostPort, parseHostPort } from './address/host-port.js';
export type { PortRange } from './address/ports.js';
export {
  EPHEMERAL_PORT_MAX,
  EPHEMERAL_PORT_MIN,
  Port,
  REGISTERED_PORT_MAX,
  REGISTERED_PORT_MIN,
  RESERVED_PORT_MAX,
  isValidPort,
  portRange,
} from './address/ports.js';

export {
  CHECKSUM_OFFSET,
  Flags,
  MAX_PACKET_PAYLOAD,
  PACKET_HEADER_SIZE,
  PROTOCOL_VERSION,
  Proto,
  formatFlags,
  hasFlags,
} from './packet/constants.js';
export type { DecodePacketOptions, Packet, PacketInit } from './packet/packet.js';
export {
  decodePacket,
  encodePacket,
  encodePacketHeaderInto,
  encodePacketInto,
  encodedPacketSize,
  packetChecksum,
} from './packet/packet.js';
export {
  seqAdd,
  seqAfter,
  seqAfterOrEqual,
  seqBefore,
  seqBeforeOrEqual,
  seqCompare,
  seqDiff,
  seqMax,
} from './packet/seq.js';

export {
  ED25519_KEY_SIZE,
  ED25519_SIGNATURE_SIZE,
  ENCRYPTED_FRAME_HEADER_SIZE,
  ENCRYPTED_FRAME_OVERHEAD,
  GCM_TAG_SIZE,
  NONCE_SIZE,
  TUNNEL_MAGIC_SIZE,
  TunnelMagic,
  X25519_KEY_SIZE,
} from './tunnel/magic.js';
export type {
  AuthKeyExchangeFrame,
  EncryptedFrame,
  KeyExchangeFrame,
  PlainFrame,
  PunchFrame,
  TunnelFrame,
  TunnelFrameKind,
} from './tunnel/frame.js';
export { decodeTunnelFrame, encodePlainPacketFrame, encodeTunnelFrame } from './tunnel/frame.js';
export type { Nonce } from './tunnel/auth.js';
export {
  AUTH_CHALLENGE_SIZE,
  authChallenge,
  decodeNonce,
  encodeNonce,
  nodeIdBytes,
} from './tunnel/auth.js';
export type { DatagramKind } from './tunnel/classify.js';
export { BEACON_TYPE_LIMIT, classifyDatagram } from './tunnel/classify.js';

export type { SackBlock } from './sack/sack.js';
export { MAX_SACK_BLOCKS, SACK_PREFIX, decodeSack, encodeSack, isSack } from './sack/sack.js';

export type {
  BeaconMessage,
  BeaconMessageKind,
  DiscoverMessage,
  DiscoverReplyMessage,
  Endpoint,
  ProofChallengeMessage,
  ProofRequestMessage,
  ProvenDiscoverMessage,
  PunchCommandMessage,
  PunchRequestMessage,
  RelayDeliverMessage,
  RelayMessage,
  SyncMessage,
} from './beacon/message.js';
export {
  BEACON_COOKIE_SIZE,
  BeaconType,
  DISCOVER_KEY_SIZE,
  MAX_SYNC_NODES,
  PADDED_DISCOVER_SIZE,
  PADDED_PUNCH_REQUEST_SIZE,
  PROOF_CHALLENGE_SIZE,
  PROOF_REQUEST_SIZE,
  PROVEN_DISCOVER_SIZE,
  beaconRegisterChallenge,
  decodeBeaconMessage,
  encodeBeaconMessage,
} from './beacon/message.js';
export { formatIp, isIpv4Mapped, parseIp } from './beacon/ip.js';

export { MAX_SERVICE_PAYLOAD, MAX_TOPIC_LENGTH } from './service/limits.js';
export type { DataFrame, FilePayload } from './service/data-exchange.js';
export {
  DATA_FRAME_HEADER_SIZE,
  DataType,
  FILE_STREAM_CHUNK_SIZE,
  FILE_STREAM_WINDOW,
  FileStreamType,
  dataTypeName,
  decodeDataFrame,
  decodeFilePayload,
  encodeDataFrame,
  encodeFilePayload,
} from './service/data-exchange.js';
export type { EventFrame } from './service/event-stream.js';
export { decodeEventFrame, encodeEventFrame } from './service/event-stream.js';
export type { FrameDecoderOptions } from './service/decoders.js';
export { DataFrameDecoder, EventFrameDecoder, FrameDecoder } from './service/decoders.js';

export type { PluginPayloadFrame } from './plugin/plugin-payload.js';
export {
  MAX_PLUGIN_KIND_LENGTH,
  PLUGIN_PAYLOAD_PORT,
  decodePluginPayload,
  encodePluginPayload,
} from './plugin/plugin-payload.js';
