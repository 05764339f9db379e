/**
 * Example plugin: binds a port and echoes every byte back, like the built-in echo service.
 * Shows the shape a well-behaved plugin has: everything opened in `init` is tracked and
 * released in `shutdown`, which stops waiting once its signal is aborted.
 */
import { registerPlugin } from '@mesh/daemonapi';
import type { Connection, Daemon, Listener, Plugin, PluginContext } from '@mesh/daemonapi';

/** Default echo port. */
export const ECHO_PORT = 7;

/** Options of {@link createEchoPlugin}. */
export interface EchoOptions {
  /** Port to bind; 0 for an ephemeral one. */
  readonly port?: number;
}

/** The echo plugin. */
export class EchoPlugin implements Plugin {
  readonly name = 'echo';
  readonly #port: number;
  #running:
    { daemon: Daemon; listener: Listener; unregister: () => void; loop: Promise<void> } | undefined;
  readonly #conns = new Set<Connection>();
  #served = 0;

  constructor(options: EchoOptions = {}) {
    this.#port = options.port ?? ECHO_PORT;
  }

  /** The bound port while running. */
  get port(): number | undefined {
    return this.#running?.listener.port;
  }

  init(daemon: Daemon, context: PluginContext): void {
    const listener = daemon.ports().bind(this.#port);
    const unregister = daemon.registerMethod('echo.stats', () => ({
      port: listener.port,
      served: this.#served,
    }));
    this.#running = { daemon, listener, unregister, loop: this.#accept(daemon, listener) };
    context.logger.info('echo listening', { port: listener.port });
  }

  async shutdown(signal: AbortSignal): Promise<void> {
    const running = this.#running;
    if (running === undefined) return; // never started, or already stopped
    this.#running = undefined;
    running.unregister();
    await running.listener.close();
    for (const conn of this.#conns) running.daemon.closeConnection(conn);
    await untilAborted(running.loop, signal);
  }

  async #accept(daemon: Daemon, listener: Listener): Promise<void> {
    const sessions: Promise<void>[] = [];
    for await (const conn of listener) {
      this.#conns.add(conn);
      sessions.push(this.#serve(daemon, conn).finally(() => this.#conns.delete(conn)));
    }
    await Promise.allSettled(sessions);
  }

  async #serve(daemon: Daemon, conn: Connection): Promise<void> {
    this.#served++;
    const rw = daemon.newConnReadWriter(conn);
    try {
      for await (const chunk of rw) await rw.write(chunk);
    } catch {
      // The peer reset or we are shutting down; nothing to report.
    } finally {
      await rw.close();
    }
  }
}

/** Builds an echo plugin. */
export function createEchoPlugin(options?: EchoOptions): EchoPlugin {
  return new EchoPlugin(options);
}

// Importing the module registers the plugin, as a plugin package's entry point does.
registerPlugin('echo', () => createEchoPlugin());

/** Waits for `work`, but no longer than until `signal` aborts. */
export async function untilAborted(work: Promise<unknown>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<void>((resolve) => {
    onAbort = resolve;
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([work, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort as () => void);
  }
}
