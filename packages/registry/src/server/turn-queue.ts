/** Something with queued requests that can be served a few at a time. */
export interface TurnTaker {
  /**
   * Serves up to `budget` queued requests; returns whether it still has requests it could serve
   * now (it is then queued for the next turn).
   */
  serve(budget: number): boolean;
}

/**
 * Round-robin turns over connections with queued requests: each gets at most `perTurn` requests
 * per turn, and the event loop runs I/O between turns (`setImmediate`), so one connection with
 * thousands of pipelined requests delays another's request by at most one turn, never by its
 * whole backlog.
 */
export class TurnQueue {
  readonly #perTurn: number;
  #queue = new Set<TurnTaker>();
  #scheduled: NodeJS.Immediate | undefined;

  /** @param perTurn - requests one connection may have served per turn */
  constructor(perTurn: number) {
    this.#perTurn = perTurn;
  }

  /** Queues `t` for the next turn (once, however often it is called). */
  add(t: TurnTaker): void {
    this.#queue.add(t);
    this.#scheduled ??= setImmediate(() => this.#turn());
  }

  /** No connection is waiting for a turn: whoever has a request may be served at once. */
  get idle(): boolean {
    return this.#queue.size === 0 && this.#scheduled === undefined;
  }

  /** Requests one connection may have served per turn. */
  get perTurn(): number {
    return this.#perTurn;
  }

  /** Forgets `t` (closed connection). */
  delete(t: TurnTaker): void {
    this.#queue.delete(t);
  }

  /** Stops scheduling turns. */
  clear(): void {
    this.#queue.clear();
    if (this.#scheduled) clearImmediate(this.#scheduled);
    this.#scheduled = undefined;
  }

  #turn(): void {
    this.#scheduled = undefined;
    const now = this.#queue;
    this.#queue = new Set();
    for (const t of now) if (t.serve(this.#perTurn)) this.#queue.add(t);
    if (this.#queue.size > 0) this.#scheduled ??= setImmediate(() => this.#turn());
  }
}
