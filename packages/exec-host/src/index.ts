/**
 * The daemon side of mesh's out-of-process plugins. It launches plugin executables on HashiCorp
 * go-plugin's wire protocol (magic cookie, version negotiation, handshake line, AutoMTLS,
 * broker, controller, stdio, health), checks their SHA-256 first, maps their stderr logs into
 * the daemon's logger, supervises them (restart with backoff, process-group kill after a
 * shutdown deadline) and presents each one to the engine as an ordinary `Plugin`.
 *
 * @example
 * ```ts
 * import { registerPlugin } from '@mesh/daemonapi';
 * import { MESH_PLUGIN_COOKIE, MESH_PROTOCOL_VERSIONS, ProcessPlugin, describePlugin } from '@mesh/exec-host';
 *
 * const launch = { path: '/opt/plugins/greeter', cookie: MESH_PLUGIN_COOKIE, versions: MESH_PROTOCOL_VERSIONS };
 * const description = await describePlugin(launch);
 * registerPlugin('greeter', () => new ProcessPlugin({ ...launch, name: 'greeter', description }));
 * ```
 * @packageDocumentation
 */

export { ProcessPlugin } from './plugin/process-plugin.js';
export type {
  PluginDescription,
  ProcessPluginOptions,
  ProcessPluginStatus,
  RestartPolicy,
} from './plugin/process-plugin.js';
export { describePlugin } from './plugin/describe.js';
export { PluginProcess } from './launch/plugin-process.js';
export type { LaunchOptions, ReattachConfig } from './launch/plugin-process.js';
export { sha256File, verifyChecksum } from './launch/checksum.js';
export { PluginLogMapper } from './log/plugin-log.js';
export { DaemonService } from './daemon/daemon-service.js';
export { PluginCallError, unary } from './daemon/rpc.js';
export { MESH_PLUGIN_COOKIE, MESH_PROTOCOL_VERSIONS } from './protocol/constants.js';
export {
  BadCookieError,
  ChecksumMismatchError,
  MalformedHandshakeError,
  NoCommonVersionError,
  PluginExitedError,
  StartTimeoutError,
} from '@mesh/goplugin';
