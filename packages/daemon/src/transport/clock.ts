// Injectable time: every timer the transport arms goes through one Scheduler, so the engine
// can stop them all at shutdown and tests can run against tuned delays.

/** An opaque handle returned by {@link TransportClock.setTimeout}. */
export type TimerHandle = unknown;

/**
 * The time source and timer primitives the transport uses. The default is {@link systemClock}
 * (`performance.now()` and unref'd Node timers).
 */
export interface TransportClock {
  /** Monotonic milliseconds (fractions allowed). */
  now(): number;
  /** Calls `fn` once after `ms` milliseconds. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Cancels a timer from {@link TransportClock.setTimeout}; unknown handles are ignored. */
  clearTimeout(handle: TimerHandle): void;
}

/** The default clock: `performance.now()` and Node timers that never keep the process alive. */
export const systemClock: TransportClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * A re-armable one-shot deadline. Moving the deadline later never touches the underlying timer
 * (it is re-checked when it fires), so re-arming on every ACK costs nothing.
 */
export class Deadline {
  private at = Infinity;
  private handle: TimerHandle;
  private scheduledAt = Infinity;

  /**
   * @param scheduler - owner that tracks the live timers.
   * @param fire - called once the deadline passes.
   */
  constructor(
    private readonly scheduler: Scheduler,
    private readonly fire: () => void,
  ) {}

  /** Whether the deadline is armed. */
  get armed(): boolean {
    return this.at !== Infinity;
  }

  /** Arms (or re-arms) the deadline `ms` from now. */
  set(ms: number): void {
    this.at = this.scheduler.clock.now() + Math.max(0, ms);
    if (this.handle === undefined || this.at < this.scheduledAt) this.schedule();
  }

  /** Arms the deadline unless it is armed already. */
  ensure(ms: number): void {
    if (!this.armed) this.set(ms);
  }

  /** Disarms the deadline. */
  clear(): void {
    this.at = Infinity;
    if (this.handle !== undefined) {
      this.scheduler.cancel(this.handle);
      this.handle = undefined;
      this.scheduledAt = Infinity;
    }
  }

  private schedule(): void {
    if (this.handle !== undefined) this.scheduler.cancel(this.handle);
    this.scheduledAt = this.at;
    const delay = Math.max(0, this.at - this.scheduler.clock.now());
    this.handle = this.scheduler.start(() => this.onTimer(), Math.ceil(delay));
  }

  private onTimer(): void {
    this.handle = undefined;
    this.scheduledAt = Infinity;
    if (this.at === Infinity) return;
    // Timers may fire up to a millisecond early after rounding; treat that as due.
    if (this.scheduler.clock.now() + 1 < this.at) {
      this.schedule();
      return;
    }
    this.at = Infinity;
    this.fire();
  }
}

/** Tracks every live timer of one transport so {@link Scheduler.stopAll} can cancel them. */
export class Scheduler {
  private readonly live = new Set<TimerHandle>();
  private stopped = false;

  /** @param clock - the time source. */
  constructor(readonly clock: TransportClock) {}

  /** Number of timers currently pending. */
  get pending(): number {
    return this.live.size;
  }

  /** Starts a one-shot timer; returns its handle. After stopAll() nothing is started. */
  start(fn: () => void, ms: number): TimerHandle {
    if (this.stopped) return undefined;
    const handle: TimerHandle = this.clock.setTimeout(() => {
      this.live.delete(handle);
      fn();
    }, ms);
    this.live.add(handle);
    return handle;
  }

  /** Cancels one timer. */
  cancel(handle: TimerHandle): void {
    if (handle === undefined) return;
    this.live.delete(handle);
    this.clock.clearTimeout(handle);
  }

  /** Creates a {@link Deadline} owned by this scheduler. */
  deadline(fire: () => void): Deadline {
    return new Deadline(this, fire);
  }

  /** Cancels every pending timer and refuses new ones. */
  stopAll(): void {
    this.stopped = true;
    for (const h of this.live) this.clock.clearTimeout(h);
    this.live.clear();
  }
}
