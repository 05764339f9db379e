import { createRequire } from 'node:module';

/** What `versionInfo()` reports. */
export interface BuildInfo {
  /** The `@mesh/daemon` package version (from its package.json). */
  readonly version: string;
  /** The git commit the package was built from, `''` when not stamped (sources in dev and tests). */
  readonly commit: string;
  /** When the package was built, ISO 8601, `''` when not stamped. */
  readonly buildTime: string;
}

// Replaced by tsup's `define` at build time (tsup.config.ts); absent when running from sources.
declare const __MESH_DAEMON_BUILD__: BuildInfo | undefined;

/** The build info when running from sources: the package version, nothing stamped. */
function fromSources(): BuildInfo {
  // Running from sources (vitest, tsx): this file is src/daemon/build-info.ts.
  const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };
  return { version: pkg.version, commit: '', buildTime: '' };
}

/** The version, commit and build time of this copy of `@mesh/daemon`. */
export const BUILD_INFO: BuildInfo = Object.freeze(
  typeof __MESH_DAEMON_BUILD__ === 'undefined' ? fromSources() : __MESH_DAEMON_BUILD__,
);

/** The package version reported by `versionInfo()` and registered with the registry. */
export const DAEMON_VERSION: string = BUILD_INFO.version;
