import { checkBytes } from '../bytes/check.js';
import { MAGIC, VERSION } from '../constants.js';
import { WireError } from '../errors/wire-error.js';
import type { Frame } from './frame.js';
import { LengthPrefixSplitter, resolveMaxSize } from './splitter.js';

/** Options of {@link FrameDecoder}. */
export interface FrameDecoderOptions {
  /**
   * Largest accepted frame length; lower it to bound memory per connection.
   * @default MAX_MESSAGE_SIZE
   */
  maxSize?: number;
  /**
   * Expect and check the 5-byte preamble (`MAGIC` + `VERSION`) before the first frame, as a server does
   * on a connection that `detectProtocol` called binary.
   * @default false
   */
  expectPreamble?: boolean;
}

/**
 * Incremental binary-frame decoder: feed it chunks as they arrive (a frame may span many chunks, a chunk
 * may hold many frames) and get back the frames each chunk completed.
 *
 * @example
 * ```ts
 * const decoder = new FrameDecoder();
 * socket.on('data', (chunk) => { for (const frame of decoder.push(chunk)) handle(frame); });
 * socket.on('end', () => decoder.end());
 * ```
 */
export class FrameDecoder {
  private readonly splitter: LengthPrefixSplitter;
  private preambleLeft: number;

  /** @param options - size limit and preamble handling */
  constructor(options: FrameDecoderOptions = {}) {
    this.splitter = new LengthPrefixSplitter('binary frame', resolveMaxSize(options.maxSize));
    this.preambleLeft = options.expectPreamble === true ? 5 : 0;
  }

  /** Bytes held back waiting for the rest of a frame. */
  get buffered(): number {
    return this.splitter.buffered;
  }

  /** Feeds one chunk; returns the frames it completed, in order (payloads are fresh copies). */
  push(chunk: Uint8Array): Frame[] {
    checkBytes(chunk, 'chunk');
    const frames: Frame[] = [];
    let data = chunk;
    if (this.preambleLeft > 0) {
      const take = Math.min(this.preambleLeft, data.length);
      for (let i = 0; i < take; i++) {
        const pos = 5 - this.preambleLeft + i;
        const b = data[i];
        if (pos < 4 && b !== MAGIC[pos]) {
          throw new WireError(
            'BAD_MAGIC',
            `binary preamble must start with PILT (50 49 4c 54); byte ${pos} is ${b}`,
          );
        }
        if (pos === 4 && b !== VERSION) {
          throw new WireError(
            'BAD_VERSION',
            `unsupported binary protocol version ${b} (this codec speaks ${VERSION})`,
          );
        }
      }
      this.preambleLeft -= take;
      data = data.subarray(take);
    }
    this.splitter.push(data, (body) => frames.push({ type: body[0], payload: body.subarray(1) }));
    return frames;
  }

  /** Call when the stream ends: throws TRUNCATED if a partial frame (or preamble) is buffered. */
  end(): void {
    if (this.preambleLeft > 0 && this.preambleLeft < 5) {
      throw new WireError('TRUNCATED', 'stream ended inside the binary preamble');
    }
    this.splitter.end();
  }
}
