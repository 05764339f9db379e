// Beacon messages on UDP :9001, [1B type][body] (reference §E.9).
import { checkFixed, checkUint, requireLength, viewOf } from '../bytes/bytes.js';
import { ProtocolError } from '../errors/protocol-error.js';
import { formatIp, isIpv4Mapped, parseIp } from './ip.js';

/** Beacon message type bytes. */
export const BeaconType = Object.freeze({
  /** Client → beacon: `[4B node]`. */
  DISCOVER: 0x01,
  /** Beacon → client: `[1B ip len][ip][2B port]`, the observed endpoint. */
  DISCOVER_REPLY: 0x02,
  /** Client → beacon: `[4B requester][4B target]`. */
  PUNCH_REQUEST: 0x03,
  /** Beacon → client: `[1B ip len][ip][2B port]`, where to punch. */
  PUNCH_COMMAND: 0x04,
  /** Client → beacon: `[4B sender][4B dest][tunnel frame]`. */
  RELAY: 0x05,
  /** Beacon → client: `[4B sender][tunnel frame]`. */
  RELAY_DELIVER: 0x06,
  /** Beacon ↔ beacon gossip: `[4B beacon id][2B count][count × 4B node]`. */
  SYNC: 0x07,
  // 0x08 DiscoverEx and 0x09 RelayDeliverDest are taken by the reference (Go `protocol`
  // package); mesh's proven registration uses the next free codes, all below 0x10.
  /** Mesh, client → beacon: `[4B node][padding]`, asks for a registration challenge. */
  PROOF_REQUEST: 0x0a,
  /** Mesh, beacon → client: `[4B node][8B issued at][16B cookie]`. */
  PROOF_CHALLENGE: 0x0b,
  /** Mesh, client → beacon: `[4B node][8B issued at][16B cookie][64B Ed25519 signature]`. */
  PROVEN_DISCOVER: 0x0c,
} as const);

/** Bytes of a registration cookie (a truncated HMAC the beacon can check without state). */
export const BEACON_COOKIE_SIZE = 16;
/** Bytes of a ProofChallenge message, type byte included. */
export const PROOF_CHALLENGE_SIZE = 1 + 4 + 8 + BEACON_COOKIE_SIZE;
/**
 * Bytes of an encoded ProofRequest: padded to the size of the challenge it asks for, so a
 * beacon never answers with more bytes than it received.
 */
export const PROOF_REQUEST_SIZE = PROOF_CHALLENGE_SIZE;
/** Bytes of a ProvenDiscover message, type byte included. */
export const PROVEN_DISCOVER_SIZE = PROOF_CHALLENGE_SIZE + 64;
/** Bytes of the Ed25519 public key a Discover may carry after the node id (reference layout). */
export const DISCOVER_KEY_SIZE = 32;
/**
 * Smallest PunchRequest a mesh beacon answers by default: the two PunchCommands it sends
 * (IPv6 endpoints: 20 bytes each) must not outweigh the request.
 */
export const PADDED_PUNCH_REQUEST_SIZE = 41;
/** Smallest anonymous Discover a mesh beacon answers by default (an IPv6 reply is 20 bytes). */
export const PADDED_DISCOVER_SIZE = 21;

/**
 * The text a node signs to prove it owns `node` to a beacon: binds the node id to the beacon's
 * challenge (issue time and cookie), so a signature is useless for another node, another
 * source address or after the cookie expires.
 * @example
 * ```ts
 * beaconRegisterChallenge(7, 1234n, cookie); // 'beacon_register:7:1234:0a1b…'
 * ```
 */
export function beaconRegisterChallenge(
  node: number,
  issuedAt: bigint,
  cookie: Uint8Array,
): string {
  let hex = '';
  for (const b of cookie) hex += b.toString(16).padStart(2, '0');
  return `beacon_register:${node}:${issuedAt}:${hex}`;
}

/** A UDP endpoint as text address + port. */
export interface Endpoint {
  /** IPv4 dotted quad or IPv6 text. */
  readonly address: string;
  /** UDP port, 0–65535. */
  readonly port: number;
}

/** 0x01 Discover. */
export interface DiscoverMessage {
  /** Discriminant. */
  readonly kind: 'discover';
  /** Node id of the sender. */
  readonly node: number;
  /**
   * The sender's Ed25519 public key (32 bytes) after the node id, as newer reference clients
   * send it. A claim only: a mesh beacon never trusts it.
   */
  readonly publicKey?: Uint8Array;
  /** Encode only: zero bytes appended so the message is at least this long. */
  readonly padTo?: number;
}
/** 0x02 DiscoverReply. */
export interface DiscoverReplyMessage {
  /** Discriminant. */
  readonly kind: 'discover-reply';
  /** The sender's public endpoint as the beacon observed it. */
  readonly endpoint: Endpoint;
}
/** 0x03 PunchRequest. */
export interface PunchRequestMessage {
  /** Discriminant. */
  readonly kind: 'punch-request';
  /** Node asking for the punch. */
  readonly requester: number;
  /** Node to punch towards. */
  readonly target: number;
  /** Encode only: zero bytes appended so the message is at least this long. */
  readonly padTo?: number;
}
/** 0x04 PunchCommand. */
export interface PunchCommandMessage {
  /** Discriminant. */
  readonly kind: 'punch-command';
  /** Endpoint to send `PILP` frames to. */
  readonly endpoint: Endpoint;
}
/** 0x05 Relay. */
export interface RelayMessage {
  /** Discriminant. */
  readonly kind: 'relay';
  /** Sending node. */
  readonly sender: number;
  /** Destination node. */
  readonly dest: number;
  /** The wrapped tunnel frame (view into the input when decoded). */
  readonly frame: Uint8Array;
}
/** 0x06 RelayDeliver. */
export interface RelayDeliverMessage {
  /** Discriminant. */
  readonly kind: 'relay-deliver';
  /** Original sending node. */
  readonly sender: number;
  /** The wrapped tunnel frame (view into the input when decoded). */
  readonly frame: Uint8Array;
}
/** 0x07 Sync. */
export interface SyncMessage {
  /** Discriminant. */
  readonly kind: 'sync';
  /** Id of the gossiping beacon. */
  readonly beaconId: number;
  /** Node ids registered at that beacon (at most 65535). */
  readonly nodes: readonly number[];
}

/** 0x0A ProofRequest (mesh). */
export interface ProofRequestMessage {
  /** Discriminant. */
  readonly kind: 'proof-request';
  /** Node id the sender wants to register. */
  readonly node: number;
}
/** 0x0B ProofChallenge (mesh). */
export interface ProofChallengeMessage {
  /** Discriminant. */
  readonly kind: 'proof-challenge';
  /** Node id the challenge is for. */
  readonly node: number;
  /** The beacon's clock (ms) when it issued the cookie. */
  readonly issuedAt: bigint;
  /** {@link BEACON_COOKIE_SIZE} bytes binding node, time and the requester's address. */
  readonly cookie: Uint8Array;
}
/** 0x0C ProvenDiscover (mesh). */
export interface ProvenDiscoverMessage {
  /** Discriminant. */
  readonly kind: 'proven-discover';
  /** Node id being registered. */
  readonly node: number;
  /** Echoed from the challenge. */
  readonly issuedAt: bigint;
  /** Echoed from the challenge. */
  readonly cookie: Uint8Array;
  /** Ed25519 signature over {@link beaconRegisterChallenge}. */
  readonly signature: Uint8Array;
}

/** Any beacon message, discriminated by `kind`. */
export type BeaconMessage =
  | DiscoverMessage
  | DiscoverReplyMessage
  | PunchRequestMessage
  | PunchCommandMessage
  | RelayMessage
  | RelayDeliverMessage
  | SyncMessage
  | ProofRequestMessage
  | ProofChallengeMessage
  | ProvenDiscoverMessage;

/** The `kind` of a {@link BeaconMessage}. */
export type BeaconMessageKind = BeaconMessage['kind'];

/** Largest node list a Sync message can carry (16-bit count). */
export const MAX_SYNC_NODES = 0xffff;

/** Encodes `[type][ip len][ip][port]`, IPv4-mapped IPv6 as 4 bytes. */
function endpointBytes(type: number, ep: Endpoint): Uint8Array {
  let ip = parseIp(ep.address);
  // Like the reference (Go's IP.To4), IPv4-mapped IPv6 goes on the wire as 4 bytes.
  if (isIpv4Mapped(ip)) ip = ip.subarray(12);
  if (!Number.isInteger(ep.port) || ep.port < 0 || ep.port > 0xffff) {
    throw new ProtocolError('invalid-port', `port must be an integer in 0..65535, got ${ep.port}`);
  }
  const out = new Uint8Array(2 + ip.length + 2);
  out[0] = type;
  out[1] = ip.length;
  out.set(ip, 2);
  viewOf(out).setUint16(2 + ip.length, ep.port);
  return out;
}

/** Reads `[type][ip len][ip][port]`. */
function readEndpoint(bytes: Uint8Array, what: string): Endpoint {
  requireLength(bytes, 2, what);
  const ipLen = bytes[1];
  if (ipLen !== 4 && ipLen !== 16) {
    throw new ProtocolError('invalid-length', `${what}: IP length must be 4 or 16, got ${ipLen}`);
  }
  requireLength(bytes, 2 + ipLen + 2, what);
  return {
    address: formatIp(bytes.subarray(2, 2 + ipLen)),
    port: viewOf(bytes).getUint16(2 + ipLen),
  };
}

/** `bytes`, zero-padded to at least `padTo` bytes. */
function padded(bytes: Uint8Array, padTo: number | undefined): Uint8Array {
  if (padTo === undefined || padTo <= bytes.length) return bytes;
  checkUint(padTo, 0xffff, 'padTo');
  const out = new Uint8Array(padTo);
  out.set(bytes, 0);
  return out;
}

/** Encodes `[type][4B node][8B issued at][16B cookie]` (+ signature when given). */
function proofBody(
  type: number,
  node: number,
  issuedAt: bigint,
  cookie: Uint8Array,
  signature?: Uint8Array,
): Uint8Array {
  checkUint(node, 0xffffffff, 'node');
  if (issuedAt < 0n || issuedAt > 0xffffffffffffffffn) {
    throw new ProtocolError('invalid-field', 'issuedAt must fit in 64 bits unsigned');
  }
  checkFixed(cookie, BEACON_COOKIE_SIZE, 'cookie');
  if (signature !== undefined) checkFixed(signature, 64, 'signature');
  const out = new Uint8Array(signature === undefined ? PROOF_CHALLENGE_SIZE : PROVEN_DISCOVER_SIZE);
  const dv = viewOf(out);
  out[0] = type;
  dv.setUint32(1, node);
  dv.setBigUint64(5, issuedAt);
  out.set(cookie, 13);
  if (signature !== undefined) out.set(signature, PROOF_CHALLENGE_SIZE);
  return out;
}

/** Encodes `[type][4B a][4B b]`. */
function twoIds(type: number, a: number, b: number, names: [string, string]): Uint8Array {
  checkUint(a, 0xffffffff, names[0]);
  checkUint(b, 0xffffffff, names[1]);
  const out = new Uint8Array(9);
  const dv = viewOf(out);
  out[0] = type;
  dv.setUint32(1, a);
  dv.setUint32(5, b);
  return out;
}

/**
 * Encodes a beacon message.
 * @param message - message to encode; ids, ports and addresses are checked.
 * @returns a fresh byte array starting with the type byte.
 * @throws ProtocolError `invalid-field`, `invalid-port`, `invalid-ip`, or `too-large` (Sync
 *   with more than 65535 nodes).
 * @example
 * ```ts
 * encodeBeaconMessage({ kind: 'discover', node: 42 }); // 01 0000002a
 * ```
 */
export function encodeBeaconMessage(message: BeaconMessage): Uint8Array {
  switch (message.kind) {
    case 'discover': {
      checkUint(message.node, 0xffffffff, 'node');
      const key = message.publicKey;
      if (key !== undefined) checkFixed(key, DISCOVER_KEY_SIZE, 'publicKey');
      const out = new Uint8Array(5 + (key?.length ?? 0));
      out[0] = BeaconType.DISCOVER;
      viewOf(out).setUint32(1, message.node);
      if (key !== undefined) out.set(key, 5);
      return padded(out, message.padTo);
    }
    case 'discover-reply':
      return endpointBytes(BeaconType.DISCOVER_REPLY, message.endpoint);
    case 'punch-request':
      return padded(
        twoIds(BeaconType.PUNCH_REQUEST, message.requester, message.target, [
          'requester',
          'target',
        ]),
        message.padTo,
      );
    case 'punch-command':
      return endpointBytes(BeaconType.PUNCH_COMMAND, message.endpoint);
    case 'relay': {
      const head = twoIds(BeaconType.RELAY, message.sender, message.dest, ['sender', 'dest']);
      const out = new Uint8Array(9 + message.frame.length);
      out.set(head, 0);
      out.set(message.frame, 9);
      return out;
    }
    case 'relay-deliver': {
      checkUint(message.sender, 0xffffffff, 'sender');
      const out = new Uint8Array(5 + message.frame.length);
      out[0] = BeaconType.RELAY_DELIVER;
      viewOf(out).setUint32(1, message.sender);
      out.set(message.frame, 5);
      return out;
    }
    case 'sync': {
      checkUint(message.beaconId, 0xffffffff, 'beaconId');
      const n = message.nodes.length;
      if (n > MAX_SYNC_NODES) {
        throw new ProtocolError(
          'too-large',
          `sync carries at most ${MAX_SYNC_NODES} nodes, got ${n}`,
        );
      }
      const out = new Uint8Array(7 + n * 4);
      const dv = viewOf(out);
      out[0] = BeaconType.SYNC;
      dv.setUint32(1, message.beaconId);
      dv.setUint16(5, n);
      message.nodes.forEach((node, i) => {
        checkUint(node, 0xffffffff, 'node');
        dv.setUint32(7 + i * 4, node);
      });
      return out;
    }
    case 'proof-request': {
      checkUint(message.node, 0xffffffff, 'node');
      const out = new Uint8Array(PROOF_REQUEST_SIZE);
      out[0] = BeaconType.PROOF_REQUEST;
      viewOf(out).setUint32(1, message.node);
      return out;
    }
    case 'proof-challenge':
      return proofBody(BeaconType.PROOF_CHALLENGE, message.node, message.issuedAt, message.cookie);
    case 'proven-discover':
      return proofBody(
        BeaconType.PROVEN_DISCOVER,
        message.node,
        message.issuedAt,
        message.cookie,
        message.signature,
      );
    default: {
      const kind = (message as { kind?: unknown }).kind;
      throw new ProtocolError('invalid-field', `unknown beacon message kind ${String(kind)}`);
    }
  }
}

/**
 * Decodes a beacon message. Fixed-size bodies ignore trailing bytes, as the reference beacon
 * does; relay frames are views into `bytes` (input untouched).
 * @param bytes - one UDP datagram whose first byte is below 0x10.
 * @returns the message.
 * @throws ProtocolError `truncated`, `unknown-type`, or `invalid-length` (IP length not 4/16).
 * @example
 * ```ts
 * const msg = decodeBeaconMessage(datagram);
 * if (msg.kind === 'discover-reply') console.log(msg.endpoint.address, msg.endpoint.port);
 * ```
 */
export function decodeBeaconMessage(bytes: Uint8Array): BeaconMessage {
  requireLength(bytes, 1, 'beacon message');
  const dv = viewOf(bytes);
  const type = bytes[0];
  switch (type) {
    case BeaconType.DISCOVER:
      requireLength(bytes, 5, 'discover');
      // Exactly a node id plus a 32-byte key is the reference's keyed Discover; any other
      // trailing bytes are padding.
      return bytes.length === 5 + DISCOVER_KEY_SIZE
        ? { kind: 'discover', node: dv.getUint32(1), publicKey: bytes.slice(5) }
        : { kind: 'discover', node: dv.getUint32(1) };
    case BeaconType.DISCOVER_REPLY:
      return { kind: 'discover-reply', endpoint: readEndpoint(bytes, 'discover reply') };
    case BeaconType.PUNCH_REQUEST:
      requireLength(bytes, 9, 'punch request');
      return { kind: 'punch-request', requester: dv.getUint32(1), target: dv.getUint32(5) };
    case BeaconType.PUNCH_COMMAND:
      return { kind: 'punch-command', endpoint: readEndpoint(bytes, 'punch command') };
    case BeaconType.RELAY:
      requireLength(bytes, 9, 'relay');
      return {
        kind: 'relay',
        sender: dv.getUint32(1),
        dest: dv.getUint32(5),
        frame: bytes.subarray(9),
      };
    case BeaconType.RELAY_DELIVER:
      requireLength(bytes, 5, 'relay deliver');
      return { kind: 'relay-deliver', sender: dv.getUint32(1), frame: bytes.subarray(5) };
    case BeaconType.SYNC: {
      requireLength(bytes, 7, 'sync');
      const n = dv.getUint16(5);
      requireLength(bytes, 7 + n * 4, 'sync');
      const nodes: number[] = [];
      for (let i = 0; i < n; i++) nodes.push(dv.getUint32(7 + i * 4));
      return { kind: 'sync', beaconId: dv.getUint32(1), nodes };
    }
    case BeaconType.PROOF_REQUEST:
      requireLength(bytes, 5, 'proof request');
      return { kind: 'proof-request', node: dv.getUint32(1) };
    case BeaconType.PROOF_CHALLENGE:
      requireLength(bytes, PROOF_CHALLENGE_SIZE, 'proof challenge');
      return {
        kind: 'proof-challenge',
        node: dv.getUint32(1),
        issuedAt: dv.getBigUint64(5),
        cookie: bytes.slice(13, PROOF_CHALLENGE_SIZE),
      };
    case BeaconType.PROVEN_DISCOVER:
      requireLength(bytes, PROVEN_DISCOVER_SIZE, 'proven discover');
      return {
        kind: 'proven-discover',
        node: dv.getUint32(1),
        issuedAt: dv.getBigUint64(5),
        cookie: bytes.slice(13, PROOF_CHALLENGE_SIZE),
        signature: bytes.slice(PROOF_CHALLENGE_SIZE, PROVEN_DISCOVER_SIZE),
      };
    default:
      throw new ProtocolError(
        'unknown-type',
        `unknown beacon message type 0x${type.toString(16).padStart(2, '0')}`,
      );
  }
}
