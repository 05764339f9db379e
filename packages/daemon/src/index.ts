/**
 * `@mesh/daemon`: the mesh daemon engine — Ed25519 identity, registry registration and
 * heartbeats, encrypted UDP tunnels (PILA key exchange, X25519 + HKDF-SHA256, AES-256-GCM,
 * replay windows, beacon relay over UDP or WebSocket), reliable streams and datagrams, the event
 * bus, trust and policy gates, built-in services and plugin loading. The {@link Daemon} class
 * satisfies the `@mesh/daemonapi` `Daemon` contract structurally.
 *
 * This entry holds what an application needs. The building blocks behind it (tunnel, transport,
 * crypto, collaborators) are in `@mesh/daemon/internals`, without a stability guarantee.
 *
 * @example
 * ```ts
 * import { Daemon } from '@mesh/daemon';
 *
 * const daemon = new Daemon({ registry: '127.0.0.1:9000', beacon: '127.0.0.1:9001',
 *   identityPath: '/var/lib/mesh/identity.json', public: true });
 * await daemon.start();
 * const conn = await daemon.dial({ network: 0, node: 7 }, 7); // a Node Duplex
 * conn.end('hello');
 * ```
 *
 * @packageDocumentation
 */
export { Daemon, DAEMON_VERSION, PLUGIN_PAYLOAD_PORT } from './daemon/daemon.js';
export { validateHostname } from './daemon/hostname.js';
export type { DaemonState } from './daemon/daemon.js';
export type {
  BuiltinServices,
  DaemonOptions,
  FolderLimits,
  RelayTransport,
} from './daemon/options.js';
export type { NodeSettingsState } from './daemon/registry-session.js';
export type {
  DaemonConnectionInfo,
  DaemonInfo,
  DaemonPeerInfo,
  DaemonSnapshot,
} from './daemon/snapshot.js';
export type { BuildInfo } from './daemon/build-info.js';
export type { AdmissionReason } from './daemon/admission-gate.js';
export type { LoadedPlugin } from './plugins/plugin-runtime.js';
export { REGISTRY_EVENTS } from './daemon/registry-link.js';

export { DaemonError, IdentityError, PluginLoadError, TunnelError } from './errors/errors.js';
export type { DaemonErrorCode } from './errors/errors.js';
export { TransportError, isTransportError } from './transport/index.js';
export type { TransportErrorCode } from './transport/index.js';

export { Identity } from './identity/identity.js';
export type { IdentityFile } from './identity/identity.js';

export type {
  BusEvent,
  EventBus,
  EventSubscription,
  SubscribeOptions,
} from './events/event-bus.js';

export type {
  ConnReadWriterAdapter,
  ConnectionEndpoints,
  ConnectionHandle,
  ListenerAdapter,
} from './daemon/contract-adapters.js';
export type {
  Connection,
  ConnectionState,
  Datagram,
  DialOptions,
  Listener,
  StreamTuning,
  TransportLimits,
} from './transport/index.js';
export { ECHO_PORT } from './services/echo.js';
export { DATA_EXCHANGE_PORT } from './services/data-exchange.js';
export { EVENT_STREAM_PORT } from './services/event-stream.js';
