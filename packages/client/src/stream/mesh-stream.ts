// A mesh stream connection as a Node Duplex over its own raw connection to the daemon.
import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import type { IpcClient } from '@mesh/ipc';
import { ErrorCode, IpcError } from '@mesh/ipc';

/**
 * @deprecated Writes no longer go through JSON-RPC calls (RPC version 2 carries stream bytes on
 * a raw connection), so nothing is split at this size any more. Kept for compatibility.
 */
export const MAX_SEND_CHUNK = 256 * 1024;

/** Endpoints of a {@link MeshStream}. */
export interface MeshStreamInfo {
  /** Daemon-wide connection id. */
  readonly connId: number;
  /** Local virtual port. */
  readonly localPort: number;
  /** The peer's address text. */
  readonly remoteAddr: string;
  /** The peer's virtual port. */
  readonly remotePort: number;
}

/** @internal Hooks the owning client gives a stream. */
export interface StreamHost {
  readonly ipc: IpcClient;
  /** Called once when the stream is finished with, so the client forgets it. */
  forget(stream: MeshStream): void;
}

/**
 * One stream connection through the daemon. Reading ends at the peer's FIN; `end()` sends
 * FIN; `destroy()` after the peer's FIN closes cleanly (FIN for our side), before it or with an
 * error it resets the connection. The bytes travel on the stream's own
 * connection to the daemon's socket, so a write completes when the kernel took it and a slow
 * reader holds up only its own stream.
 */
export class MeshStream extends Duplex implements MeshStreamInfo {
  readonly connId: number;
  readonly localPort: number;
  readonly remoteAddr: string;
  readonly remotePort: number;
  readonly #host: StreamHost;
  readonly #socket: Socket;
  #remoteEnded = false;
  #reset = false;
  #waitingDrain: ((error?: Error | null) => void) | undefined;

  /**
   * @param host - the owning client (internal).
   * @param info - the connection's endpoints.
   * @param socket - the attached raw connection (internal).
   */
  constructor(host: StreamHost, info: MeshStreamInfo, socket: Socket) {
    // Half-close: the peer's FIN ends reading, end() ends writing; once both are done, Node
    // destroys the stream (autoDestroy) after 'end' was emitted, so readers see every byte.
    super({ allowHalfOpen: true });
    this.#host = host;
    this.#socket = socket;
    this.connId = info.connId;
    this.localPort = info.localPort;
    this.remoteAddr = info.remoteAddr;
    this.remotePort = info.remotePort;
    this.once('close', () => host.forget(this));
    this.once('finish', () => this.#finishIfDone());
    socket.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) socket.pause();
    });
    // The daemon ends the raw connection only for the peer's FIN (a reset comes as conn.closed).
    socket.on('end', () => {
      this.#remoteEnded = true;
      this.push(null);
      this.#finishIfDone();
    });
    socket.on('drain', () => this.#drained());
    socket.on('error', (err) => {
      if (!this.destroyed)
        this.destroy(
          new IpcError(ErrorCode.connectionFailed, `connection ${this.connId}: ${err.message}`),
        );
    });
    socket.on('close', () => {
      this.#drained(new IpcError(ErrorCode.connectionFailed, 'the stream connection closed'));
      if (!this.destroyed && !(this.#remoteEnded && this.writableFinished))
        this.destroy(
          new IpcError(
            ErrorCode.connectionFailed,
            `connection ${this.connId} closed by the daemon`,
          ),
        );
    });
  }

  /** @internal The daemon's `conn.closed`: only a reset matters, FIN comes on the socket. */
  remoteClose(reason: string): void {
    if (reason === 'fin' || reason === 'closed' || reason === '' || this.destroyed) return;
    this.#reset = true;
    this.destroy(new IpcError(ErrorCode.connectionFailed, `connection ${this.connId} ${reason}`));
  }

  // Both directions are done and nothing is left to read: let 'end' (and so 'close') happen
  // even when the owner never reads, e.g. a publisher that only writes and waits for 'close'.
  #finishIfDone(): void {
    if (
      this.#remoteEnded &&
      this.writableFinished &&
      this.readableLength === 0 &&
      !this.readableEnded
    )
      this.resume();
  }

  #drained(error?: Error): void {
    const cb = this.#waitingDrain;
    this.#waitingDrain = undefined;
    cb?.(error);
  }

  override _read(): void {
    this.#socket.resume();
  }

  override _write(
    chunk: Buffer,
    _enc: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): void {
    if (this.#socket.write(chunk)) callback();
    else this.#waitingDrain = callback;
  }

  override _writev(
    chunks: { chunk: Buffer; encoding: BufferEncoding }[],
    callback: (error?: Error | null) => void,
  ): void {
    this.#socket.cork();
    let ok = true;
    for (const { chunk } of chunks) ok = this.#socket.write(chunk);
    this.#socket.uncork();
    if (ok) callback();
    else this.#waitingDrain = callback;
  }

  override _final(callback: (error?: Error | null) => void): void {
    // FIN: the daemon reads the socket's end and ends the engine stream.
    this.#socket.end(() => callback());
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const socket = this.#socket;
    this.#drained(error ?? new IpcError(ErrorCode.connectionFailed, 'the stream was destroyed'));
    if ((error === null && this.#remoteEnded) || this.#reset || this.#host.ipc.closed) {
      // Nothing more to read (or nothing left to reset): closing the socket is a FIN for
      // whatever was not ended yet, as `for await` does once it read everything.
      socket.destroy();
    } else {
      // Closing with bytes still to come, or an error: reset through control first (closing
      // the socket alone reads as FIN at the daemon).
      socket.pause();
      this.#host.ipc
        .call('conn.reset', { conn_id: this.connId })
        .catch(() => {})
        .finally(() => socket.destroy());
    }
    this.#host.forget(this);
    callback(error);
  }
}
