// Notices a machine waking from sleep: the wall clock jumps further than the tick interval allows.

/** Options of {@link WakeDetector}. */
export interface WakeDetectorOptions {
  /** Tick spacing, ms. @defaultValue 30 000 */
  readonly intervalMs?: number;
  /** Extra gap beyond one interval that counts as a wake. @defaultValue 60 000 */
  readonly toleranceMs?: number;
  /** Wall clock (tests inject one). @defaultValue Date.now */
  readonly now?: () => number;
  /** Called with the observed gap when a wake is detected. */
  readonly onWake: (gapMs: number) => void;
}

/**
 * Compares wall-clock time between ticks; timers do not run while the machine sleeps, so the
 * first tick after waking sees a gap much longer than the interval. `meshd` then heartbeats
 * and re-resolves at once instead of waiting for the next scheduled heartbeat.
 */
export class WakeDetector {
  readonly #interval: number;
  readonly #tolerance: number;
  readonly #now: () => number;
  readonly #onWake: (gapMs: number) => void;
  #last: number;
  #timer: NodeJS.Timeout | undefined;

  /** @param options - interval, tolerance, clock and callback. */
  constructor(options: WakeDetectorOptions) {
    this.#interval = options.intervalMs ?? 30_000;
    this.#tolerance = options.toleranceMs ?? 60_000;
    this.#now = options.now ?? Date.now;
    this.#onWake = options.onWake;
    this.#last = this.#now();
  }

  /** Starts ticking (the timer does not keep the process alive). */
  start(): void {
    this.#last = this.#now();
    this.#timer ??= setInterval(() => this.tick(), this.#interval);
    this.#timer.unref();
  }

  /** Stops ticking. Idempotent. */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /**
   * One tick: fires `onWake` when the wall clock moved more than interval + tolerance.
   * @returns whether a wake was detected.
   */
  tick(): boolean {
    const now = this.#now();
    const gap = now - this.#last;
    this.#last = now;
    if (gap > this.#interval + this.#tolerance) {
      this.#onWake(gap);
      return true;
    }
    return false;
  }
}
