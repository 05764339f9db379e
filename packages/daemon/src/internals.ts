/**
 * `@mesh/daemon/internals`: the engine's building blocks, for tests, benchmarks and tools that
 * take the engine apart. **No stability guarantee**: anything here may change in a minor or
 * patch release. Applications use the root entry (`@mesh/daemon`).
 *
 * @packageDocumentation
 */
export { AdmissionGate } from './daemon/admission-gate.js';
export type {
  AdmissionDecision,
  AdmissionGateOptions,
  AdmissionReason,
  PortEvent,
} from './daemon/admission-gate.js';
export { RegistrySession } from './daemon/registry-session.js';
export type {
  NodeSettingsState,
  RegistrationResult,
  RegistrySessionOptions,
} from './daemon/registry-session.js';
export { RegistryLink, REGISTRY_EVENTS } from './daemon/registry-link.js';
export { BUILD_INFO } from './daemon/build-info.js';
export { connectionRow } from './daemon/snapshot.js';
export {
  ConnReadWriterAdapter,
  ConnectionHandle,
  ListenerAdapter,
} from './daemon/contract-adapters.js';

export { EnginePeerDirectory, ed25519ToX25519 } from './peers/peer-directory.js';
export type { PeerRecordSource } from './peers/peer-directory.js';
export { PluginRuntime } from './plugins/plugin-runtime.js';
export type { LoadedPlugin, PluginRuntimeOptions } from './plugins/plugin-runtime.js';
export { PluginHost } from './plugins/plugin-host.js';
export type { PluginHostOptions } from './plugins/plugin-host.js';
export { PluginRegistryClient } from './registry/registry-adapter.js';
export type {
  RegistryCallOptions,
  RegistryListedView,
  RegistryNodeView,
} from './registry/registry-adapter.js';

export { EventBus, topicMatches } from './events/event-bus.js';
export { Identity, toBase64, verifySignature } from './identity/identity.js';

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

export {
  Connection,
  DEFAULT_STREAM_TUNING,
  DEFAULT_TRANSPORT_LIMITS,
  Listener,
  Transport,
} from './transport/index.js';
export type {
  ConnectionInfo,
  ConnectionOptions,
  DatagramOptions,
  ListenOptions,
  TransportOptions,
  TransportStats,
} from './transport/index.js';
export { PortAllocator } from './ports/index.js';
