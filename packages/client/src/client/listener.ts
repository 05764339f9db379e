// A bound port: accepted streams queue here until the application takes them.
import type { MeshStream } from '../stream/mesh-stream.js';

const ignoreQueuedError = (): void => {};

/**
 * A port bound through the daemon. Iterate it (`for await (const s of listener)`) or call
 * {@link MeshListener.accept}; both end after {@link MeshListener.close}.
 */
export class MeshListener implements AsyncIterable<MeshStream> {
  /** The bound port. */
  readonly port: number;
  readonly #queue: MeshStream[] = [];
  readonly #waiters: ((s: MeshStream | undefined) => void)[] = [];
  readonly #unbind: () => Promise<void>;
  #closed = false;

  /**
   * @param port - the bound port.
   * @param unbind - releases the port at the daemon (internal).
   */
  constructor(port: number, unbind: () => Promise<void>) {
    this.port = port;
    this.#unbind = unbind;
  }

  /** Whether {@link close} ran (or the IPC connection went away). */
  get closed(): boolean {
    return this.#closed;
  }

  /** @internal A `conn.accepted` push for this port. */
  enqueue(stream: MeshStream): void {
    if (this.#closed) {
      stream.destroy();
      return;
    }
    const w = this.#waiters.shift();
    if (w) w(stream);
    else {
      // Nobody owns a queued stream yet: a peer reset must not become an unhandled 'error'.
      stream.on('error', ignoreQueuedError);
      this.#queue.push(stream);
    }
  }

  /**
   * Waits for the next inbound stream.
   * @returns the stream, or undefined once the listener is closed.
   */
  accept(): Promise<MeshStream | undefined> {
    while (this.#queue.length > 0) {
      const queued = this.#queue.shift()!;
      queued.off('error', ignoreQueuedError);
      if (!queued.destroyed) return Promise.resolve(queued); // reset while queued: skip it
    }
    if (this.#closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** @internal Ends pending accepts without talking to the daemon. */
  end(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const w of this.#waiters.splice(0)) w(undefined);
    for (const s of this.#queue.splice(0)) s.destroy();
  }

  /** Releases the port and ends iteration. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.end();
    await this.#unbind();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<MeshStream> {
    for (;;) {
      const s = await this.accept();
      if (!s) return;
      yield s;
    }
  }
}
