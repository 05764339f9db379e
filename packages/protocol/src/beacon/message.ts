// Beacon messages on UDP :9001, [1B type][body] (reference §E.9).
import { checkUint, requireLength, viewOf } from '../bytes/bytes.js';
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
} as const);

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

/** Any beacon message, discriminated by `kind`. */
export type BeaconMessage =
  | DiscoverMessage
  | DiscoverReplyMessage
  | PunchRequestMessage
  | PunchCommandMessage
  | RelayMessage
  | RelayDeliverMessage
  | SyncMessage;

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
      const out = new Uint8Array(5);
      out[0] = BeaconType.DISCOVER;
      viewOf(out).setUint32(1, message.node);
      return out;
    }
    case 'discover-reply':
      return endpointBytes(BeaconType.DISCOVER_REPLY, message.endpoint);
    case 'punch-request':
      return twoIds(BeaconType.PUNCH_REQUEST, message.requester, message.target, [
        'requester',
        'target',
      ]);
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
      return { kind: 'discover', node: dv.getUint32(1) };
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
    default:
      throw new ProtocolError(
        'unknown-type',
        `unknown beacon message type 0x${type.toString(16).padStart(2, '0')}`,
      );
  }
}
