// 32-bit serial-number arithmetic (RFC 1982 style): a is after b iff int32(a - b) > 0.

/**
 * Signed distance from `b` to `a` in sequence space.
 * @param a - uint32 sequence number.
 * @param b - uint32 sequence number.
 * @returns int32 `a − b` (positive when `a` is after `b`).
 */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

/**
 * Adds `n` bytes to a sequence number with 32-bit wrap-around.
 * @param seq - uint32 sequence number.
 * @param n - bytes to advance (may be negative).
 * @returns the wrapped uint32 result.
 */
export function seqAdd(seq: number, n: number): number {
  return (seq + n) >>> 0;
}

/**
 * @param a - uint32 sequence number.
 * @param b - uint32 sequence number.
 * @returns true when `a` is strictly after `b`.
 */
export function seqAfter(a: number, b: number): boolean {
  return seqDiff(a, b) > 0;
}

/**
 * @param a - uint32 sequence number.
 * @param b - uint32 sequence number.
 * @returns true when `a` is strictly before `b`.
 */
export function seqBefore(a: number, b: number): boolean {
  return seqDiff(a, b) < 0;
}

/**
 * @param a - uint32 sequence number.
 * @param b - uint32 sequence number.
 * @returns true when `a` is after or equal to `b`.
 */
export function seqAfterOrEqual(a: number, b: number): boolean {
  return seqDiff(a, b) >= 0;
}

/**
 * @param a - uint32 sequence number.
 * @param b - uint32 sequence number.
 * @returns true when `a` is before or equal to `b`.
 */
export function seqBeforeOrEqual(a: number, b: number): boolean {
  return seqDiff(a, b) <= 0;
}

/**
 * Comparator for sorting sequence numbers within one window.
 * @param a - uint32 sequence number.
 * @param b - uint32 sequence number.
 * @returns -1, 0 or 1.
 */
export function seqCompare(a: number, b: number): -1 | 0 | 1 {
  const d = seqDiff(a, b);
  return d < 0 ? -1 : d > 0 ? 1 : 0;
}

/**
 * @param a - uint32 sequence number.
 * @param b - uint32 sequence number.
 * @returns whichever of the two is later in sequence space.
 */
export function seqMax(a: number, b: number): number {
  return seqDiff(a, b) >= 0 ? a : b;
}
