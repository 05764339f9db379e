import { ServiceConflictError, ServiceUnavailableError } from './errors.js';
import type { AnyServiceKey, ServiceKey, ServiceRegistry } from '../contract/services.js';

/**
 * Builds an empty {@link ServiceRegistry}. Engines and test daemons use this one
 * implementation, so a plugin sees the same semantics everywhere: keys compare by their
 * `Symbol.for` id, a second `provide` for a taken key throws, and the remover returned by
 * `provide` only removes the implementation it installed.
 */
export function createServiceRegistry(): ServiceRegistry {
  const entries = new Map<symbol, { readonly name: string; readonly impl: unknown }>();
  return {
    provide<T>(key: ServiceKey<T>, impl: T): () => void {
      if (entries.has(key.id)) throw new ServiceConflictError(key.name);
      const entry = { name: key.name, impl };
      entries.set(key.id, entry);
      return () => {
        if (entries.get(key.id) === entry) entries.delete(key.id);
      };
    },
    get<T>(key: ServiceKey<T>): T | undefined {
      return entries.get(key.id)?.impl as T | undefined;
    },
    require<T>(key: ServiceKey<T>): T {
      const entry = entries.get(key.id);
      if (entry === undefined) throw new ServiceUnavailableError(key.name);
      return entry.impl as T;
    },
    has(key: AnyServiceKey): boolean {
      return entries.has(key.id);
    },
    names(): string[] {
      return [...entries.values()].map((e) => e.name).sort();
    },
  };
}
