// A fixed-size, drop-oldest ring of connection-state changes, for `meshctl diag`.

/** One connection-state change. */
export interface ConnectionStateEvent {
  /** `connect`, `disconnect`, `reconnect`, `closed`, `refresh`, `refresh_error`, `unauthorized`, `wake`. */
  readonly type: string;
  /** ISO 8601 UTC. */
  readonly at: string;
  /** Why (errors, server reasons), when known. */
  readonly reason?: string;
}

/** Keeps the last `capacity` events, oldest first. */
export class ConnectionStateRing {
  readonly #capacity: number;
  #events: ConnectionStateEvent[] = [];

  /** @param capacity - how many events to keep. @defaultValue 256 */
  constructor(capacity = 256) {
    this.#capacity = Math.max(1, capacity);
  }

  /**
   * Records one event, dropping the oldest when full.
   * @param type - what happened.
   * @param reason - why.
   * @param at - when, Unix ms.
   * @returns the record.
   */
  append(type: string, reason?: string, at = Date.now()): ConnectionStateEvent {
    const event: ConnectionStateEvent = {
      type,
      at: new Date(at).toISOString(),
      ...(reason !== undefined && reason !== '' ? { reason } : {}),
    };
    this.#events.push(event);
    if (this.#events.length > this.#capacity) this.#events.shift();
    return event;
  }

  /** A copy of the events, oldest first. */
  snapshot(): ConnectionStateEvent[] {
    return [...this.#events];
  }

  /** The newest event. */
  latest(): ConnectionStateEvent | undefined {
    return this.#events.at(-1);
  }
}
