// 48-bit overlay addresses: [16-bit network][32-bit node], 6 bytes big-endian on the wire.
import { ProtocolError } from '../errors/protocol-error.js';
import { checkUint, requireLength } from '../bytes/bytes.js';

/**
 * A 48-bit overlay address: 16-bit network id and 32-bit node id. A plain immutable value;
 * compare with {@link addrEquals}, never with `===`.
 */
export interface Addr {
  /** Network id, 0–65535 (0 is the backbone every node belongs to). */
  readonly network: number;
  /** Node id, 0–4294967295. */
  readonly node: number;
}

/** Size of an encoded {@link Addr} in bytes. */
export const ADDR_SIZE = 6;
/** The backbone network id (every node is a member). */
export const BACKBONE_NETWORK = 0;
/** Node id that means "every node on the network". */
export const BROADCAST_NODE = 0xffffffff;
/** Reserved node id of the registry. */
export const REGISTRY_NODE = 1;
/** Reserved node id of the beacon. */
export const BEACON_NODE = 2;
/** Reserved node id of the nameserver. */
export const NAMESERVER_NODE = 3;

/**
 * Builds a checked {@link Addr}.
 * @param network - 0–65535.
 * @param node - 0–4294967295.
 * @returns a frozen address value.
 * @throws ProtocolError `invalid-field` when a part is out of range.
 */
export function makeAddr(network: number, node: number): Addr {
  checkUint(network, 0xffff, 'network');
  checkUint(node, 0xffffffff, 'node');
  return Object.freeze({ network, node });
}

/** The unspecified address `0:0000.0000.0000`. */
export const UNSPECIFIED_ADDR: Addr = Object.freeze({ network: 0, node: 0 });

/**
 * The broadcast address of a network (node `0xFFFFFFFF`).
 * @param network - 0–65535.
 * @returns e.g. `5:0005.FFFF.FFFF` for network 5.
 */
export function broadcastAddr(network: number): Addr {
  return makeAddr(network, BROADCAST_NODE);
}

/**
 * @param addr - address to test.
 * @returns true for `0:0000.0000.0000`.
 */
export function isUnspecifiedAddr(addr: Addr): boolean {
  return addr.network === 0 && addr.node === 0;
}

/**
 * @param addr - address to test.
 * @returns true when the node part is the broadcast node `0xFFFFFFFF`.
 */
export function isBroadcastAddr(addr: Addr): boolean {
  return addr.node === BROADCAST_NODE;
}

/**
 * Value equality of two addresses.
 * @param a - first address.
 * @param b - second address.
 * @returns true when network and node are equal.
 */
export function addrEquals(a: Addr, b: Addr): boolean {
  return a.network === b.network && a.node === b.node;
}

/** Four upper-case hex digits. */
function hex4(n: number): string {
  return n.toString(16).toUpperCase().padStart(4, '0');
}

/**
 * Formats the text form `N:NNNN.HHHH.LLLL`: decimal network, the network again as 4 hex
 * digits, then the node's high and low 16 bits, upper-case hex.
 * @param addr - address to format.
 * @returns e.g. `1:0001.F291.0004`.
 */
export function formatAddr(addr: Addr): string {
  const { network, node } = addr;
  return `${network}:${hex4(network)}.${hex4(Math.floor(node / 0x10000))}.${hex4(node % 0x10000)}`;
}

const HEX4 = /^[0-9a-fA-F]{4}$/;
const DECIMAL = /^[0-9]{1,5}$/;

/** The `invalid-address` error for `text`. */
function invalid(text: string, why: string): ProtocolError {
  return new ProtocolError('invalid-address', `invalid address ${JSON.stringify(text)}: ${why}`);
}

/**
 * Parses the text form `N:NNNN.HHHH.LLLL` (hex is case-insensitive). The hex network group
 * must equal the decimal network.
 * @param text - e.g. `1:0001.F291.0004`.
 * @returns the address.
 * @throws ProtocolError `invalid-address` on any malformed text or a network mismatch.
 */
export function parseAddr(text: string): Addr {
  const parts = text.split(':');
  if (parts.length !== 2) throw invalid(text, 'expected one ":"');
  const [netText, rest] = parts as [string, string];
  if (!DECIMAL.test(netText)) throw invalid(text, 'network must be decimal');
  const network = Number(netText);
  if (network > 0xffff) throw invalid(text, 'network exceeds 65535');
  const groups = rest.split('.');
  if (groups.length !== 3) throw invalid(text, 'expected three "."-separated hex groups');
  for (const g of groups) {
    if (!HEX4.test(g)) throw invalid(text, 'each group must be exactly 4 hex digits');
  }
  const [netHex, hi, lo] = groups.map((g) => parseInt(g, 16)) as [number, number, number];
  if (netHex !== network) throw invalid(text, 'network mismatch');
  return Object.freeze({ network, node: hi * 0x10000 + lo });
}

/**
 * Writes the 6-byte form into `target` at `offset`.
 * @param addr - address (range-checked).
 * @param target - destination buffer.
 * @param offset - where to write; `target` must have 6 bytes there.
 * @throws ProtocolError `invalid-field` on an out-of-range address or short target.
 */
export function writeAddr(addr: Addr, target: Uint8Array, offset: number): void {
  checkUint(addr.network, 0xffff, 'network');
  checkUint(addr.node, 0xffffffff, 'node');
  if (!Number.isInteger(offset) || offset < 0 || offset + ADDR_SIZE > target.length) {
    throw new ProtocolError('invalid-field', 'target too small for a 6-byte address');
  }
  target[offset] = addr.network >>> 8;
  target[offset + 1] = addr.network & 0xff;
  target[offset + 2] = addr.node >>> 24;
  target[offset + 3] = (addr.node >>> 16) & 0xff;
  target[offset + 4] = (addr.node >>> 8) & 0xff;
  target[offset + 5] = addr.node & 0xff;
}

/**
 * Encodes the 6-byte big-endian form.
 * @param addr - address.
 * @returns `[2B network][4B node]`.
 */
export function encodeAddr(addr: Addr): Uint8Array {
  const out = new Uint8Array(ADDR_SIZE);
  writeAddr(addr, out, 0);
  return out;
}

/**
 * Reads a 6-byte address at `offset` (default 0).
 * @param bytes - input, not modified.
 * @param offset - where the address starts.
 * @returns the address.
 * @throws ProtocolError `truncated` when fewer than 6 bytes are available.
 */
export function decodeAddr(bytes: Uint8Array, offset = 0): Addr {
  requireLength(bytes, offset + ADDR_SIZE, 'address');
  const network = (bytes[offset] << 8) | bytes[offset + 1];
  const node =
    (bytes[offset + 2] * 0x1000000 +
      ((bytes[offset + 3] << 16) | (bytes[offset + 4] << 8) | bytes[offset + 5])) >>>
    0;
  return Object.freeze({ network, node });
}
