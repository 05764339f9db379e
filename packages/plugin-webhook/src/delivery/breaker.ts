// A consecutive-failure circuit breaker: open after N failed events, skip for a window, then probe.

/** The breaker's state. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** Options of {@link CircuitBreaker}. */
export interface CircuitBreakerOptions {
  /** Consecutive failed events that open it. @defaultValue 5 */
  readonly threshold?: number;
  /** How long it stays open, ms. @defaultValue 30 000 */
  readonly windowMs?: number;
  /** Clock, ms. @defaultValue Date.now */
  readonly now?: () => number;
}

/**
 * Counts consecutive failed events. At `threshold` it opens: {@link allow} answers false until
 * `windowMs` has passed, then lets exactly one probe through (half-open). The probe's outcome
 * closes it again or re-opens it for another window.
 */
export class CircuitBreaker {
  readonly #threshold: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  #failures = 0;
  #openUntil = 0;
  #state: BreakerState = 'closed';

  /** @param options - threshold, window and clock. */
  constructor(options: CircuitBreakerOptions = {}) {
    this.#threshold = options.threshold ?? 5;
    this.#windowMs = options.windowMs ?? 30_000;
    this.#now = options.now ?? Date.now;
  }

  /** The current state (an open breaker whose window passed reports `half-open`). */
  get state(): BreakerState {
    if (this.#state === 'open' && this.#now() >= this.#openUntil) return 'half-open';
    return this.#state;
  }

  /** Whether the next event may be attempted; moves an expired open breaker to half-open. */
  allow(): boolean {
    if (this.#state === 'closed' || this.#state === 'half-open') return true;
    if (this.#now() < this.#openUntil) return false;
    this.#state = 'half-open';
    return true;
  }

  /** The event reached the receiver: closes the breaker. */
  success(): void {
    this.#failures = 0;
    this.#state = 'closed';
  }

  /** The event failed after its last attempt. */
  failure(): void {
    this.#failures += 1;
    if (this.#state === 'half-open' || this.#failures >= this.#threshold) {
      this.#state = 'open';
      this.#openUntil = this.#now() + this.#windowMs;
    }
  }

  /** Back to closed with no failures (a new URL). */
  reset(): void {
    this.#failures = 0;
    this.#state = 'closed';
    this.#openUntil = 0;
  }
}
