/**
 * `@mesh/plugin-nats`: publishes the mesh daemon's bus events to NATS (`<prefix>.<node_id>.<topic>`)
 * with JWT credentials refreshed from an HTTPS endpoint, a connection-state ring, a bounded
 * buffer while disconnected and an optional allow-listed command subject. Importing the package
 * registers the plugin as `nats`.
 * @packageDocumentation
 */
import { registerPlugin } from '@mesh/daemonapi';
import { NATS_PLUGIN_NAME, createNatsPlugin } from './plugin/nats-plugin.js';

registerPlugin(NATS_PLUGIN_NAME, () => createNatsPlugin());

export {
  NATS_PLUGIN_NAME,
  NATS_PLUGIN_VERSION,
  NatsPlugin,
  WAKE_TOPIC,
  createNatsPlugin,
} from './plugin/nats-plugin.js';
export type { NatsPluginOptions, NatsStatusResult } from './plugin/nats-plugin.js';
export { NatsBridge } from './bridge/nats-bridge.js';
export type { NatsBridgeOptions, NatsBridgeStats } from './bridge/nats-bridge.js';
export { CommandRouter, daemonCommands } from './commands/command-router.js';
export type { CommandHandler, CommandReply } from './commands/command-router.js';
export { CONFIG_FILE, loadNatsConfig, parseNatsConfig } from './config/nats-config.js';
export type { NatsConfig } from './config/nats-config.js';
export { ConnectionStateRing } from './connection/state-ring.js';
export type { ConnectionStateEvent } from './connection/state-ring.js';
export {
  credentialExpiry,
  loadCredentials,
  parseCredential,
  saveCredentials,
} from './credentials/credentials.js';
export type { NatsCredential } from './credentials/credentials.js';
export { httpsRefresher } from './credentials/https-refresher.js';
export type { HttpsRefresherOptions, Refresher } from './credentials/https-refresher.js';
export { RefreshLoop } from './credentials/refresh-loop.js';
export type { RefreshLoopOptions, RefreshState } from './credentials/refresh-loop.js';
export { NatsPluginError } from './errors.js';
export type { NatsPluginErrorCode } from './errors.js';
