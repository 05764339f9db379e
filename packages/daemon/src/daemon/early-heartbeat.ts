/** Options of {@link EarlyHeartbeat}. */
export interface EarlyHeartbeatOptions {
  /** Runs one heartbeat (serialised with the regular loop by the caller); never throws. */
  readonly beat: () => Promise<boolean>;
  /** Delay before the first attempt, ms; doubles after each failure. @default 250 */
  readonly initialDelayMs?: number;
  /** Largest delay between attempts, ms (the regular heartbeat interval). */
  readonly maxDelayMs: number;
  /** Source of jitter in [0, 1): each wait is between half and all of its delay. @default Math.random */
  readonly random?: () => number;
}

/**
 * Heartbeats early after the registry connection dropped (e.g. the rendezvous restarted): at
 * 250 ms, then 500 ms, 1 s … up to `maxDelayMs`, until one succeeds. Each wait is jittered down
 * to half its delay, so the nodes of a restarted registry do not all come back in the same
 * instant. A successful heartbeat
 * re-announces the node to the beacon, and a `NOT_FOUND` answer re-registers it, so a restarted
 * rendezvous knows the node again within about a second of coming back instead of at the next
 * regular heartbeat.
 */
export class EarlyHeartbeat {
  readonly #beat: () => Promise<boolean>;
  readonly #initialDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #random: () => number;
  #delay: number;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  /** Another drop while a heartbeat was in flight: its outcome may predate the drop. */
  #again = false;
  #stopped = false;

  /** @param options the heartbeat to run and the backoff */
  constructor(options: EarlyHeartbeatOptions) {
    this.#beat = options.beat;
    this.#initialDelayMs = options.initialDelayMs ?? 250;
    this.#maxDelayMs = Math.max(options.maxDelayMs, this.#initialDelayMs);
    this.#random = options.random ?? Math.random;
    this.#delay = this.#initialDelayMs;
  }

  /** Whether a round is waiting or running. */
  get active(): boolean {
    return this.#timer !== undefined || this.#running;
  }

  /** The connection dropped: start a round (again from the first delay). */
  trigger(): void {
    if (this.#stopped) return;
    this.#delay = this.#initialDelayMs;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#schedule();
  }

  /** Ends the current round; later triggers are ignored. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    const wait = this.#delay / 2 + (this.#random() * this.#delay) / 2;
    this.#timer = setTimeout(() => void this.#attempt(), wait);
    this.#timer.unref();
  }

  async #attempt(): Promise<void> {
    this.#timer = undefined;
    this.#running = true;
    this.#again = false;
    let ok = false;
    try {
      ok = await this.#beat();
    } catch {
      ok = false;
    } finally {
      this.#running = false;
    }
    if (this.#stopped) return;
    if (this.#again) {
      this.#again = false;
      this.#schedule();
      return;
    }
    if (ok) return;
    this.#delay = Math.min(this.#delay * 2, this.#maxDelayMs);
    this.#schedule();
  }
}
