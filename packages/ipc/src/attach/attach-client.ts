// The client side of a raw attach: connect, send the preamble, read the one-byte answer.
import { createConnection } from 'node:net';
import type { Socket } from 'node:net';
import { ErrorCode } from '../errors/codes.js';
import { IpcError } from '../errors/ipc-error.js';
import { ATTACH_OK, ATTACH_TOKEN_BYTES, encodeAttachPreamble } from './preamble.js';

/** Options of {@link attachRaw}. */
export interface AttachOptions {
  /** Gives up after this many ms. @defaultValue 10 000 */
  readonly timeoutMs?: number;
}

/**
 * Opens a raw stream connection to the daemon: a new connection to its IPC socket that claims
 * the stream an attach token stands for. From then on the socket carries the stream's bytes
 * both ways; `end()` sends FIN, the daemon's end is the peer's FIN. The socket is half-open
 * capable and paused; bytes the daemon sent right after its answer are kept for the first read.
 * @param socketPath - the daemon's IPC socket.
 * @param token - the `attach_token` of a `conn.dial` reply or a `conn.accepted` notification (base64).
 * @param options - deadline.
 * @returns the attached socket.
 * @throws IpcError `attach_refused` for an unknown, used or expired token; `not_running`, `timeout`.
 */
export function attachRaw(
  socketPath: string,
  token: string,
  options: AttachOptions = {},
): Promise<Socket> {
  const bytes = Buffer.from(token, 'base64');
  if (bytes.length !== ATTACH_TOKEN_BYTES)
    return Promise.reject(
      new IpcError(ErrorCode.invalidArgument, 'an attach token is 32 bytes in base64'),
    );
  return new Promise((resolve, reject) => {
    const socket = createConnection({ path: socketPath, allowHalfOpen: true });
    const timer = setTimeout(
      () => fail(new IpcError(ErrorCode.timeout, 'the daemon did not answer the attach')),
      options.timeoutMs ?? 10_000,
    );
    const cleanup = (): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
    };
    const fail = (err: IpcError): void => {
      cleanup();
      socket.destroy();
      reject(err);
    };
    const onData = (chunk: Buffer): void => {
      socket.pause();
      cleanup();
      if (chunk[0] !== ATTACH_OK) {
        socket.destroy();
        reject(
          new IpcError(ErrorCode.attachRefused, 'the daemon refused the stream attach', {
            hint: 'attach tokens are single use and expire 5 s after the dial or accept',
          }),
        );
        return;
      }
      if (chunk.length > 1) socket.unshift(chunk.subarray(1));
      resolve(socket);
    };
    const onError = (err: Error): void =>
      fail(
        new IpcError(ErrorCode.notRunning, `no daemon is running on ${socketPath}`, {
          cause: err,
        }),
      );
    const onClose = (): void =>
      fail(new IpcError(ErrorCode.attachRefused, 'the daemon closed the attach connection'));
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
    socket.write(encodeAttachPreamble(bytes));
  });
}
