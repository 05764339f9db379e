/** The running daemon's version and build metadata, from {@link Daemon.versionInfo}. */
export interface VersionInfo {
  /** Semver of the daemon, for example `0.4.3`. */
  readonly version: string;
  /** Git commit the daemon was built from; empty in development builds. */
  readonly commit: string;
  /** UTC build timestamp (ISO 8601); empty in development builds. */
  readonly buildTime: string;
}
