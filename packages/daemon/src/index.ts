/**
 * `@mesh/daemon`: the mesh daemon engine — Ed25519 identity, registry registration and
 * heartbeats, encrypted UDP tunnels (PILA key exchange, X25519 + HKDF-SHA256, AES-256-GCM,
 * replay windows, beacon relay over UDP or WebSocket), reliable streams and datagrams, the event
 * bus, trust and policy gates, built-in services and plugin loading. The {@link Daemon} class
 * satisfies the `@mesh/daemonapi` `Daemon` contract structurally.
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
export { REGISTRY_EVENTS, RegistryLink } from './daemon/registry-link.js';
export type { DaemonInfo, DaemonPeerInfo, DaemonState } from './daemon/daemon.js';
export type { BuiltinServices, DaemonOptions, RelayTransport } from './daemon/options.js';
export {
  ConnReadWriterAdapter,
  ConnectionHandle,
  ListenerAdapter,
} from './daemon/contract-adapters.js';
export type { ConnectionEndpoints } from './daemon/contract-adapters.js';

export { DaemonError, IdentityError, PluginLoadError, TunnelError } from './errors/errors.js';
export type { DaemonErrorCode } from './errors/errors.js';

export { Identity, toBase64, verifySignature } from './identity/identity.js';
export type { IdentityFile } from './identity/identity.js';

export { EventBus, topicMatches } from './events/event-bus.js';
export type { BusEvent, EventSubscription, SubscribeOptions } from './events/event-bus.js';

export {
  GCM_TAG_BYTES,
  NONCE_BYTES,
  TUNNEL_HKDF_INFO,
  TunnelSession,
  deriveTunnelKey,
  generateX25519KeyPair,
  tunnelKeyFromSecret,
} from './crypto/tunnel-crypto.js';
export type { OpenResult, X25519KeyPair } from './crypto/tunnel-crypto.js';
export { REPLAY_WINDOW_SIZE, ReplayWindow } from './crypto/replay-window.js';
export type { ReplayUndo, ReplayVerdict } from './crypto/replay-window.js';

export { Tunnel, formatEndpoint, parseEndpoint } from './tunnel/tunnel.js';
export type {
  PacketOrigin,
  TunnelOptions,
  TunnelPeerInfo,
  TunnelStats,
  UdpEndpoint,
} from './tunnel/tunnel.js';
export type { RelayLink } from './tunnel/relay-link.js';
export { WsRelayLink } from './tunnel/ws-relay-link.js';
export type { WsRelayLinkOptions } from './tunnel/ws-relay-link.js';

export { PluginHost } from './plugins/plugin-host.js';
export type { PluginHostOptions } from './plugins/plugin-host.js';
export { PluginRegistryClient } from './registry/registry-adapter.js';
export type {
  RegistryCallOptions,
  RegistryListedView,
  RegistryNodeView,
} from './registry/registry-adapter.js';

export { ECHO_PORT, startEcho } from './services/echo.js';
export { DATA_EXCHANGE_PORT, startDataExchange } from './services/data-exchange.js';
export { EVENT_STREAM_PORT, startEventStream } from './services/event-stream.js';
export type {
  RunningService,
  ServiceConnection,
  ServiceContext,
  ServiceListener,
} from './services/service.js';

export { ensurePrivateDir, writeFileAtomic } from './util/atomic-file.js';

// Streams, datagrams and ports (src/transport, src/ports).
export {
  Connection,
  DEFAULT_STREAM_TUNING,
  DEFAULT_TRANSPORT_LIMITS,
  Listener,
  Transport,
  TransportError,
  isTransportError,
} from './transport/index.js';
export type {
  ConnectionInfo,
  ConnectionOptions,
  ConnectionState,
  Datagram,
  DatagramOptions,
  DialOptions,
  ListenOptions,
  StreamTuning,
  TransportErrorCode,
  TransportLimits,
  TransportOptions,
  TransportStats,
} from './transport/index.js';
export { PortAllocator } from './ports/index.js';
