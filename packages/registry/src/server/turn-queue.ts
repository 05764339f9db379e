/** Something with queued requests that can be served a few at a time. */
export interface TurnTaker {
  /**
   * Serves up to `budget` queued requests; returns whether it still has requests it could serve
   * now (it is then queued for the next turn).
   */
  serve(budget: number): boolean;
}

/** Bulk connections served per event-loop tick before I/O runs again. */
const BULK_PER_TICK = 8;

/**
 * Round-robin turns over connections with queued requests: each gets at most `perTurn` requests
 * per turn. Connections with a shallow queue (an interactive client with a request or two) are
 * served first on every tick; connections with a deep backlog take turns, a few per tick, with
 * the event loop running I/O between ticks (`setImmediate`). So a client pipelining thousands of
 * requests delays another's request by about one tick, never by its whole backlog.
 */
export class TurnQueue {
  readonly #perTurn: number;
  #urgent = new Set<TurnTaker>();
  readonly #bulk = new Set<TurnTaker>();
  #scheduled: NodeJS.Immediate | undefined;

  /** @param perTurn - requests one connection may have served per turn */
  constructor(perTurn: number) {
    this.#perTurn = perTurn;
  }

  /** No connection is waiting for a turn: whoever has a request may be served at once. */
  get idle(): boolean {
    return this.#urgent.size === 0 && this.#bulk.size === 0 && this.#scheduled === undefined;
  }

  /** Requests one connection may have served per turn. */
  get perTurn(): number {
    return this.#perTurn;
  }

  /**
   * Queues `t` for a turn (once, however often it is called).
   * @param shallow - it has few requests queued: served ahead of deep backlogs
   */
  add(t: TurnTaker, shallow: boolean): void {
    if (!this.#bulk.has(t)) (shallow ? this.#urgent : this.#bulk).add(t);
    this.#scheduled ??= setImmediate(() => this.#tick());
  }

  /** Stops scheduling turns. */
  clear(): void {
    this.#urgent.clear();
    this.#bulk.clear();
    if (this.#scheduled) clearImmediate(this.#scheduled);
    this.#scheduled = undefined;
  }

  #tick(): void {
    this.#scheduled = undefined;
    const urgent = this.#urgent;
    this.#urgent = new Set();
    for (const t of urgent) if (t.serve(this.#perTurn)) this.#bulk.add(t);
    let n = 0;
    for (const t of this.#bulk) {
      if (n++ >= BULK_PER_TICK) break;
      // Round robin: to the back of the line (again only if it still has work).
      this.#bulk.delete(t);
      if (t.serve(this.#perTurn)) this.#bulk.add(t);
    }
    if (this.#urgent.size > 0 || this.#bulk.size > 0)
      this.#scheduled ??= setImmediate(() => this.#tick());
  }
}
