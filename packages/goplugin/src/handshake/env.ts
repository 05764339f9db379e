// go-plugin's environment variables and version negotiation.

/** Core protocol version of go-plugin itself (handshake field 1). */
export const CORE_PROTOCOL_VERSION = 1;
/** Environment variable with the host's supported app protocol versions, comma-separated. */
export const ENV_PROTOCOL_VERSIONS = 'PLUGIN_PROTOCOL_VERSIONS';
/** Environment variable with the host's one-time PEM certificate (AutoMTLS). */
export const ENV_CLIENT_CERT = 'PLUGIN_CLIENT_CERT';
/** Environment variable naming the directory plugins create their unix sockets in. */
export const ENV_UNIX_SOCKET_DIR = 'PLUGIN_UNIX_SOCKET_DIR';
/** gRPC health service name go-plugin checks. */
export const HEALTH_SERVICE_NAME = 'plugin';

/** The magic cookie both sides agree on: a UX guard against running a plugin by hand, not a security measure. */
export interface MagicCookie {
  /** Environment variable name. */
  readonly key: string;
  /** Expected value. */
  readonly value: string;
}

/**
 * The plugin side of version negotiation, as go-plugin does it: the highest of the plugin's
 * versions that the host also listed; when none matches, the plugin's lowest (the host then
 * reports the mismatch).
 * @param pluginVersions - versions the plugin serves.
 * @param hostList - the raw `PLUGIN_PROTOCOL_VERSIONS` value.
 * @returns the version to announce.
 */
export function negotiateVersion(
  pluginVersions: readonly number[],
  hostList: string | undefined,
): number {
  const mine = [...pluginVersions].sort((a, b) => b - a);
  const theirs = new Set(
    (hostList ?? '')
      .split(',')
      .map((v) => Number.parseInt(v.trim(), 10))
      .filter((v) => Number.isInteger(v)),
  );
  return mine.find((v) => theirs.has(v)) ?? mine[mine.length - 1] ?? 1;
}
