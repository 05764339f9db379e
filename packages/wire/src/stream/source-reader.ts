import { ByteQueue } from '../bytes/byte-queue.js';
import { WireError } from '../errors/wire-error.js';

/**
 * Buffered reader over one async iterable. One per source (kept in a WeakMap), so successive
 * `readFrame`/`readMessage` calls continue exactly where the last one stopped and no byte of a chunk
 * that held more than one frame is lost. It never calls `return()` on the iterator: leaving a
 * `for await` would close a Node socket.
 */
export class SourceReader {
  readonly queue = new ByteQueue();
  private readonly iterator: AsyncIterator<Uint8Array>;
  private done = false;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(source: AsyncIterable<Uint8Array>) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  /** Runs reads one after another, so concurrent callers cannot interleave bytes. */
  serial<T>(job: () => Promise<T>): Promise<T> {
    const run = this.tail.then(job, job);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Buffers until `n` bytes are available; false if the source ended first. */
  async fill(n: number): Promise<boolean> {
    while (this.queue.length < n) {
      if (this.done) return false;
      let step: IteratorResult<Uint8Array>;
      try {
        step = await this.iterator.next();
      } catch (cause) {
        throw new WireError('READ_FAILED', `reading the source failed: ${String(cause)}`, {
          cause,
        });
      }
      if (step.done === true) {
        this.done = true;
        return false;
      }
      if (!(step.value instanceof Uint8Array)) {
        throw new WireError('INVALID', 'the source yielded something other than a Uint8Array');
      }
      this.queue.append(step.value);
    }
    return true;
  }
}

const readers = new WeakMap<object, SourceReader>();

/** The one reader of `source`, created on first use. */
export function readerFor(source: AsyncIterable<Uint8Array>): SourceReader {
  if (
    typeof source !== 'object' ||
    source === null ||
    typeof source[Symbol.asyncIterator] !== 'function'
  ) {
    throw new WireError('INVALID', 'source must be an AsyncIterable<Uint8Array>');
  }
  let reader = readers.get(source);
  if (!reader) {
    reader = new SourceReader(source);
    readers.set(source, reader);
  }
  return reader;
}
