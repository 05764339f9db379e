import { WRITE_MESSAGE_DEADLINE_MS } from '../constants.js';
import { WireError, isWireError } from '../errors/wire-error.js';
import { encodeFrame } from '../frame/frame.js';
import type { JsonObject } from '../frame/message.js';
import { encodeMessage } from '../frame/message.js';

/**
 * The least a byte sink must offer: `write` takes one chunk and returns (or resolves) once the chunk is
 * handed off. A rejected promise or a throw is reported as WRITE_FAILED. `@mesh/wire/node` adapts sockets.
 */
export interface WireSink {
  /** Writes one chunk; resolve when it is flushed (that is what the deadline measures). */
  write(chunk: Uint8Array): void | PromiseLike<void>;
}

/** Options of {@link writeFrame} and {@link writeMessage}. */
export interface WriteOptions {
  /**
   * How long one write may take before it fails with TIMEOUT; `Infinity` disables the deadline.
   * @default WRITE_MESSAGE_DEADLINE_MS
   */
  deadlineMs?: number;
}

/**
 *
 */
async function writeWithDeadline(
  sink: WireSink,
  bytes: Uint8Array,
  options: WriteOptions,
): Promise<void> {
  const deadlineMs = options.deadlineMs ?? WRITE_MESSAGE_DEADLINE_MS;
  if (!(deadlineMs > 0))
    throw new WireError('OUT_OF_RANGE', `deadlineMs must be > 0, got ${String(deadlineMs)}`);
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const pending = sink.write(bytes);
    if (pending === undefined || typeof pending.then !== 'function') return;
    if (deadlineMs === Infinity) {
      await pending;
      return;
    }
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(
          new WireError(
            'TIMEOUT',
            `write did not complete within ${deadlineMs} ms; the peer is not reading, drop the connection`,
          ),
        );
      }, deadlineMs);
    });
    await Promise.race([pending, expired]);
  } catch (cause) {
    if (isWireError(cause)) throw cause;
    throw new WireError('WRITE_FAILED', `writing to the sink failed: ${String(cause)}`, { cause });
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/**
 * Encodes and writes one binary frame as a single chunk, failing with TIMEOUT after the deadline.
 *
 * @example
 * ```ts
 * await writeFrame(sink, MsgType.HEARTBEAT_OK, encodeHeartbeatResp(now, false));
 * ```
 */
export async function writeFrame(
  sink: WireSink,
  type: number,
  payload: Uint8Array,
  options: WriteOptions = {},
): Promise<void> {
  // async: an encoding error becomes a rejection, like every other failure
  return writeWithDeadline(sink, encodeFrame(type, payload), options);
}

/**
 * Encodes and writes one JSON-mode message as a single chunk, failing with TIMEOUT after the deadline
 * (5 s by default, like the reference server's per-response write deadline).
 *
 * @example
 * ```ts
 * await writeMessage(sink, { type: 'heartbeat_ok', time: 1700000000 });
 * ```
 */
export async function writeMessage(
  sink: WireSink,
  object: JsonObject,
  options: WriteOptions = {},
): Promise<void> {
  // async: an encoding error becomes a rejection, like every other failure
  return writeWithDeadline(sink, encodeMessage(object), options);
}
