import { DuplicatePluginError, InvalidPluginError } from './errors.js';
import { globalRegistry } from './global.js';
import type { Factory } from '../contract/plugin.js';

/**
 * Records `factory` under `name` in the process-wide registry, usually from the top level of
 * the plugin's module, so importing the module (statically or with `import()`) registers it:
 *
 * ```ts
 * registerPlugin('echo', () => new EchoPlugin());
 * ```
 *
 * @throws DuplicatePluginError when `name` is taken (at import time, so the conflict is obvious).
 * @throws IncompatibleContractError when another copy of `@mesh/daemonapi` with an
 *   incompatible contract version owns the registry.
 */
export function registerPlugin(name: string, factory: Factory): void {
  if (typeof name !== 'string' || name.length === 0) {
    throw new InvalidPluginError('registerPlugin needs a non-empty plugin name');
  }
  if (typeof factory !== 'function') {
    throw new InvalidPluginError(`registerPlugin("${name}") needs a factory function`);
  }
  const { factories } = globalRegistry();
  if (factories.has(name)) throw new DuplicatePluginError(name);
  factories.set(name, factory);
}

/** Names of every registered plugin, sorted; `loadAll` initialises them in this order. */
export function registered(): string[] {
  return [...globalRegistry().factories.keys()].sort();
}
