/** Size of the per-peer anti-replay window, in counters (reference §C.5). */
export const REPLAY_WINDOW_SIZE = 256;

/** Verdict of {@link ReplayWindow.check}. */
export type ReplayVerdict = 'ok' | 'replay' | 'too_old';

/** State saved by {@link ReplayWindow.check} so a failed decryption can undo the record. */
export interface ReplayUndo {
  /** Highest counter before the check. */
  readonly max: number;
  /** Bitmap words before the check. */
  readonly bits: Uint32Array;
  /** Whether any counter had been seen before the check. */
  readonly started: boolean;
}

/**
 * A 256-entry sliding window of seen nonce counters. The counter is recorded *before*
 * decryption (so two concurrent copies cannot both pass) and {@link rollback} undoes it when
 * authentication then fails, so a forged frame cannot burn a legitimate counter.
 */
export class ReplayWindow {
  #max = 0;
  #started = false;
  // bit i of the window = counter (max - i) seen.
  #bits = new Uint32Array(REPLAY_WINDOW_SIZE / 32);

  /** Highest counter accepted so far (0 before the first). */
  get max(): number {
    return this.#max;
  }

  /**
   * Checks a counter and records it when it is new.
   * @param counter the frame's nonce counter
   * @returns the verdict plus the state to restore if decryption fails
   */
  check(counter: number): { verdict: ReplayVerdict; undo?: ReplayUndo } {
    if (!Number.isSafeInteger(counter) || counter < 0) return { verdict: 'too_old' };
    const undo: ReplayUndo = { max: this.#max, bits: this.#bits.slice(), started: this.#started };
    if (!this.#started) {
      this.#started = true;
      this.#max = counter;
      this.#bits.fill(0);
      this.#bits[0] = 1;
      return { verdict: 'ok', undo };
    }
    if (counter > this.#max) {
      this.#shift(counter - this.#max);
      this.#max = counter;
      this.#bits[0] |= 1;
      return { verdict: 'ok', undo };
    }
    const offset = this.#max - counter;
    if (offset >= REPLAY_WINDOW_SIZE) return { verdict: 'too_old' };
    const word = offset >>> 5;
    const mask = 1 << (offset & 31);
    if ((this.#bits[word] & mask) !== 0) return { verdict: 'replay' };
    this.#bits[word] |= mask;
    return { verdict: 'ok', undo };
  }

  /**
   * Restores the state saved by a successful {@link check} (after an authentication failure).
   * @param undo the saved state
   */
  rollback(undo: ReplayUndo): void {
    this.#max = undo.max;
    this.#bits.set(undo.bits);
    this.#started = undo.started;
  }

  // Moves every bit `by` positions towards "older"; bits falling off the end are forgotten.
  #shift(by: number): void {
    if (by >= REPLAY_WINDOW_SIZE) {
      this.#bits.fill(0);
      return;
    }
    const words = by >>> 5;
    const bitsShift = by & 31;
    const n = this.#bits.length;
    for (let i = n - 1; i >= 0; i--) {
      const src = i - words;
      let value = src >= 0 ? this.#bits[src] << bitsShift : 0;
      if (bitsShift !== 0 && src - 1 >= 0) value |= this.#bits[src - 1] >>> (32 - bitsShift);
      this.#bits[i] = value >>> 0;
    }
  }
}
