/** Options of {@link AsyncQueue}. */
export interface AsyncQueueOptions {
  /** Items held for a slow reader before `push` starts dropping. Unbounded when absent. */
  readonly limit?: number;
  /** Called when a consumer leaves a `for await` loop early (`break`, `return`, a throw). */
  readonly onReturn?: () => void;
}

/**
 * A single-consumer async FIFO: producers `push` without blocking, the consumer awaits `next`
 * or iterates. `end` lets buffered items drain and then ends iteration; `fail` makes the next
 * read throw. The building block of in-memory streams, listeners and subscriptions.
 */
export class AsyncQueue<T> implements AsyncIterable<T> {
  readonly #items: T[] = [];
  readonly #waiters: {
    resolve: (value: T | undefined) => void;
    reject: (error: unknown) => void;
  }[] = [];
  readonly #limit: number;
  readonly #onReturn: (() => void) | undefined;
  #ended = false;
  #failure: { error: unknown } | undefined;

  /** Creates an empty queue. */
  constructor(options: AsyncQueueOptions = {}) {
    this.#limit = options.limit ?? Number.POSITIVE_INFINITY;
    this.#onReturn = options.onReturn;
  }

  /** Items waiting to be read. */
  get size(): number {
    return this.#items.length;
  }

  /** Whether `end` or `fail` was called. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Adds an item; `false` when the queue has ended or is full (the item is dropped). */
  push(item: T): boolean {
    if (this.#ended) return false;
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) {
      waiter.resolve(item);
      return true;
    }
    if (this.#items.length >= this.#limit) return false;
    this.#items.push(item);
    return true;
  }

  /** Ends the queue after the buffered items; pending and later reads get `undefined`. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    for (const waiter of this.#waiters.splice(0)) waiter.resolve(undefined);
  }

  /** Ends the queue with an error: buffered items are discarded and reads reject with `error`. */
  fail(error: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#failure = { error };
    this.#items.length = 0;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
  }

  /** Discards buffered items. */
  clear(): void {
    this.#items.length = 0;
  }

  /** The next item, or `undefined` once the queue has ended and drained. */
  next(): Promise<T | undefined> {
    if (this.#items.length > 0) return Promise.resolve(this.#items.shift());
    // The failure is whatever `fail` was given (normally an Error); pass it through unchanged.
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    if (this.#failure !== undefined) return Promise.reject(this.#failure.error);
    if (this.#ended) return Promise.resolve(undefined);
    return new Promise<T | undefined>((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** Iterates until the queue ends. */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: async (): Promise<IteratorResult<T>> => {
        const value = await this.next();
        return value === undefined ? { done: true, value: undefined } : { done: false, value };
      },
      return: async (): Promise<IteratorResult<T>> => {
        this.#onReturn?.();
        return { done: true, value: undefined };
      },
    };
  }
}
