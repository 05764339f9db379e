/** A clock tests set by hand; the in-memory daemons stamp events and records with it. */
export interface Clock {
  /** Current time, Unix epoch milliseconds. */
  now(): number;
}

/** A settable {@link Clock}; it only moves when told to. */
export class ManualClock implements Clock {
  #now: number;

  /** Starts at `startMs` (default 2026-01-01T00:00:00Z). */
  constructor(startMs: number = Date.UTC(2026, 0, 1)) {
    this.#now = startMs;
  }

  /** Current time, Unix epoch milliseconds. */
  now(): number {
    return this.#now;
  }

  /** Jumps to `ms` (may go backwards, to test clock skew). */
  set(ms: number): void {
    this.#now = ms;
  }

  /** Moves forward by `ms`; returns the new time. */
  advance(ms: number): number {
    if (ms < 0)
      throw new RangeError('advance() takes a non-negative duration; use set() to go back');
    this.#now += ms;
    return this.#now;
  }
}
