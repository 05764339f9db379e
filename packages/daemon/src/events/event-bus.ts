import type { MeshEventMap, MeshTopic } from '@mesh/daemonapi';

/** One event on the bus: topic, the publishing node, UTC time and the payload. */
export interface BusEvent {
  /** Dotted topic name, e.g. `tunnel.established`. */
  readonly topic: string;
  /** Node id of the publishing daemon (0 before registration). */
  readonly nodeId: number;
  /** Publication time, Unix epoch milliseconds. */
  readonly time: number;
  /** Event data (plain JSON-able values). */
  readonly payload: Readonly<Record<string, unknown>>;
}

/** Options of {@link EventBus.subscribe}. */
export interface SubscribeOptions {
  /** Closes the subscription when aborted. */
  readonly signal?: AbortSignal;
  /**
   * Events buffered for this subscriber before new ones are dropped.
   * @default 1024
   */
  readonly bufferSize?: number;
}

/** A subscription: an async iterable of events plus its drop counter. */
export interface EventSubscription extends AsyncIterable<BusEvent> {
  /** The pattern it was made with. */
  readonly pattern: string;
  /** Events dropped because the buffer was full. */
  readonly dropped: number;
  /**
   * The next event; resolves `undefined` once closed.
   * @returns the event
   */
  next(): Promise<BusEvent | undefined>;
  /** Ends the subscription; pending `next()` calls resolve `undefined`. */
  close(): void;
}

/**
 * Whether `topic` matches `pattern`: `*` or empty = all, `prefix.*` = topics starting with
 * `prefix.`, anything else exact.
 * @param pattern the subscription pattern
 * @param topic the topic
 * @returns the match
 */
export function topicMatches(pattern: string, topic: string): boolean {
  if (pattern === '' || pattern === '*') return true;
  if (pattern.endsWith('.*')) return topic.startsWith(pattern.slice(0, -1));
  return pattern === topic;
}

class Subscriber implements EventSubscription {
  readonly pattern: string;
  dropped = 0;
  readonly #capacity: number;
  #queue: BusEvent[] = [];
  #head = 0;
  #waiters: ((event: BusEvent | undefined) => void)[] = [];
  #closed = false;
  readonly #onClose: (sub: Subscriber) => void;

  constructor(pattern: string, capacity: number, onClose: (sub: Subscriber) => void) {
    this.pattern = pattern;
    this.#capacity = capacity;
    this.#onClose = onClose;
  }

  deliver(event: BusEvent): void {
    if (this.#closed) return;
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) {
      waiter(event);
      return;
    }
    if (this.#queue.length - this.#head >= this.#capacity) {
      this.dropped += 1;
      return;
    }
    this.#queue.push(event);
  }

  next(): Promise<BusEvent | undefined> {
    if (this.#head < this.#queue.length) {
      const event = this.#queue[this.#head++];
      if (this.#head > 64 && this.#head * 2 > this.#queue.length) {
        this.#queue = this.#queue.slice(this.#head);
        this.#head = 0;
      }
      return Promise.resolve(event);
    }
    if (this.#closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue = [];
    this.#head = 0;
    for (const waiter of this.#waiters.splice(0)) waiter(undefined);
    this.#onClose(this);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<BusEvent> {
    try {
      for (;;) {
        const event = await this.next();
        if (event === undefined) return;
        yield event;
      }
    } finally {
      this.close();
    }
  }
}

/**
 * In-process pub/sub. `publish` never blocks and never throws: each subscriber has a bounded
 * buffer and a slow one loses events (counted in `dropped`) instead of stalling the publisher.
 */
export class EventBus {
  readonly #subscribers = new Set<Subscriber>();
  readonly #listeners = new Set<{ pattern: string; fn: (event: BusEvent) => void }>();
  #nodeId: () => number;
  #published = 0;

  /**
   * @param nodeId returns the node id stamped on each event
   */
  constructor(nodeId: () => number = () => 0) {
    this.#nodeId = nodeId;
  }

  /** Events published so far. */
  get published(): number {
    return this.#published;
  }

  /** Active subscriptions (pull-based plus listeners). */
  get subscriberCount(): number {
    return this.#subscribers.size + this.#listeners.size;
  }

  /**
   * Publishes one of the engine's own topics, its payload type-checked against `MeshEventMap`.
   * @param topic an engine topic
   * @param payload its data
   */
  publish<K extends MeshTopic>(topic: K, payload: MeshEventMap[K]): void;
  /**
   * Publishes an event to every matching subscriber (plugin topics, and topics only known at
   * run time; an engine topic given as a literal must use the typed overload).
   * @param topic dotted topic
   * @param payload event data
   */
  publish<T extends string>(
    topic: T & (T extends MeshTopic ? never : unknown),
    payload?: Readonly<Record<string, unknown>>,
  ): void;
  publish(topic: string, payload: Readonly<Record<string, unknown>> = {}): void {
    this.#published += 1;
    const event: BusEvent = { topic, nodeId: this.#nodeId(), time: Date.now(), payload };
    for (const sub of this.#subscribers) {
      if (topicMatches(sub.pattern, topic)) sub.deliver(event);
    }
    for (const listener of this.#listeners) {
      if (!topicMatches(listener.pattern, topic)) continue;
      try {
        listener.fn(event);
      } catch {
        /* a listener's failure must never reach the publisher */
      }
    }
  }

  /**
   * Subscribes with a pattern (`*`, `prefix.*` or an exact topic).
   * @param pattern the pattern
   * @param options buffer size
   * @returns the subscription
   */
  subscribe(pattern: string, options: SubscribeOptions = {}): EventSubscription {
    const capacity = Math.max(1, options.bufferSize ?? 1024);
    const sub = new Subscriber(pattern, capacity, (s) => this.#subscribers.delete(s));
    const signal = options.signal;
    if (signal?.aborted === true) {
      sub.close();
      return sub;
    }
    this.#subscribers.add(sub);
    signal?.addEventListener('abort', () => sub.close(), { once: true });
    return sub;
  }

  /**
   * Registers a synchronous callback (must be quick; exceptions are swallowed).
   * @param pattern the pattern
   * @param fn called for each matching event
   * @returns a function that removes the listener
   */
  on(pattern: string, fn: (event: BusEvent) => void): () => void {
    const entry = { pattern, fn };
    this.#listeners.add(entry);
    return () => {
      this.#listeners.delete(entry);
    };
  }

  /** Closes every subscription (daemon stop). */
  closeAll(): void {
    for (const sub of [...this.#subscribers]) sub.close();
    this.#listeners.clear();
  }
}
