import type { JsonObject } from './message.js';
import { parseJsonObject } from './message.js';
import { LengthPrefixSplitter, resolveMaxSize } from './splitter.js';

/** Options of {@link MessageDecoder}. */
export interface MessageDecoderOptions {
  /**
   * Largest accepted message length; lower it to bound memory per connection.
   * @default MAX_MESSAGE_SIZE
   */
  maxSize?: number;
}

/**
 * Incremental JSON-mode decoder: feed it chunks, get back the JSON objects each chunk completed.
 * A body that is not a JSON object throws BAD_JSON.
 *
 * @example
 * ```ts
 * const decoder = new MessageDecoder();
 * for (const msg of decoder.push(chunk)) console.log(msg.type);
 * ```
 */
export class MessageDecoder {
  private readonly splitter: LengthPrefixSplitter;

  /** @param options - size limit */
  constructor(options: MessageDecoderOptions = {}) {
    this.splitter = new LengthPrefixSplitter('message', resolveMaxSize(options.maxSize));
  }

  /** Bytes held back waiting for the rest of a message. */
  get buffered(): number {
    return this.splitter.buffered;
  }

  /** Feeds one chunk; returns the messages it completed, in order. */
  push(chunk: Uint8Array): JsonObject[] {
    const messages: JsonObject[] = [];
    this.splitter.push(chunk, (body) => messages.push(parseJsonObject(body)));
    return messages;
  }

  /** Call when the stream ends: throws TRUNCATED if a partial message is buffered. */
  end(): void {
    this.splitter.end();
  }
}
