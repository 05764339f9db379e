// Reading helpers for mesh streams with deadlines.
import type { MeshClient, MeshStream } from '@mesh/client';
import type { Duplex } from 'node:stream';
import { CliError } from '../cli/errors.js';

/**
 * Reads until the peer's FIN, or until `timeoutMs` passes.
 * @param stream - the stream.
 * @param timeoutMs - deadline; 0 waits forever.
 * @returns the bytes and whether the deadline cut it short.
 */
export function readUntilEnd(
  stream: Duplex,
  timeoutMs: number,
): Promise<{ data: Buffer; timedOut: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    const finish = (timedOut: boolean): void => {
      if (timer) clearTimeout(timer);
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.pause(); // keep later bytes buffered for the next reader
      resolve({ data: Buffer.concat(chunks), timedOut });
    };
    const onData = (c: Buffer): void => void chunks.push(c);
    const onEnd = (): void => finish(false);
    const onError = (err: Error): void => {
      if (timer) clearTimeout(timer);
      reject(new CliError('connection_failed', err.message));
    };
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', onError);
    stream.resume();
    if (timeoutMs > 0) timer = setTimeout(() => finish(true), timeoutMs);
  });
}

/**
 * Reads exactly `n` bytes (or fails at the deadline / FIN).
 * @param stream - the stream.
 * @param n - bytes wanted.
 * @param timeoutMs - deadline.
 * @param onProgress - called with bytes so far.
 * @returns the bytes.
 */
export function readExactly(
  stream: Duplex,
  n: number,
  timeoutMs: number,
  onProgress?: (got: number) => void,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const timer = setTimeout(
      () => done(new CliError('timeout', `got ${got} of ${n} bytes before the deadline`)),
      timeoutMs,
    );
    const done = (err?: Error): void => {
      clearTimeout(timer);
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.pause(); // keep later bytes buffered for the next reader
      if (err) reject(err);
      else resolve(Buffer.concat(chunks));
    };
    const onData = (c: Buffer): void => {
      chunks.push(c);
      got += c.length;
      onProgress?.(got);
      if (got >= n) done();
    };
    const onEnd = (): void =>
      done(new CliError('connection_failed', `peer closed after ${got} of ${n} bytes`));
    const onError = (err: Error): void => done(new CliError('connection_failed', err.message));
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', onError);
    stream.resume();
  });
}

/**
 * Writes and waits for the write callback.
 * @param stream - the stream.
 * @param data - bytes.
 */
export function writeAsync(stream: Duplex, data: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) =>
    stream.write(data, (err) => (err ? reject(err) : resolve())),
  );
}

/**
 * Dials through the daemon and keeps stream errors from crashing the process: commands see
 * them through the read helpers and write callbacks instead.
 * @param client - a connected client.
 * @param target - address, node id or hostname.
 * @param port - the peer's port.
 * @param timeoutMs - dial deadline (the command's --timeout); undefined leaves it to the daemon.
 * @returns the stream.
 */
export async function dialQuiet(
  client: MeshClient,
  target: string,
  port: number,
  timeoutMs?: number,
): Promise<MeshStream> {
  const stream = await client.dial(target, port, timeoutMs === undefined ? {} : { timeoutMs });
  stream.on('error', () => {});
  return stream;
}
