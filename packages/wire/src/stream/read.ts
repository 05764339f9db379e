import { MAGIC, VERSION } from '../constants.js';
import { WireError } from '../errors/wire-error.js';
import type { Frame, WireProtocol } from '../frame/frame.js';
import { checkLength } from '../frame/frame.js';
import type { JsonObject } from '../frame/message.js';
import { parseJsonObject } from '../frame/message.js';
import { resolveMaxSize } from '../frame/splitter.js';
import type { SourceReader } from './source-reader.js';
import { readerFor } from './source-reader.js';

/** Options of {@link readFrame} and {@link readMessage}. */
export interface ReadOptions {
  /**
   * Largest accepted length prefix.
   * @default MAX_MESSAGE_SIZE
   */
  maxSize?: number;
}

/**
 *
 */
async function readRecord(
  reader: SourceReader,
  what: string,
  maxSize: number,
): Promise<Uint8Array | undefined> {
  if (!(await reader.fill(4))) {
    if (reader.queue.length === 0) return undefined;
    throw new WireError('TRUNCATED', `stream ended inside a ${what} header`);
  }
  const length = reader.queue.uint32At(0);
  checkLength(length, what, maxSize); // before buffering a single body byte
  if (!(await reader.fill(4 + length))) {
    throw new WireError('TRUNCATED', `stream ended inside a ${what}: header says ${length} bytes`);
  }
  reader.queue.skip(4);
  return reader.queue.take(length);
}

/**
 * Reads the next binary frame from an async iterable of chunks (a Node socket, a web stream, a generator).
 * Resolves `undefined` when the source ends cleanly between frames; throws TRUNCATED when it ends inside
 * one. Successive calls on the same source continue where the previous one stopped.
 *
 * @example
 * ```ts
 * for (let f = await readFrame(socket); f; f = await readFrame(socket)) handle(f.type, f.payload);
 * ```
 */
export function readFrame(
  source: AsyncIterable<Uint8Array>,
  options: ReadOptions = {},
): Promise<Frame | undefined> {
  const maxSize = resolveMaxSize(options.maxSize);
  const reader = readerFor(source);
  return reader.serial(async () => {
    const body = await readRecord(reader, 'binary frame', maxSize);
    return body === undefined ? undefined : { type: body[0], payload: body.subarray(1) };
  });
}

/**
 * Reads the next JSON-mode message from an async iterable of chunks. Resolves `undefined` on a clean end;
 * throws TRUNCATED inside a message and BAD_JSON when the body is not a JSON object.
 *
 * @example
 * ```ts
 * const msg = await readMessage(socket); // { type: 'lookup_ok', ... }
 * ```
 */
export function readMessage(
  source: AsyncIterable<Uint8Array>,
  options: ReadOptions = {},
): Promise<JsonObject | undefined> {
  const maxSize = resolveMaxSize(options.maxSize);
  const reader = readerFor(source);
  return reader.serial(async () => {
    const body = await readRecord(reader, 'message', maxSize);
    return body === undefined ? undefined : parseJsonObject(body);
  });
}

/**
 * Server side of negotiation: looks at the first 4 bytes of a connection. For `'binary'` it consumes
 * and checks the whole preamble (BAD_VERSION on a version other than `VERSION`); for `'json'` it consumes
 * nothing, so the next `readMessage` sees the first message. Resolves `undefined` if the source is empty.
 *
 * @example
 * ```ts
 * const mode = await readProtocol(socket);
 * const first = mode === 'binary' ? await readFrame(socket) : await readMessage(socket);
 * ```
 */
export function readProtocol(source: AsyncIterable<Uint8Array>): Promise<WireProtocol | undefined> {
  const reader = readerFor(source);
  return reader.serial(async () => {
    if (!(await reader.fill(4))) {
      if (reader.queue.length === 0) return undefined;
      throw new WireError('TRUNCATED', 'stream ended before 4 bytes arrived');
    }
    for (let i = 0; i < 4; i++) if (reader.queue.byteAt(i) !== MAGIC[i]) return 'json';
    if (!(await reader.fill(5)))
      throw new WireError('TRUNCATED', 'stream ended inside the binary preamble');
    const version = reader.queue.byteAt(4);
    if (version !== VERSION) {
      throw new WireError(
        'BAD_VERSION',
        `unsupported binary protocol version ${version} (this codec speaks ${VERSION})`,
      );
    }
    reader.queue.skip(5);
    return 'binary';
  });
}
