// Incremental decoders for the two stream-carried service frames: feed arbitrary chunks, get
// whole frames. Lengths are checked against the limit before anything is allocated for them.
import { checkUint, fromUtf8, viewOf } from '../bytes/bytes.js';
import { ProtocolError } from '../errors/protocol-error.js';
import { ChunkQueue } from './chunk-queue.js';
import type { DataFrame } from './data-exchange.js';
import { DATA_FRAME_HEADER_SIZE, checkServiceLength } from './data-exchange.js';
import type { EventFrame } from './event-stream.js';
import { MAX_SERVICE_PAYLOAD, MAX_TOPIC_LENGTH } from './limits.js';

/** Options of the incremental decoders. */
export interface FrameDecoderOptions {
  /** Largest payload accepted, in bytes. @default 16 MiB */
  readonly maxPayload?: number;
}

/**
 * Shared machinery of {@link DataFrameDecoder} and {@link EventFrameDecoder}: buffers pushed
 * chunks and yields each frame once all of its bytes have arrived.
 */
export abstract class FrameDecoder<T> {
  protected readonly queue = new ChunkQueue();
  protected readonly maxPayload: number;
  private failure: ProtocolError | undefined;

  constructor(options: FrameDecoderOptions = {}) {
    const max = options.maxPayload ?? MAX_SERVICE_PAYLOAD;
    checkUint(max, MAX_SERVICE_PAYLOAD, 'maxPayload');
    this.maxPayload = max;
  }

  /** Bytes pushed but not yet returned as part of a frame. */
  get bufferedBytes(): number {
    return this.queue.length;
  }

  /**
   * Feeds the next chunk of the stream. The decoder keeps a reference to `chunk` until its
   * bytes are consumed, so do not overwrite it; returned payloads are fresh copies.
   * @param chunk - any number of bytes, including zero.
   * @returns every frame completed by this chunk, in order.
   * @throws ProtocolError on a malformed frame; the stream cannot be resynchronised, so every
   *   later call throws the same error.
   */
  push(chunk: Uint8Array): T[] {
    if (this.failure) throw this.failure;
    this.queue.push(chunk);
    const frames: T[] = [];
    try {
      for (;;) {
        const frame = this.next();
        if (frame === undefined) break;
        frames.push(frame);
      }
    } catch (err) {
      this.failure = err as ProtocolError;
      this.queue.clear();
      throw err;
    }
    return frames;
  }

  /**
   * Declares the end of the stream.
   * @throws ProtocolError `incomplete` when a partial frame is still buffered.
   */
  end(): void {
    if (this.failure) throw this.failure;
    if (this.queue.length > 0) {
      throw new ProtocolError(
        'incomplete',
        `stream ended inside a frame (${this.queue.length} bytes buffered)`,
      );
    }
  }

  protected abstract next(): T | undefined;
}

/**
 * Incremental decoder of data-exchange frames (`[4B type][4B length][payload]`).
 * @example
 * ```ts
 * const decoder = new DataFrameDecoder();
 * socket.on('data', (chunk) => { for (const f of decoder.push(chunk)) handle(f); });
 * socket.on('end', () => decoder.end());
 * ```
 */
export class DataFrameDecoder extends FrameDecoder<DataFrame> {
  protected next(): DataFrame | undefined {
    if (this.queue.length < DATA_FRAME_HEADER_SIZE) return undefined;
    const dv = viewOf(this.queue.peek(0, DATA_FRAME_HEADER_SIZE));
    const length = dv.getUint32(4);
    checkServiceLength(length, this.maxPayload, 'data frame payload');
    if (this.queue.length < DATA_FRAME_HEADER_SIZE + length) return undefined;
    this.queue.take(DATA_FRAME_HEADER_SIZE);
    return { type: dv.getUint32(0), payload: this.queue.take(length) };
  }
}

/**
 * Incremental decoder of event frames (`[2B topic length][topic][4B length][payload]`).
 * @example
 * ```ts
 * const decoder = new EventFrameDecoder();
 * for (const event of decoder.push(chunk)) console.log(event.topic);
 * ```
 */
export class EventFrameDecoder extends FrameDecoder<EventFrame> {
  protected next(): EventFrame | undefined {
    if (this.queue.length < 2) return undefined;
    const topicLength = viewOf(this.queue.peek(0, 2)).getUint16(0);
    checkServiceLength(topicLength, MAX_TOPIC_LENGTH, 'event topic');
    const headerSize = 6 + topicLength;
    if (this.queue.length < headerSize) return undefined;
    const payloadLength = viewOf(this.queue.peek(2 + topicLength, 4)).getUint32(0);
    checkServiceLength(payloadLength, this.maxPayload, 'event payload');
    if (this.queue.length < headerSize + payloadLength) return undefined;
    const header = this.queue.take(headerSize);
    return {
      topic: fromUtf8(header.subarray(2, 2 + topicLength), 'event topic'),
      payload: this.queue.take(payloadLength),
    };
  }
}
