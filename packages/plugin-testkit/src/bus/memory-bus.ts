import { AsyncQueue } from '../util/async-queue.js';
import { matchTopic } from './topic.js';
import type { Clock } from '../clock/manual-clock.js';
import type {
  Event,
  EventBus,
  EventPayload,
  EventSubscription,
  SubscribeOptions,
} from '@mesh/daemonapi';

/** Default per-subscriber buffer, as in the engine. */
export const DEFAULT_SUBSCRIPTION_BUFFER = 1024;

/** One subscriber of a {@link MemoryEventBus}. */
class MemorySubscription implements EventSubscription {
  readonly pattern: string;
  readonly #queue: AsyncQueue<Event>;
  readonly #detach: () => void;
  #dropped = 0;

  constructor(pattern: string, bufferSize: number, detach: (s: MemorySubscription) => void) {
    this.pattern = pattern;
    this.#detach = () => detach(this);
    this.#queue = new AsyncQueue<Event>({ limit: bufferSize, onReturn: () => this.close() });
  }

  get dropped(): number {
    return this.#dropped;
  }

  /** Enqueues `event`, counting a drop when the buffer is full. */
  offer(event: Event): void {
    if (!this.#queue.push(event) && !this.#queue.ended) this.#dropped++;
  }

  close(): void {
    this.#queue.clear();
    this.#queue.end();
    this.#detach();
  }

  [Symbol.asyncIterator](): AsyncIterator<Event> {
    return this.#queue[Symbol.asyncIterator]();
  }
}

/** A real in-process event bus with pattern subscriptions and bounded buffers. */
export class MemoryEventBus implements EventBus {
  readonly #subscriptions = new Set<MemorySubscription>();
  readonly #clock: Clock;
  readonly #nodeId: () => number;

  /** Creates a bus stamping events with `clock` and the owner's node id. */
  constructor(clock: Clock, nodeId: () => number) {
    this.#clock = clock;
    this.#nodeId = nodeId;
  }

  /** Open subscriptions (a leak check counts them). */
  get subscriptionCount(): number {
    return this.#subscriptions.size;
  }

  publish(topic: string, payload: EventPayload = {}): void {
    const event: Event = Object.freeze({
      topic,
      nodeId: this.#nodeId(),
      time: this.#clock.now(),
      payload,
    });
    for (const subscription of this.#subscriptions) {
      if (matchTopic(subscription.pattern, topic)) subscription.offer(event);
    }
  }

  subscribe(pattern: string, options: SubscribeOptions = {}): EventSubscription {
    const { signal } = options;
    let onAbort: (() => void) | undefined;
    const subscription = new MemorySubscription(
      pattern,
      options.bufferSize ?? DEFAULT_SUBSCRIPTION_BUFFER,
      (s) => {
        this.#subscriptions.delete(s);
        if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
      },
    );
    this.#subscriptions.add(subscription);
    if (signal !== undefined) {
      if (signal.aborted) subscription.close();
      else {
        onAbort = () => subscription.close();
        signal.addEventListener('abort', onAbort, { once: true });
      }
    }
    return subscription;
  }

  /** Closes every subscription (daemon stop). */
  closeAll(): void {
    for (const subscription of [...this.#subscriptions]) subscription.close();
  }
}
