import type { Addr } from '@mesh/protocol';
import type { Duplex } from 'node:stream';
import type { EventBus } from '../events/event-bus.js';
import type { Logger } from '@mesh/daemonapi';

/** What a built-in service needs of a stream connection. */
export interface ServiceConnection extends Duplex {
  /** Remote node address. */
  readonly remoteAddr: Addr;
  /** Remote port. */
  readonly remotePort: number;
}

/** What a built-in service needs of a listener. */
export interface ServiceListener {
  /** Accepted connections until the listener closes. */
  [Symbol.asyncIterator](): AsyncIterator<ServiceConnection>;
  /** Stops listening. */
  close(): void;
}

/** Shared context of the built-in services. */
export interface ServiceContext {
  /** The daemon's bus. */
  readonly bus: EventBus;
  /** Logger. */
  readonly logger: Logger;
  /** State directory (data exchange saves under it). */
  readonly stateDir: string | undefined;
  /** Byte caps on `received/` and `inbox/` (absent or 0: none). */
  readonly limits?: { readonly receivedMaxBytes?: number; readonly inboxMaxBytes?: number };
}

/** A running service. */
export interface RunningService {
  /** Its port. */
  readonly port: number;
  /** Stops accepting and closes its connections. */
  stop(): void;
}

/**
 * Runs `handle` for every connection a listener accepts, tracking them so `stop` can end them.
 * @param port the port
 * @param listener the listener
 * @param handle per-connection handler
 * @returns the running service
 */
export function serve(
  port: number,
  listener: ServiceListener,
  handle: (conn: ServiceConnection) => void,
): RunningService {
  const open = new Set<ServiceConnection>();
  void (async () => {
    try {
      for await (const conn of listener) {
        open.add(conn);
        conn.once('close', () => open.delete(conn));
        conn.on('error', () => {});
        handle(conn);
      }
    } catch {
      /* the listener closed */
    }
  })();
  return {
    port,
    stop: () => {
      listener.close();
      for (const conn of open) conn.destroy();
      open.clear();
    },
  };
}
