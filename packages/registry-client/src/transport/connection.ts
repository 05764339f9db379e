import { createHash } from 'node:crypto';
import { isIP, connect as netConnect } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { RegistryTlsClientOptions } from '../types.js';
import type { Socket } from 'node:net';
import { formatHostPort } from '@mesh/protocol';
import { PREAMBLE } from '@mesh/wire';
import { RegistryClientError } from '../errors.js';
import { LengthPrefixedReader } from './frame-reader.js';

interface Waiter {
  resolve(body: Uint8Array): void;
  reject(err: Error): void;
}

/**
 * One TCP connection to the registry. Exactly one request may be outstanding: the protocol has
 * no request ids, so a call that times out or is aborted destroys the connection.
 */
export class RegistryConnection {
  readonly #socket: Socket;
  readonly #reader = new LengthPrefixedReader();
  #waiter: Waiter | undefined;
  #closedError: Error | undefined;
  readonly #onDropped: ((reason: RegistryClientError) => void) | undefined;

  private constructor(socket: Socket, onDropped?: (reason: RegistryClientError) => void) {
    this.#socket = socket;
    this.#onDropped = onDropped;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (err) =>
      this.#lost(
        new RegistryClientError('TRANSPORT', `registry connection failed: ${err.message}`, {
          cause: err,
        }),
      ),
    );
    socket.on('close', () =>
      this.#lost(new RegistryClientError('TRANSPORT', 'registry closed the connection')),
    );
  }

  /**
   * Opens a connection; in binary mode the PILT preamble is written first.
   * @param onDropped called once when the registry closes the connection or the socket fails
   *   (not when this side destroys it: a timeout, an abort, a close)
   */
  static open(
    host: string,
    port: number,
    binary: boolean,
    timeoutMs: number,
    tlsOptions?: RegistryTlsClientOptions,
    onDropped?: (reason: RegistryClientError) => void,
  ): Promise<RegistryConnection> {
    return new Promise((resolve, reject) => {
      const pin = tlsOptions?.fingerprint?.replace(/:/g, '').toLowerCase();
      // node:tls is loaded on first use: most daemons talk plain TCP to the registry, and loading
      // it costs start-up time and memory.
      const socket: Socket = tlsOptions
        ? process.getBuiltinModule('node:tls').connect({
            host,
            port,
            servername: tlsOptions.servername ?? (isIP(host) ? undefined : host),
            // Pinned: the fingerprint is the trust decision (self-signed registries).
            rejectUnauthorized: pin === undefined,
          })
        : netConnect({ host, port });
      const ready = tlsOptions ? 'secureConnect' : 'connect';
      const timer = setTimeout(() => {
        socket.destroy();
        reject(
          new RegistryClientError(
            'TRANSPORT',
            `connect to ${formatHostPort(host, port)} timed out after ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      const onError = (err: Error & { code?: string }): void => {
        clearTimeout(timer);
        socket.destroy();
        const untrusted =
          typeof err.code === 'string' &&
          /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|HOSTNAME/.test(err.code);
        reject(
          new RegistryClientError(
            untrusted ? 'TLS' : 'TRANSPORT',
            `connect to ${formatHostPort(host, port)} failed: ${err.message}`,
            { cause: err },
          ),
        );
      };
      socket.once('error', onError);
      socket.once(ready, () => {
        clearTimeout(timer);
        socket.off('error', onError);
        if (pin !== undefined) {
          const der = (socket as TLSSocket).getPeerCertificate().raw;
          const got = der ? createHash('sha256').update(der).digest('hex') : '';
          if (got !== pin) {
            socket.destroy();
            reject(
              new RegistryClientError(
                'TLS',
                `registry at ${formatHostPort(host, port)} presented a certificate with SHA-256 ${got || '(none)'}, not the pinned ${pin}: refusing to talk to it`,
              ),
            );
            return;
          }
        }
        const conn = new RegistryConnection(socket, onDropped);
        if (binary) socket.write(PREAMBLE);
        resolve(conn);
      });
    });
  }

  /** Whether the connection can no longer be used. */
  get closed(): boolean {
    return this.#closedError !== undefined;
  }

  /** Writes one request and resolves with the body of the next frame or message. */
  exchange(request: Uint8Array, timeoutMs: number, signal?: AbortSignal): Promise<Uint8Array> {
    if (this.#closedError) return Promise.reject(this.#closedError);
    if (this.#waiter)
      return Promise.reject(
        new RegistryClientError('PROTOCOL', 'a request is already in flight on this connection'),
      );
    return new Promise<Uint8Array>((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.#waiter = undefined;
      };
      const onAbort = (): void => {
        cleanup();
        this.destroy(
          new RegistryClientError('ABORTED', 'registry call aborted', { cause: signal?.reason }),
        );
        reject(
          new RegistryClientError('ABORTED', 'registry call aborted', { cause: signal?.reason }),
        );
      };
      const timer = setTimeout(() => {
        cleanup();
        const err = new RegistryClientError(
          'TIMEOUT',
          `registry did not answer within ${timeoutMs} ms`,
        );
        this.destroy(err);
        reject(err);
      }, timeoutMs);
      this.#waiter = {
        resolve: (body) => {
          cleanup();
          resolve(body);
        },
        reject: (err) => {
          cleanup();
          reject(err);
        },
      };
      if (signal?.aborted) {
        onAbort();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#socket.write(request);
    });
  }

  /** Closes the socket; a pending call fails with `reason`. */
  destroy(reason?: Error): void {
    this.#fail(reason ?? new RegistryClientError('CLOSED', 'registry client closed'));
    this.#socket.destroy();
  }

  #onData(chunk: Buffer): void {
    let bodies: Uint8Array[];
    try {
      bodies = this.#reader.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
    } catch (err) {
      this.destroy(err as Error);
      return;
    }
    for (const body of bodies) {
      const waiter = this.#waiter;
      if (!waiter) {
        this.destroy(new RegistryClientError('PROTOCOL', 'registry sent an unsolicited frame'));
        return;
      }
      waiter.resolve(body);
    }
  }

  /**
   * The socket failed or closed. Later calls see `err` (TRANSPORT: nothing of theirs was sent); a
   * call whose request is already written gets CONNECTION_LOST, since the registry may have
   * applied it.
   */
  #lost(err: RegistryClientError): void {
    if (this.#closedError) return;
    this.#closedError = err;
    this.#waiter?.reject(
      new RegistryClientError(
        'CONNECTION_LOST',
        `${err.message} after the request was sent; the registry may have applied it`,
        { cause: err },
      ),
    );
    this.#onDropped?.(err);
  }

  #fail(err: Error): void {
    if (!this.#closedError) this.#closedError = err;
    const waiter = this.#waiter;
    if (waiter) waiter.reject(err);
  }
}
