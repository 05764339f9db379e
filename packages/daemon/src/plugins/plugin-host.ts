import {
  PluginShutdownError,
  dispatchPayload,
  loadAll,
  notifyPeerForgotten,
  shutdownAll,
  type Daemon,
  type Plugin,
  type PluginServices,
} from '@mesh/daemonapi';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PluginLoadError } from '../errors/errors.js';
import type { EventBus } from '../events/event-bus.js';
import type { Logger } from '@mesh/daemonapi';

/** Options of {@link PluginHost}. */
export interface PluginHostOptions {
  /** Module specifiers (package names or file paths) to `import()` before loading. */
  readonly modules?: readonly string[];
  /** Directory relative module paths are resolved against. @default process.cwd() */
  readonly baseDir?: string;
  /** Logger; each plugin gets a child. */
  readonly logger: Logger;
  /** Per-plugin data directory root. */
  readonly dataRoot?: string;
  /** Shutdown deadline, ms. */
  readonly shutdownTimeoutMs: number;
  /** Deadline for each plugin's `init`, ms (none when unset). */
  readonly initTimeoutMs?: number;
  /** Deadline for one payload dispatch or forgotten-peer notification, ms. @default 5000 */
  readonly hookTimeoutMs?: number;
  /** Optional services in every plugin context. */
  readonly services?: PluginServices;
  /** Event bus for `plugin.*` events. */
  readonly bus: EventBus;
}

/**
 * Loads plugins through the daemonapi registry: config-named modules are imported first (their
 * top-level `registerPlugin` call is the same path a static import takes), then `loadAll`
 * initialises every registered factory in sorted order. `stop` runs `shutdownAll` with a deadline.
 */
export class PluginHost {
  readonly #opts: PluginHostOptions;
  readonly #abort = new AbortController();
  #plugins: Plugin[] = [];

  /**
   * @param options modules, logger, deadline
   */
  constructor(options: PluginHostOptions) {
    this.#opts = options;
  }

  /** Initialised plugins, in load order. */
  get plugins(): readonly Plugin[] {
    return this.#plugins;
  }

  /** Aborted when the daemon starts stopping (the plugins' `context.signal`). */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** Imports the config-named plugin modules (registration happens at their top level). */
  async importModules(): Promise<void> {
    for (const spec of this.#opts.modules ?? []) {
      const target = isPathLike(spec)
        ? pathToFileURL(path.resolve(this.#opts.baseDir ?? process.cwd(), spec)).href
        : spec;
      try {
        await import(target);
      } catch (error) {
        throw new PluginLoadError(`cannot import plugin module "${spec}": ${String(error)}`, {
          cause: error,
        });
      }
    }
  }

  /**
   * Initialises every registered plugin against the running daemon.
   * @param daemon the engine
   */
  async load(daemon: Daemon): Promise<void> {
    try {
      this.#plugins = await loadAll(daemon, {
        signal: this.#abort.signal,
        logger: this.#opts.logger,
        shutdownTimeoutMs: this.#opts.shutdownTimeoutMs,
        ...(this.#opts.initTimeoutMs === undefined
          ? {}
          : { initTimeoutMs: this.#opts.initTimeoutMs }),
        ...(this.#opts.services === undefined ? {} : { services: this.#opts.services }),
        ...(this.#opts.dataRoot === undefined
          ? {}
          : { dataDir: (name: string) => path.join(this.#opts.dataRoot!, 'plugins', name) }),
      });
    } catch (error) {
      throw new PluginLoadError(
        `plugin loading failed: ${error instanceof Error ? error.message : String(error)}`,
        {
          cause: error,
        },
      );
    }
    for (const plugin of this.#plugins)
      this.#opts.bus.publish('plugin.loaded', {
        name: plugin.name,
        ...(plugin.version === undefined ? {} : { version: plugin.version }),
      });
  }

  /**
   * Shuts every plugin down (reverse order) within the deadline; failures are logged, not thrown.
   * @returns names of plugins that failed or timed out
   */
  async stop(): Promise<string[]> {
    this.#abort.abort(new Error('daemon stopping'));
    const plugins = this.#plugins;
    this.#plugins = [];
    try {
      await shutdownAll(plugins, { timeoutMs: this.#opts.shutdownTimeoutMs });
      return [];
    } catch (error) {
      const names = error instanceof PluginShutdownError ? error.plugins : ['unknown'];
      this.#opts.logger.warn('plugin shutdown incomplete', { error: String(error) });
      this.#opts.bus.publish('plugin.shutdown_failed', { plugins: names, error: String(error) });
      return names;
    }
  }

  /**
   * Hands an inbound plugin payload to the plugin claiming its kind.
   * @param source sending node
   * @param kind payload kind
   * @param body payload bytes
   * @returns whether a plugin handled it
   */
  async dispatch(source: number, kind: string, body: Uint8Array): Promise<boolean> {
    const result = await this.#deadline(
      dispatchPayload(this.#plugins, source, { kind, body }),
      'handlePayload',
      { kind, src_node_id: source },
    );
    if (result === undefined) return false;
    if (result.status === 'failed') {
      this.#opts.logger.warn('plugin payload handler failed', {
        plugin: result.plugin,
        error: String(result.error),
      });
    }
    return result.status === 'handled';
  }

  /**
   * Tells every plugin that a peer was forgotten.
   * @param nodeId the peer
   */
  async peerForgotten(nodeId: number): Promise<void> {
    const failures = await this.#deadline(
      notifyPeerForgotten(this.#plugins, nodeId),
      'onPeerForgotten',
      { node_id: nodeId },
    );
    for (const f of failures ?? [])
      this.#opts.logger.warn('onPeerForgotten failed', {
        plugin: f.plugin,
        error: String(f.error),
      });
  }

  // A hung plugin hook must not hang the engine: give up on it after the deadline (the hook
  // keeps running; its late result is ignored).
  async #deadline<T>(
    work: Promise<T>,
    hook: string,
    fields: Readonly<Record<string, unknown>>,
  ): Promise<T | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeoutMs = this.#opts.hookTimeoutMs ?? 5000;
    const expired = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => {
        this.#opts.logger.warn('plugin hook timed out', { hook, timeoutMs, ...fields });
        this.#opts.bus.publish('plugin.hook_timeout', { hook, timeout_ms: timeoutMs, ...fields });
        resolve(undefined);
      }, timeoutMs);
      timer.unref();
    });
    try {
      return await Promise.race([work, expired]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Whether a module specifier is a file path rather than a package name. */
function isPathLike(spec: string): boolean {
  return spec.startsWith('.') || spec.startsWith('/') || /^[A-Za-z]:[\\/]/.test(spec);
}
