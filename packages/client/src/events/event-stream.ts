// The SDK side of events.subscribe: an async iterable over a bounded local buffer.
import type { EventNotification, IpcClient } from '@mesh/ipc';

/** One daemon bus event. */
export interface MeshEvent {
  /** Dotted topic, e.g. `conn.established`. */
  readonly topic: string;
  /** The publishing node (0 before registration). */
  readonly nodeId: number;
  /** Publication time, Unix epoch ms. */
  readonly time: number;
  /** Event data. */
  readonly payload: Readonly<Record<string, unknown>>;
}

/** Options of `MeshClient.events`. */
export interface EventsOptions {
  /** Ends the iteration when aborted. */
  readonly signal?: AbortSignal;
  /**
   * Events buffered on each side (daemon and SDK) while the consumer is slow; beyond it events
   * are dropped and counted in {@link EventStream.dropped}. @defaultValue 1024
   */
  readonly bufferSize?: number;
}

/**
 * A live event subscription. Iterate it with `for await`; iteration ends after {@link close},
 * an abort, or when the daemon connection closes.
 */
export class EventStream implements AsyncIterable<MeshEvent> {
  /** The pattern subscribed to. */
  readonly pattern: string;
  readonly #ipc: IpcClient;
  readonly #capacity: number;
  #id: string | undefined;
  #queue: MeshEvent[] = [];
  #waiters: ((e: MeshEvent | undefined) => void)[] = [];
  #early: EventNotification[] = [];
  #remoteDropped = 0;
  #localDropped = 0;
  #closed = false;
  readonly #offs: (() => void)[] = [];

  /** @internal Use `MeshClient.events`. */
  constructor(ipc: IpcClient, pattern: string, capacity: number) {
    this.#ipc = ipc;
    this.pattern = pattern;
    this.#capacity = capacity;
    this.#offs.push(
      ipc.onNotification('events.event', (n) => {
        // Notifications may overtake the subscribe reply; hold them until the id is known.
        if (this.#id === undefined) {
          if (this.#early.length < this.#capacity) this.#early.push(n);
          return;
        }
        if (n.subscription === this.#id) this.#push(n);
      }),
      ipc.onClose(() => this.#end()),
    );
  }

  /** @internal Called with the subscribe reply. */
  adopt(id: string): void {
    this.#id = id;
    for (const n of this.#early.splice(0)) if (n.subscription === id) this.#push(n);
  }

  /** Events lost so far: dropped by the daemon for this subscription plus by the SDK buffer. */
  get dropped(): number {
    return this.#remoteDropped + this.#localDropped;
  }

  /** The next event, or `undefined` once the stream has ended. */
  next(): Promise<MeshEvent | undefined> {
    const e = this.#queue.shift();
    if (e !== undefined) return Promise.resolve(e);
    if (this.#closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Unsubscribes and ends iteration. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    const id = this.#id;
    this.#end();
    if (id !== undefined)
      await this.#ipc.call('events.unsubscribe', { subscription: id }).catch(() => {});
  }

  async *[Symbol.asyncIterator](): AsyncIterator<MeshEvent> {
    try {
      for (;;) {
        const e = await this.next();
        if (e === undefined) return;
        yield e;
      }
    } finally {
      await this.close();
    }
  }

  #push(n: EventNotification): void {
    if (this.#closed) return;
    this.#remoteDropped = n.dropped;
    const e: MeshEvent = { topic: n.topic, nodeId: n.node_id, time: n.time, payload: n.payload };
    const waiter = this.#waiters.shift();
    if (waiter) return waiter(e);
    if (this.#queue.length >= this.#capacity) {
      this.#localDropped += 1;
      return;
    }
    this.#queue.push(e);
  }

  #end(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const off of this.#offs.splice(0)) off();
    this.#queue = [];
    this.#early = [];
    for (const w of this.#waiters.splice(0)) w(undefined);
  }
}

/**
 * Subscribes on the daemon and returns the stream.
 * @internal Use `MeshClient.events`.
 */
export async function subscribeEvents(
  ipc: IpcClient,
  pattern: string,
  options: EventsOptions,
): Promise<EventStream> {
  const capacity = Math.max(1, options.bufferSize ?? 1024);
  const stream = new EventStream(ipc, pattern, capacity);
  try {
    const r = await ipc.call('events.subscribe', { pattern, buffer_size: capacity });
    stream.adopt(r.subscription);
  } catch (err) {
    await stream.close();
    throw err;
  }
  const signal = options.signal;
  if (signal) {
    if (signal.aborted) await stream.close();
    else signal.addEventListener('abort', () => void stream.close(), { once: true });
  }
  return stream;
}
