import type { Socket } from 'node:net';
import { MAGIC, MsgType, VERSION, encodeError, encodeFrame, encodeMessage } from '@mesh/wire';
import type { RegistryErrorCode } from '@mesh/wire';
import { ByteBuffer } from './byte-buffer.js';
import type { TurnTaker } from './turn-queue.js';

/** What a connection needs from the server. */
export interface ConnectionHost {
  /** Largest accepted length prefix. */
  readonly maxMessageSize: number;
  /** A response must drain within this many ms, or the connection is dropped. */
  readonly writeDeadlineMs: number;
  /** Connections silent for this long are closed. */
  readonly idleTimeoutMs: number;
  /** Handles one JSON-mode message body; returns the response bytes (length-prefixed JSON). */
  handleJsonBody(body: Uint8Array, remoteIp: string): Uint8Array | Promise<Uint8Array>;
  /** Handles one binary frame; returns the complete response frame. */
  handleFrame(
    type: number,
    payload: Uint8Array,
    remoteIp: string,
  ): Uint8Array | Promise<Uint8Array>;
  /** Logs a connection-level problem. */
  connectionError(remoteIp: string, reason: string): void;
  /** Reports a change in the bytes this connection holds in unfinished requests. */
  buffered(conn: ClientConnection, delta: number): void;
  /**
   * Answer bytes a client may leave unread (in the socket's write buffer) before the server
   * stops reading its requests until they drain.
   */
  readonly maxUnreadBytes: number;
  /** Request bytes one connection may queue before the server stops reading from it. */
  readonly maxQueuedBytes: number;
  /** Queues the connection for a turn: it has requests to serve (see `TurnQueue`). */
  schedule(conn: ClientConnection, shallow: boolean): void;
  /**
   * How many requests the connection may serve right away, without waiting for a turn: a
   * turn's worth when nobody else waits, else 0.
   */
  serveNow(): number;
  /** Reports that the server stopped (`true`) or resumed (`false`) reading from a connection. */
  readPaused(conn: ClientConnection, paused: boolean): void;
}

type Mode = 'detect' | 'binary' | 'json';

/** A connection with at most this much queued input is interactive, served ahead of backlogs. */
const SHALLOW_BYTES = 4096;

/**
 * One client connection: detects the mode from the first 4 bytes, then handles requests strictly
 * one after another, a few per turn of the server's `TurnQueue`. Malformed framing gets an
 * error response (where the mode allows) and the connection is closed. Reading stops while the
 * client leaves more than `maxUnreadBytes` of answers unread or has more than `maxQueuedBytes` of
 * requests queued, so neither memory nor other clients' latency depends on one client's backlog;
 * a client that does not read its responses is dropped after the write deadline, a silent one
 * after the idle timeout.
 */
export class ClientConnection implements TurnTaker {
  readonly #socket: Socket;
  readonly #host: ConnectionHost;
  readonly #remoteIp: string;
  readonly #buf = new ByteBuffer();
  #mode: Mode = 'detect';
  /** Answers are unread beyond the bound: serve nothing until the socket drains. */
  #blocked = false;
  /** Reading is paused (for unread answers or queued requests). */
  #paused = false;
  /** A response is being computed (a write waits for the store). */
  #awaiting = false;
  readonly #refusal: string | undefined;
  #closing = false;
  #writeTimer: NodeJS.Timeout | undefined;
  /** Buffer size last reported to the host. */
  #reported = 0;

  /**
   * @param refusal - when set, the first request is answered with this error and the
   *   connection closed (a plaintext client on a TLS port)
   */
  constructor(socket: Socket, host: ConnectionHost, remoteIp: string, refusal?: string) {
    this.#refusal = refusal;
    this.#socket = socket;
    this.#host = host;
    this.#remoteIp = remoteIp;
    socket.setNoDelay(true);
    socket.setTimeout(host.idleTimeoutMs, () => {
      this.#host.connectionError(this.#remoteIp, 'idle timeout');
      socket.destroy();
    });
    socket.on('data', (chunk: Buffer) => {
      if (this.#closing) return;
      this.#buf.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
      // Nobody waiting: serve at once (no extra event-loop turn for the common case, and a
      // request that just completed never counts against the server's input budget).
      if (this.#ready()) this.#pump(this.#host.serveNow());
      this.#account();
      this.#next();
    });
    socket.on('drain', () => {
      // After #fail the timer bounds how long a half-closed connection may linger: keep it.
      if (this.#closing) return;
      if (this.#writeTimer) clearTimeout(this.#writeTimer);
      this.#writeTimer = undefined;
      if (!this.#blocked) return;
      this.#blocked = false;
      this.#next();
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      if (this.#writeTimer) clearTimeout(this.#writeTimer);
      this.#closing = true;
      this.#buf.clear();
      this.#account();
      this.#setPaused(false);
    });
  }

  /** Whether the server stopped reading from this connection (see the class comment). */
  get readPaused(): boolean {
    return this.#paused;
  }

  /** Serves up to `budget` requests (one turn); returns whether more could be served now. */
  serve(budget: number): boolean {
    this.#pump(budget);
    this.#account();
    this.#next();
    return this.#ready();
  }

  /** Pauses or resumes reading as the bounds say, and asks for a turn when there is work. */
  #next(): void {
    if (this.#closing) return;
    const ready = this.#ready();
    // Queued input pauses reading only while there is a whole request to work off: a single
    // large request still being received must not be starved of its own bytes.
    this.#setPaused(
      this.#blocked || ((ready || this.#awaiting) && this.#buf.length > this.#host.maxQueuedBytes),
    );
    if (ready) this.#host.schedule(this, this.#buf.length <= SHALLOW_BYTES);
  }

  /** A request could be served now: not waiting, and a whole frame (or the mode) is buffered. */
  #ready(): boolean {
    if (this.#closing || this.#blocked || this.#awaiting) return false;
    const n = this.#buf.length;
    if (this.#mode === 'detect') return n >= 4 && (n >= 5 || !this.#isMagic());
    return n >= 4 && n >= 4 + this.#buf.uint32();
  }

  #setPaused(paused: boolean): void {
    if (paused === this.#paused) return;
    this.#paused = paused;
    if (paused) this.#socket.pause();
    else if (!this.#closing) this.#socket.resume();
    this.#host.readPaused(this, paused);
  }

  /** Bytes held in unfinished requests. */
  get buffered(): number {
    return this.#buf.length;
  }

  /** Drops the connection (with an error response) because the server holds too much input. */
  shed(): void {
    if (this.#closing) return;
    this.#fail('server busy: too much buffered request data, try again', 'BUSY');
  }

  /** Closes the connection now. */
  destroy(): void {
    this.#closing = true;
    this.#socket.destroy();
  }

  #pump(budget: number): void {
    while (!this.#closing && !this.#blocked && !this.#awaiting) {
      if (this.#mode === 'detect') {
        if (this.#buf.length < 4) return;
        if (this.#isMagic()) {
          if (this.#buf.length < 5) return;
          const version = this.#buf.byte(4);
          this.#buf.take(5);
          this.#mode = 'binary';
          if (version !== VERSION) {
            this.#fail(
              `unsupported binary protocol version ${version} (expected ${VERSION})`,
              'BAD_REQUEST',
            );
            return;
          }
        } else {
          this.#mode = 'json';
        }
        if (this.#refusal !== undefined) {
          this.#fail(this.#refusal, 'BAD_REQUEST');
          return;
        }
        continue;
      }
      if (this.#buf.length < 4) return;
      const length = this.#buf.uint32();
      if (length === 0) {
        this.#fail(
          this.#mode === 'binary' ? 'binary frame too short' : 'message too short',
          'BAD_REQUEST',
        );
        return;
      }
      if (length > this.#host.maxMessageSize) {
        this.#fail(
          `message too large: ${length} bytes (max ${this.#host.maxMessageSize})`,
          'LIMIT',
        );
        return;
      }
      if (this.#buf.length < 4 + length) return;
      if (budget-- <= 0) return;
      this.#buf.take(4);
      const body = this.#buf.take(length);
      const response =
        this.#mode === 'binary'
          ? this.#host.handleFrame(body[0], body.subarray(1), this.#remoteIp)
          : this.#host.handleJsonBody(body, this.#remoteIp);
      if (response instanceof Promise) {
        // Requests on one connection strictly alternate: hold the next one until this answer.
        this.#awaiting = true;
        void response.then((bytes) => {
          this.#awaiting = false;
          if (this.#closing) return;
          this.#write(bytes);
          this.#next();
        });
        return;
      }
      this.#write(response);
    }
  }

  #account(): void {
    const delta = this.#buf.length - this.#reported;
    if (delta === 0) return;
    this.#reported = this.#buf.length;
    this.#host.buffered(this, delta);
  }

  #isMagic(): boolean {
    for (let i = 0; i < 4; i++) if (this.#buf.byte(i) !== MAGIC[i]) return false;
    return true;
  }

  #write(bytes: Uint8Array): void {
    this.#socket.write(bytes);
    if (this.#socket.writableLength <= this.#host.maxUnreadBytes) return;
    // The client is not reading: serve (and read) none of its requests until the answers drain.
    this.#blocked = true;
    this.#setPaused(true);
    this.#writeTimer = setTimeout(() => {
      this.#host.connectionError(this.#remoteIp, 'write deadline exceeded');
      this.destroy();
    }, this.#host.writeDeadlineMs);
  }

  /** Sends an error in the connection's mode (the code only fits JSON mode), then closes it. */
  #fail(reason: string, code: RegistryErrorCode): void {
    this.#host.connectionError(this.#remoteIp, reason);
    this.#setPaused(false);
    this.#closing = true;
    this.#buf.clear();
    this.#account();
    const bytes =
      this.#mode === 'binary'
        ? encodeFrame(MsgType.ERROR, encodeError(reason))
        : encodeMessage({ type: 'error', error: reason, code });
    // Half-close after the error; the socket keeps draining (and discarding) input so the kernel
    // does not reset the connection before the client read the error, and is destroyed if the
    // client does not close its side within the write deadline.
    this.#writeTimer = setTimeout(() => {
      this.#host.connectionError(this.#remoteIp, 'no close after the error response');
      this.#socket.destroy();
    }, this.#host.writeDeadlineMs);
    this.#socket.resume();
    this.#socket.end(bytes);
  }
}
