// SACK blocks carried as the payload of a pure ACK: `SACK` + count (1–4) + count × [left][right).
import { checkUint, viewOf } from '../bytes/bytes.js';
import { ProtocolError } from '../errors/protocol-error.js';

/** A received byte range `[left, right)` in sequence space (right is exclusive). */
export interface SackBlock {
  /** Sequence number of the first byte in the range. */
  readonly left: number;
  /** Sequence number of the first byte after the range. */
  readonly right: number;
}

/** Most blocks one SACK payload can carry. */
export const MAX_SACK_BLOCKS = 4;
/** The ASCII prefix of a SACK payload. */
export const SACK_PREFIX = 'SACK';

/**
 * Encodes 1–4 SACK blocks.
 * @param blocks - ranges, written in the given order.
 * @returns `SACK` ‖ count ‖ count × (left BE32, right BE32).
 * @throws ProtocolError `invalid-length` for 0 or more than 4 blocks, `invalid-field` for a
 *   bound that is not a uint32.
 * @example
 * ```ts
 * encodeSack([{ left: 4096, right: 8192 }]); // 53 41 43 4b 01 00001000 00002000
 * ```
 */
export function encodeSack(blocks: readonly SackBlock[]): Uint8Array {
  if (blocks.length === 0 || blocks.length > MAX_SACK_BLOCKS) {
    throw new ProtocolError(
      'invalid-length',
      `SACK carries 1..${MAX_SACK_BLOCKS} blocks, got ${blocks.length}`,
    );
  }
  const out = new Uint8Array(5 + blocks.length * 8);
  const dv = viewOf(out);
  out.set([0x53, 0x41, 0x43, 0x4b], 0);
  out[4] = blocks.length;
  blocks.forEach((b, i) => {
    checkUint(b.left, 0xffffffff, 'left');
    checkUint(b.right, 0xffffffff, 'right');
    dv.setUint32(5 + i * 8, b.left);
    dv.setUint32(9 + i * 8, b.right);
  });
  return out;
}

/**
 * Reads SACK blocks from a pure ACK's payload. Anything that is not a well-formed SACK payload
 * (no `SACK` prefix, count 0 or > 4, too few bytes) yields `undefined`, like the reference —
 * so the caller can treat it as ordinary data. Trailing bytes are ignored. Never throws.
 * @param payload - the ACK's payload (not modified).
 * @returns the blocks, or `undefined` when the payload is not SACK.
 */
export function decodeSack(payload: Uint8Array): SackBlock[] | undefined {
  if (
    payload.length < 5 ||
    payload[0] !== 0x53 ||
    payload[1] !== 0x41 ||
    payload[2] !== 0x43 ||
    payload[3] !== 0x4b
  ) {
    return undefined;
  }
  const n = payload[4];
  if (n === 0 || n > MAX_SACK_BLOCKS || payload.length < 5 + n * 8) return undefined;
  const dv = viewOf(payload);
  const blocks: SackBlock[] = [];
  for (let i = 0; i < n; i++) {
    blocks.push({ left: dv.getUint32(5 + i * 8), right: dv.getUint32(9 + i * 8) });
  }
  return blocks;
}

/**
 * @param payload - a pure ACK's payload.
 * @returns true when {@link decodeSack} would return blocks.
 */
export function isSack(payload: Uint8Array): boolean {
  return decodeSack(payload) !== undefined;
}
