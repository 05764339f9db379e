import { CONTRACT_VERSION } from '../version.js';
import { IncompatibleContractError } from './errors.js';
import type { Factory } from '../contract/plugin.js';

/**
 * The process-wide key every copy of `@mesh/daemonapi` looks the registry up under. The key has
 * no version in it on purpose: copies of different majors must meet so the newcomer can refuse
 * with both versions named, instead of silently keeping two registries.
 */
export const REGISTRY_KEY: unique symbol = Symbol.for('@mesh/daemonapi/plugin-registry');

/**
 * The shape stored under {@link REGISTRY_KEY}. Every contract version of one major must keep it
 * readable: `version` is sealed (set once by the first copy, never rewritten).
 */
export interface GlobalPluginRegistry {
  /** Contract version of the copy that created the registry. */
  readonly version: string;
  /** Factories by plugin name. */
  readonly factories: Map<string, Factory>;
}

interface ParsedVersion {
  readonly major: number;
  readonly minor: number;
}

/** Major and minor of a semver string; `undefined` when it is not one. */
function parse(version: string): ParsedVersion | undefined {
  const match = /^(\d+)\.(\d+)\.(\d+)(?:[-+].*)?$/.exec(version);
  if (match === null) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]) };
}

/**
 * Whether a copy at `ownVersion` may share a registry created at `registryVersion`: the same
 * major, and while the major is 0 the same minor (semver treats 0.x minors as breaking).
 */
export function isCompatibleContract(ownVersion: string, registryVersion: string): boolean {
  if (ownVersion === registryVersion) return true;
  const own = parse(ownVersion);
  const other = parse(registryVersion);
  if (own === undefined || other === undefined) return false;
  if (own.major !== other.major) return false;
  return own.major !== 0 || own.minor === other.minor;
}

/**
 * Returns the process-wide registry, creating it on first use (so importing the package has no
 * side effect). Read afresh on every call, never cached: the global is the only source of truth.
 * @throws IncompatibleContractError when a copy of an incompatible version created it.
 */
export function globalRegistry(): GlobalPluginRegistry {
  const holder = globalThis as { [REGISTRY_KEY]?: GlobalPluginRegistry };
  let registry = holder[REGISTRY_KEY];
  if (registry === undefined) {
    registry = Object.freeze({ version: CONTRACT_VERSION, factories: new Map<string, Factory>() });
    Object.defineProperty(globalThis, REGISTRY_KEY, {
      value: registry,
      writable: false,
      enumerable: false,
      configurable: true,
    });
  }
  const version = typeof registry.version === 'string' ? registry.version : 'unknown';
  if (!(registry.factories instanceof Map) || !isCompatibleContract(CONTRACT_VERSION, version)) {
    throw new IncompatibleContractError(CONTRACT_VERSION, version);
  }
  return registry;
}
