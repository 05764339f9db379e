/**
 * The plugin side of mesh's out-of-process plugins: `serve(plugin)` runs any in-process plugin
 * object, unchanged, as a plugin executable that meshd launches with `--plugin-exec`. It speaks
 * HashiCorp go-plugin's wire protocol (handshake line, AutoMTLS, health, controller, broker)
 * and the mesh plugin protocol on top.
 *
 * @example
 * ```ts
 * #!/usr/bin/env node
 * import { serve } from '@mesh/exec-sdk';
 * import { HelloPlugin } from './hello.js';
 *
 * await serve(new HelloPlugin());
 * ```
 * @packageDocumentation
 */

export { serve } from './serve/serve.js';
export type { ServeOptions, ServedPlugin } from './serve/serve.js';
export { MESH_PLUGIN_COOKIE, MESH_PROTOCOL_VERSIONS } from './serve/constants.js';
export { RemoteDaemon } from './remote/remote-daemon.js';
export type { InitSnapshot } from './remote/remote-daemon.js';
export {
  RemoteCallError,
  SyncCallUnsupportedError,
  fromServiceError,
  toServiceError,
} from './remote/errors.js';
export { stderrLogger } from './log/stderr-logger.js';
