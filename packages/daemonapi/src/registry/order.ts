import { PluginDependencyCycleError, UnmetServiceNeedError } from './errors.js';
import type { Plugin } from '../contract/plugin.js';

/**
 * Orders plugins so that every plugin starts after the plugins that provide what it `needs`;
 * among plugins free to start, name order decides, so the order is stable and predictable.
 * Services in `available` (installed by the engine before plugins load) count as met.
 * @throws UnmetServiceNeedError when a need is met by neither a plugin nor the engine.
 * @throws PluginDependencyCycleError when the declarations form a cycle.
 */
export function orderPlugins(
  plugins: readonly Plugin[],
  available: (id: symbol) => boolean = () => false,
): Plugin[] {
  const byName = [...plugins].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const providers = new Map<symbol, Plugin>();
  for (const plugin of byName) {
    for (const key of plugin.provides ?? [])
      if (!providers.has(key.id)) providers.set(key.id, plugin);
  }
  // Edges: provider -> dependant. A need the engine already meets adds no edge.
  const dependsOn = new Map<Plugin, Set<Plugin>>();
  for (const plugin of byName) {
    const deps = new Set<Plugin>();
    for (const key of plugin.needs ?? []) {
      const provider = providers.get(key.id);
      if (provider === undefined) {
        if (available(key.id)) continue;
        throw new UnmetServiceNeedError(plugin.name, key.name);
      }
      if (provider !== plugin) deps.add(provider);
    }
    dependsOn.set(plugin, deps);
  }

  const ordered: Plugin[] = [];
  const done = new Set<Plugin>();
  while (ordered.length < byName.length) {
    const next = byName.find(
      (p) => !done.has(p) && [...(dependsOn.get(p) ?? [])].every((d) => done.has(d)),
    );
    if (next === undefined)
      throw new PluginDependencyCycleError(findCycle(byName, dependsOn, done));
    ordered.push(next);
    done.add(next);
  }
  return ordered;
}

/** One cycle among the plugins not yet ordered, as names, the first repeated at the end. */
function findCycle(
  plugins: readonly Plugin[],
  dependsOn: ReadonlyMap<Plugin, ReadonlySet<Plugin>>,
  done: ReadonlySet<Plugin>,
): string[] {
  const start = plugins.find((p) => !done.has(p)) as Plugin;
  const path: Plugin[] = [];
  let current: Plugin | undefined = start;
  while (current !== undefined && !path.includes(current)) {
    path.push(current);
    current = [...(dependsOn.get(current) ?? [])].find((d) => !done.has(d));
  }
  const from = current === undefined ? 0 : path.indexOf(current);
  const cycle = path.slice(from).reverse();
  return [...cycle, cycle[0]].map((p) => p.name);
}
