import type { WireSink } from '../stream/write.js';

/** The part of a Node `stream.Writable` / `net.Socket` that {@link socketSink} needs. */
export interface NodeWritableLike {
  /** Node's `write(chunk, callback)`; the callback fires once the chunk is flushed or failed. */
  write(chunk: Uint8Array, callback: (error?: Error | null) => void): boolean;
}

/**
 * Adapts a Node writable (a `net.Socket`, a `tls.TLSSocket`, any `stream.Writable`) to a `WireSink` whose
 * write resolves when Node reports the chunk flushed, so `writeFrame`/`writeMessage` deadlines measure a
 * peer that stops reading.
 *
 * @example
 * ```ts
 * import { writeMessage } from '@mesh/wire';
 * import { socketSink } from '@mesh/wire/node';
 * await writeMessage(socketSink(socket), { type: 'heartbeat_ok', time: 1700000000 });
 * ```
 */
export function socketSink(writable: NodeWritableLike): WireSink {
  return {
    write: (chunk) =>
      new Promise<void>((resolve, reject) => {
        writable.write(chunk, (error) => (error ? reject(error) : resolve()));
      }),
  };
}
