// One engine stream <-> one raw unix-socket connection of an SDK client, with backpressure each way.
import type { Socket } from 'node:net';
import type { EngineConnection } from '../engine.js';

/**
 * Bytes each side may hold in Node's write buffer before the other side is paused. The sockets'
 * default (16 KiB) is one large engine segment: pausing at it stalled the engine stream after
 * every segment (and shrank the receive window it advertises), so a stream ran at a fraction of
 * the engine's rate. The engine's receive and send windows bound what can queue here anyway.
 */
export const BRIDGE_BUFFER_BYTES = 256 * 1024;

/** What a bridge needs from its owner. */
export interface StreamBridgeHooks {
  /** Tells the client why the stream ended (`fin`, `closed`, or a reset reason). */
  closed(reason: string): void;
  /** The bridge is finished with: forget it. */
  done(): void;
}

/**
 * Carries one stream's bytes between the engine connection and the client's raw connection.
 * Each side is paused while the other's write buffer is full, so a slow reader holds up only
 * its own stream (and, through the engine's receive window, its sender). FIN maps to the
 * socket's end and back (half-close both ways); a reset of the engine stream is reported by
 * {@link StreamBridgeHooks.closed} and the raw connection then carries nothing until the
 * client closes it, so a socket end always means FIN.
 */
export class StreamBridge {
  readonly conn: EngineConnection;
  readonly #hooks: StreamBridgeHooks;
  #socket: Socket | undefined;
  #socketEnded = false;
  #reset = false;
  #finished = false;
  #stopping = false;
  #closedSent = false;
  // Engine data arrives one segment at a time; corking until the next turn of the event loop
  // turns a burst of segments into one writev on the socket.
  #corked = false;

  /**
   * @param conn - the engine stream (half-open capable); it stays paused until a socket attaches.
   * @param hooks - reports to the owner.
   */
  constructor(conn: EngineConnection, hooks: StreamBridgeHooks) {
    this.conn = conn;
    this.#hooks = hooks;
    conn.on('end', () => this.#socket?.end());
    conn.on('error', (err: Error & { code?: string }) => this.#onReset(err));
    conn.on('close', () => {
      // Closed without both FINs (`disconnect`, idle timeout): a reset as far as the client knows.
      if (!(conn.readableEnded && conn.writableFinished)) this.#onReset(new Error('reset'));
      else this.#sendClosed('closed');
    });
  }

  /** Whether a raw connection is attached. */
  get attached(): boolean {
    return this.#socket !== undefined;
  }

  /**
   * Connects the client's raw connection and starts moving bytes.
   * @param socket - the attached connection (paused).
   * @param head - bytes the client sent after the preamble.
   */
  attach(socket: Socket, head: Buffer): void {
    this.#socket = socket;
    const conn = this.conn;
    socket.on('error', () => {});
    socket.on('close', () => {
      // The client is gone from this stream. Unless both directions ended cleanly (the engine
      // finishes its FIN handshake on its own), nothing can deliver the rest: reset.
      if (!this.#stopping && (!this.#socketEnded || !conn.readableEnded)) conn.destroy();
      this.#finish();
    });
    if (this.#reset || conn.destroyed) {
      // Reset before the client attached (it was told by `conn.closed`): read and drop until it
      // closes the socket.
      this.#reset = true;
      socket.resume();
      return;
    }
    // socket -> engine
    socket.on('data', (chunk: Buffer) => {
      if (this.#reset) return;
      conn.write(chunk);
      if (conn.writableLength >= BRIDGE_BUFFER_BYTES) socket.pause();
    });
    conn.on('drain', () => {
      if (!this.#reset) socket.resume();
    });
    socket.on('end', () => {
      this.#socketEnded = true;
      if (!this.#reset && !conn.writableEnded) conn.end();
    });
    // engine -> socket
    conn.on('data', (chunk: Buffer) => {
      if (!this.#corked) {
        this.#corked = true;
        socket.cork();
        setImmediate(() => {
          this.#corked = false;
          socket.uncork();
        });
      }
      socket.write(chunk);
      if (socket.writableLength >= BRIDGE_BUFFER_BYTES) conn.pause();
    });
    socket.on('drain', () => {
      if (!this.#reset && !conn.destroyed) conn.resume();
    });
    if (head.length > 0) conn.write(head);
    socket.resume();
    conn.resume();
  }

  /** The client asked for FIN (`conn.close`). */
  end(): void {
    if (!this.conn.writableEnded && !this.conn.destroyed) this.conn.end();
  }

  /** Resets the engine stream and closes the raw connection (`conn.reset`, token expiry, client gone). */
  destroy(): void {
    this.#reset = true;
    this.conn.destroy();
    this.#socket?.destroy();
    if (this.#socket === undefined) this.#finish();
  }

  /** The daemon is stopping: end the stream with FIN, drop the raw connection. */
  stop(): void {
    this.#reset = true;
    this.#stopping = true;
    if (!this.conn.writableEnded && !this.conn.destroyed) this.conn.end();
    this.#socket?.destroy();
    if (this.#socket === undefined) this.#finish();
  }

  #onReset(err: Error & { code?: string }): void {
    if (this.#reset) return;
    this.#reset = true;
    this.#sendClosed(err.message || 'reset');
    // The socket stays open, its input dropped, until the client closes it: an end from this
    // side would read as FIN on the client's.
    this.#socket?.resume();
  }

  #sendClosed(reason: string): void {
    if (this.#closedSent) return;
    this.#closedSent = true;
    this.#hooks.closed(reason);
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#hooks.done();
  }
}
