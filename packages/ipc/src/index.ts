export { ErrorCode, RpcErrorNumber, isErrorCode } from './errors/codes.js';
export type { ErrorCodeString } from './errors/codes.js';
export { IpcError, toIpcError } from './errors/ipc-error.js';
export type { IpcErrorOptions } from './errors/ipc-error.js';
export { LineSplitter } from './framing/line-splitter.js';
export type { LineEvent } from './framing/line-splitter.js';
export { RPC_VERSION, classifyMessage } from './protocol/jsonrpc.js';
export type {
  JsonRpcErrorObject,
  JsonRpcFailure,
  JsonRpcMessage,
  JsonRpcNotification,
  JsonRpcRequest,
  JsonRpcResponse,
  JsonRpcSuccess,
  RequestId,
} from './protocol/jsonrpc.js';
export type {
  ConnectionEventRecord,
  ConnectionStats,
  DiagResult,
  DialResult,
  EventNotification,
  EventsSubscribeParams,
  EventsSubscribeResult,
  HandshakeActionResult,
  HelloParams,
  HelloResult,
  InfoResult,
  MeshMethodName,
  MeshMethods,
  MeshNotificationName,
  MeshNotifications,
  PeerSummary,
  PendingHandshake,
  PluginSummary,
  ResolveResult,
  VersionResult,
  LookupResult,
  RotateKeyResult,
  TrustedPeer,
} from './protocol/methods.js';
export {
  MESH_HOME_ENV,
  MESH_SOCKET_ENV,
  SOCKET_FILE_NAME,
  meshHome,
  resolveSocketPath,
} from './paths/paths.js';
export { MethodRegistry } from './server/registry.js';
export type {
  MethodHandler,
  MethodSource,
  RegisterOptions,
  TypedMethodHandler,
} from './server/registry.js';
export { ParamReader } from './server/params.js';
export type { CallContext, IpcLogger, IpcPeer } from './server/connection.js';
export {
  DEFAULT_MAX_BUFFERED_BYTES,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_IN_FLIGHT,
  DEFAULT_MAX_IN_FLIGHT_BYTES,
  DEFAULT_MAX_LINE_BYTES,
  IpcServer,
} from './server/server.js';
export type { IpcServerOptions, IpcServerStats } from './server/server.js';
export {
  DEFAULT_CALL_TIMEOUT_MS,
  DEFAULT_CLIENT_MAX_LINE_BYTES,
  IpcClient,
  callOnce,
} from './client/client.js';
export type { CallOptions, IpcClientOptions } from './client/client.js';
