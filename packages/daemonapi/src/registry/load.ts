import { noopLogger } from '../contract/logger.js';
import {
  PayloadKindConflictError,
  PluginInitError,
  PluginNameMismatchError,
  PluginShutdownError,
  ServiceNotProvidedError,
} from './errors.js';
import { orderPlugins } from './order.js';
import { globalRegistry } from './global.js';
import { shutdownAll } from './shutdown.js';
import { awaitPluginInit } from './init-deadline.js';
import type { Daemon } from '../contract/daemon.js';
import type { IdentitySecrets } from '../contract/identity.js';
import type { Logger } from '../contract/logger.js';
import type { ControlSender, PeerDirectory } from '../contract/peers.js';
import type { Plugin, PluginContext } from '../contract/plugin.js';

/** Optional engine services handed to every plugin through its {@link PluginContext}. */
export interface PluginServices {
  /** Peer keystore access. */
  readonly peers?: PeerDirectory;
  /** Plugin payload sender. */
  readonly control?: ControlSender;
  /** Local secret key material. */
  readonly secrets?: IdentitySecrets;
}

/** Options of {@link loadAll}. */
export interface LoadAllOptions {
  /**
   * Daemon-wide cancellation, handed to plugins as `context.signal`. Aborting it while plugins
   * load stops loading at once, even during an `init` that has not settled (that plugin and the
   * ones initialised before it are shut down again, and `loadAll` rejects with the abort reason
   * as `cause`).
   */
  readonly signal?: AbortSignal;
  /**
   * Deadline for each plugin's `init`, in milliseconds. A plugin whose `init` has not settled by
   * then is abandoned and shut down with the others, and `loadAll` rejects with a
   * {@link PluginInitError} whose `cause` is a `PluginInitTimeoutError`.
   * @defaultValue no deadline (only `signal` interrupts a slow `init`)
   */
  readonly initTimeoutMs?: number;
  /**
   * The engine's logger; each plugin gets `logger.child(name)`.
   * @defaultValue {@link noopLogger}
   */
  readonly logger?: Logger;
  /** Optional services every plugin context carries. */
  readonly services?: PluginServices;
  /** The per-plugin data directory, when the engine keeps state on disk. */
  readonly dataDir?: (plugin: string) => string | undefined;
  /**
   * Deadline for shutting plugins down again after a failed `init`.
   * @defaultValue {@link DEFAULT_SHUTDOWN_TIMEOUT_MS}
   */
  readonly shutdownTimeoutMs?: number;
}

/**
 * Builds a fresh instance from every registered factory and calls `init` in dependency order:
 * a plugin starts after the providers of the services it `needs`, and name order decides among
 * the rest. Payload-kind claims and service needs are checked before any `init` runs, and each
 * plugin must have installed the services it `provides` when its `init` finishes. When a factory or an `init` fails,
 * the failing plugin and every plugin initialised before it are shut down (in reverse order)
 * and the promise rejects, so nothing is left running.
 * @returns the initialised plugins in start order, ready for {@link shutdownAll} (which stops
 *   them in reverse).
 * @throws PluginInitError naming the failing plugin, with its failure as `cause` (the abort
 *   reason when `signal` aborted, a `PluginInitTimeoutError` when `initTimeoutMs` passed).
 * @throws PayloadKindConflictError when two plugins claim one payload kind.
 * @throws UnmetServiceNeedError when a plugin needs a service nobody provides.
 * @throws PluginDependencyCycleError when `provides` / `needs` form a cycle.
 * @throws IncompatibleContractError when the registry belongs to an incompatible copy.
 */
export async function loadAll(daemon: Daemon, options: LoadAllOptions = {}): Promise<Plugin[]> {
  const { factories } = globalRegistry();
  const names = [...factories.keys()].sort();
  const built: Plugin[] = [];
  for (const name of names) {
    try {
      const plugin = (factories.get(name) as () => Plugin)();
      if (plugin.name !== name) throw new PluginNameMismatchError(name, plugin.name);
      built.push(plugin);
    } catch (error) {
      throw new PluginInitError(name, error);
    }
  }
  assertDistinctPayloadKinds(built);
  const services = daemon.services();
  const plugins = orderPlugins(built, (id) => services.has({ id, name: '' }));

  const signal = options.signal ?? new AbortController().signal;
  const logger = options.logger ?? noopLogger;
  const started: Plugin[] = [];
  for (const plugin of plugins) {
    try {
      signal.throwIfAborted();
      started.push(plugin);
      await awaitPluginInit(
        plugin.name,
        plugin.init(daemon, pluginContext(plugin.name, signal, logger, options)),
        { signal, timeoutMs: options.initTimeoutMs },
      );
      for (const key of plugin.provides ?? []) {
        if (!services.has(key)) throw new ServiceNotProvidedError(plugin.name, key.name);
      }
    } catch (error) {
      let rollbackError: PluginShutdownError | undefined;
      try {
        await shutdownAll(
          started,
          options.shutdownTimeoutMs === undefined ? {} : { timeoutMs: options.shutdownTimeoutMs },
        );
      } catch (failure) {
        if (failure instanceof PluginShutdownError) rollbackError = failure;
        else throw failure;
      }
      throw new PluginInitError(plugin.name, error, rollbackError);
    }
  }
  return plugins;
}

/**
 * Refuses overlapping payload-kind claims. Dispatch gives a kind to the first claimant, so
 * a second claimant would never see its payloads; failing at load time makes that visible.
 * @throws PayloadKindConflictError naming the kind and both plugins.
 */
export function assertDistinctPayloadKinds(plugins: readonly Plugin[]): void {
  const owners = new Map<string, string>();
  for (const plugin of plugins) {
    for (const kind of new Set(plugin.payloadKinds ?? [])) {
      const owner = owners.get(kind);
      if (owner !== undefined) throw new PayloadKindConflictError(kind, owner, plugin.name);
      owners.set(kind, plugin.name);
    }
  }
}

/** The context of one plugin; optional members are left out rather than set to `undefined`. */
function pluginContext(
  name: string,
  signal: AbortSignal,
  logger: Logger,
  options: LoadAllOptions,
): PluginContext {
  const dataDir = options.dataDir?.(name);
  const { peers, control, secrets } = options.services ?? {};
  return {
    logger: logger.child(name),
    signal,
    ...(dataDir === undefined ? {} : { dataDir }),
    ...(peers === undefined ? {} : { peers }),
    ...(control === undefined ? {} : { control }),
    ...(secrets === undefined ? {} : { secrets }),
  };
}
