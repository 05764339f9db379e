// A mesh stream connection as a Node Duplex: writes become conn.send calls, conn.data pushes become reads.
import { Duplex } from 'node:stream';
import type { IpcClient } from '@mesh/ipc';
import { IpcError } from '@mesh/ipc';

/** Largest payload per `conn.send` call; keeps request lines well under the daemon's 1 MiB limit. */
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
  /** Called when the stream's read buffer is full (true) or drained (false). */
  setBackpressure(stream: MeshStream, full: boolean): void;
  /** Called once when the stream is finished with, so the client forgets it. */
  forget(stream: MeshStream): void;
}

/**
 * One stream connection through the daemon. Reading ends at the peer's FIN; `end()` sends
 * FIN; `destroy()` closes the connection at once. Each `write` resolves its callback when the
 * daemon accepted the bytes, which gives natural backpressure.
 */
export class MeshStream extends Duplex implements MeshStreamInfo {
  readonly connId: number;
  readonly localPort: number;
  readonly remoteAddr: string;
  readonly remotePort: number;
  readonly #host: StreamHost;
  #remoteClosed = false;
  #closeSent = false;

  /**
   * @param host - the owning client (internal).
   * @param info - the connection's endpoints.
   */
  constructor(host: StreamHost, info: MeshStreamInfo) {
    // Half-close: the peer's FIN ends reading, end() ends writing; once both are done, Node
    // destroys the stream (autoDestroy) after 'end' was emitted, so readers see every byte.
    super({ allowHalfOpen: true });
    this.#host = host;
    this.once('close', () => host.forget(this));
    this.once('finish', () => this.#finishIfDone());
    this.connId = info.connId;
    this.localPort = info.localPort;
    this.remoteAddr = info.remoteAddr;
    this.remotePort = info.remotePort;
  }

  /** @internal Bytes from a `conn.data` push. */
  deliver(data: Buffer): void {
    if (this.#remoteClosed || this.destroyed) return;
    if (!this.push(data)) this.#host.setBackpressure(this, true);
  }

  /** @internal The peer closed (`conn.closed`). */
  remoteClose(reason: string): void {
    if (this.#remoteClosed) return;
    this.#remoteClosed = true;
    if (reason === 'fin' || reason === 'closed' || reason === '') {
      this.push(null);
      this.#finishIfDone();
    } else {
      this.destroy(new IpcError('connection_failed', `connection ${this.connId} ${reason}`));
    }
  }

  // Both directions are done and nothing is left to read: let 'end' (and so 'close') happen
  // even when the owner never reads, e.g. a publisher that only writes and waits for 'close'.
  #finishIfDone(): void {
    if (
      this.#remoteClosed &&
      this.writableFinished &&
      this.readableLength === 0 &&
      !this.readableEnded
    )
      this.resume();
  }

  override _read(): void {
    this.#host.setBackpressure(this, false);
  }

  override _write(
    chunk: Buffer,
    _enc: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): void {
    void this.#send(chunk).then(() => callback(), callback);
  }

  async #send(chunk: Buffer): Promise<void> {
    for (let off = 0; off < chunk.length; off += MAX_SEND_CHUNK) {
      const part = chunk.subarray(off, off + MAX_SEND_CHUNK);
      await this.#host.ipc.call(
        'conn.send',
        { conn_id: this.connId, data: part.toString('base64') },
        { timeoutMs: 0 },
      );
    }
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#closeSent = true;
    this.#host.ipc.call('conn.close', { conn_id: this.connId }).then(
      () => callback(),
      (err: Error & { code?: string }) => {
        // The daemon already released the connection (peer reset, both sides done): nothing to close.
        if (err.code === 'not_found' || err.code === 'connection_closed') callback();
        else callback(err);
      },
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#host.setBackpressure(this, false);
    if (!this.#closeSent && !this.#host.ipc.closed) {
      this.#closeSent = true;
      this.#host.ipc.call('conn.close', { conn_id: this.connId }).catch(() => {});
    }
    this.#host.forget(this);
    callback(error);
  }
}
