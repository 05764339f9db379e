// A push queue consumed by async iteration (events, stream chunks, accepted connections).

/** An async-iterable queue; `end` finishes iteration, `fail` makes the next read throw. */
export class AsyncQueue<T> implements AsyncIterable<T> {
  readonly #items: T[] = [];
  readonly #readers: Array<{
    resolve: (r: IteratorResult<T>) => void;
    reject: (e: unknown) => void;
  }> = [];
  #done = false;
  #error: unknown;

  /** Adds an item (dropped after `end`). */
  push(item: T): void {
    if (this.#done) return;
    const reader = this.#readers.shift();
    if (reader !== undefined) reader.resolve({ value: item, done: false });
    else this.#items.push(item);
  }

  /** Ends iteration after the queued items. Idempotent. */
  end(): void {
    if (this.#done) return;
    this.#done = true;
    for (const r of this.#readers.splice(0)) r.resolve({ value: undefined, done: true });
  }

  /** Ends iteration with an error. */
  fail(error: unknown): void {
    if (this.#done) return;
    this.#error = error;
    this.#done = true;
    for (const r of this.#readers.splice(0)) r.reject(error);
  }

  /** The next item, `undefined` once ended. */
  async next(): Promise<T | undefined> {
    const r = await this.#read();
    return r.done === true ? undefined : r.value;
  }

  #read(): Promise<IteratorResult<T>> {
    const item = this.#items.shift();
    if (item !== undefined) return Promise.resolve({ value: item, done: false });
    if (this.#done)
      return this.#error === undefined
        ? Promise.resolve({ value: undefined, done: true })
        : Promise.reject(
            this.#error instanceof Error
              ? this.#error
              : new Error('stream failed', { cause: this.#error }),
          );
    return new Promise((resolve, reject) => this.#readers.push({ resolve, reject }));
  }

  /** Async iteration. */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => this.#read(),
      return: async () => (this.end(), { value: undefined, done: true }),
    };
  }
}
