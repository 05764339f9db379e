/** Event payload data: a JSON-shaped record. */
export type EventPayload = Readonly<Record<string, unknown>>;

/** One event on the daemon's in-process bus (reference §E.5). */
export interface Event {
  /** Dotted topic, for example `conn.established` or `handshake.approved`. */
  readonly topic: string;
  /** The publishing daemon's node id (0 before registration). */
  readonly nodeId: number;
  /** Publication time, Unix epoch milliseconds (UTC). */
  readonly time: number;
  /** Event data. */
  readonly payload: EventPayload;
}

/** Options of {@link EventBus.subscribe}. */
export interface SubscribeOptions {
  /** Closes the subscription when aborted. */
  readonly signal?: AbortSignal;
  /**
   * Events buffered for a slow reader before new ones are dropped (and counted).
   * @defaultValue 1024
   */
  readonly bufferSize?: number;
}

/**
 * A live subscription: iterate it to receive events; iteration ends after {@link close}.
 */
export interface EventSubscription extends AsyncIterable<Event> {
  /** The pattern given to `subscribe`. */
  readonly pattern: string;
  /** Events dropped so far because the buffer was full. */
  readonly dropped: number;
  /** Stops delivery, discards buffered events and ends iteration. Idempotent. */
  close(): void;
}

/**
 * The in-process pub/sub surface. Patterns: `*` (or empty) matches every topic, `prefix.*`
 * matches topics starting with `prefix.`, anything else matches exactly.
 */
export interface EventBus {
  /** Delivers to every matching subscriber. Never blocks; full subscribers drop the event. */
  publish(topic: string, payload?: EventPayload): void;
  /** Subscribes to topics matching `pattern`. */
  subscribe(pattern: string, options?: SubscribeOptions): EventSubscription;
}
