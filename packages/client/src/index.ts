export { MeshClient, connect } from './client/mesh-client.js';
export type { ConnectOptions, Datagram, DialOptions } from './client/mesh-client.js';
export { MeshListener } from './client/listener.js';
export { EventStream } from './events/event-stream.js';
export type { EventsOptions, MeshEvent } from './events/event-stream.js';
export { MAX_SEND_CHUNK, MeshStream } from './stream/mesh-stream.js';
export type { MeshStreamInfo } from './stream/mesh-stream.js';
export { targetText } from './target/target.js';
export type { AddrLike, Target } from './target/target.js';
export { ErrorCode, IpcError, meshHome, resolveSocketPath } from '@mesh/ipc';
export type {
  ConnectionStats,
  DiagResult,
  HandshakeActionResult,
  InfoResult,
  LookupResult,
  RotateKeyResult,
  PeerSummary,
  PendingHandshake,
  PluginSummary,
  ResolveResult,
  TrustedPeer,
  VersionResult,
} from '@mesh/ipc';
