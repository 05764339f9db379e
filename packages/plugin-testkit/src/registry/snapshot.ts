import { REGISTRY_KEY, registered } from '@mesh/daemonapi';
import type { Factory, GlobalPluginRegistry } from '@mesh/daemonapi';

/** The process-wide registry every copy of `@mesh/daemonapi` shares, if one was created. */
function globalRegistry(): GlobalPluginRegistry | undefined {
  return (globalThis as { [REGISTRY_KEY]?: GlobalPluginRegistry })[REGISTRY_KEY];
}

/**
 * The factory registered under `name` in the process-wide registry, or `undefined`. Lets the
 * compliance suite build an instance exactly as `loadAll` would.
 */
export function registeredFactory(name: string): Factory | undefined {
  if (!registered().includes(name)) return undefined;
  return globalRegistry()?.factories.get(name);
}

/**
 * Records which plugins are registered now and returns the function that puts the registry back
 * to exactly that state, so a test that calls `registerPlugin` does not leak its registrations
 * into later tests of the same file (plugin modules register once, at import, and are not
 * re-imported):
 *
 * ```ts
 * let restore: () => void;
 * beforeEach(() => (restore = snapshotPluginRegistry()));
 * afterEach(() => restore());
 * ```
 */
export function snapshotPluginRegistry(): () => void {
  registered(); // creates the registry if needed, and refuses an incompatible one up front
  const registry = globalRegistry();
  const saved = new Map(registry?.factories);
  return () => {
    const current = globalRegistry();
    if (current === undefined) return;
    current.factories.clear();
    for (const [name, factory] of saved) current.factories.set(name, factory);
  };
}
