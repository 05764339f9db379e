// Inbound-silence watchdog (reference §E.9 [N]): while streams are open, a tunnel that hears
// nothing for a while is suspect (a wedged NAT path, a dead socket). The engine publishes the
// silence, tries a soft recovery, and reports a wedged path so a supervisor can restart it.
import type { EventBus } from '../events/event-bus.js';

/** Options of {@link RxWatchdog}. */
export interface RxWatchdogOptions {
  /** Where `tunnel.rx_silence` / `tunnel.rx_recovered` / `tunnel.rx_wedged_exit` go. */
  readonly bus: EventBus;
  /** Packets received so far by the tunnel (a counter that grows on every inbound packet). */
  readonly received: () => number;
  /** Whether inbound traffic is expected now (e.g. open streams, whose peers send keepalives). */
  readonly expecting: () => boolean;
  /** Soft recovery at the start of a silence (re-announce to the beacon). */
  readonly recover: () => void;
  /** Silence that counts as `tunnel.rx_silence`, ms. */
  readonly silenceMs: number;
  /** Silence that counts as wedged (`tunnel.rx_wedged_exit`), ms. */
  readonly wedgedMs: number;
}

/** Watches the tunnel's inbound packet counter; see the file comment. */
export class RxWatchdog {
  readonly #opts: RxWatchdogOptions;
  readonly #timer: NodeJS.Timeout;
  #seen: number;
  #lastRxAt = Date.now();
  #silent = false;
  #wedged = false;

  /**
   * Starts watching.
   * @param options counters, hooks and thresholds
   */
  constructor(options: RxWatchdogOptions) {
    this.#opts = options;
    this.#seen = options.received();
    this.#timer = setInterval(() => this.check(), Math.max(10, Math.floor(options.silenceMs / 4)));
    this.#timer.unref();
  }

  /** One check (the timer runs it every quarter of `silenceMs`). */
  check(): void {
    const now = Date.now();
    const received = this.#opts.received();
    if (received !== this.#seen) {
      this.#seen = received;
      if (this.#silent) {
        this.#opts.bus.publish('tunnel.rx_recovered', { silent_ms: now - this.#lastRxAt });
      }
      this.#lastRxAt = now;
      this.#silent = false;
      this.#wedged = false;
      return;
    }
    if (!this.#opts.expecting()) {
      // Nothing is owed to us: silence is normal, start counting afresh.
      this.#lastRxAt = now;
      return;
    }
    const silentMs = now - this.#lastRxAt;
    if (!this.#silent && silentMs >= this.#opts.silenceMs) {
      this.#silent = true;
      this.#opts.bus.publish('tunnel.rx_silence', { silent_ms: silentMs });
      this.#opts.recover();
    }
    if (this.#silent && !this.#wedged && silentMs >= this.#opts.wedgedMs) {
      this.#wedged = true;
      this.#opts.bus.publish('tunnel.rx_wedged_exit', { silent_ms: silentMs });
    }
  }

  /** Stops watching. */
  stop(): void {
    clearInterval(this.#timer);
  }
}
