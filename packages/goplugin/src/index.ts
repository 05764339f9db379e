/**
 * HashiCorp go-plugin's wire protocol for Node: the handshake line and environment, version
 * negotiation, AutoMTLS one-time certificates, the gRPC broker, and the checked-in .proto
 * definitions of go-plugin's services, gRPC health and the mesh plugin protocol. Shared by
 * `@mesh/exec-host` (the daemon side) and `@mesh/exec-sdk` (the plugin side).
 * @packageDocumentation
 */

export {
  BadCookieError,
  BrokerTimeoutError,
  ChecksumMismatchError,
  GoPluginError,
  MalformedHandshakeError,
  NoCommonVersionError,
  PluginExitedError,
  StartTimeoutError,
} from './errors/errors.js';
export {
  CORE_PROTOCOL_VERSION,
  ENV_CLIENT_CERT,
  ENV_PROTOCOL_VERSIONS,
  ENV_UNIX_SOCKET_DIR,
  HEALTH_SERVICE_NAME,
  negotiateVersion,
} from './handshake/env.js';
export type { MagicCookie } from './handshake/env.js';
export { formatHandshakeLine, parseHandshakeLine } from './handshake/line.js';
export type { HandshakeLine } from './handshake/line.js';
export { derToPem, generateCertificate, isCertificate } from './tls/certificate.js';
export type { OneTimeCertificate } from './tls/certificate.js';
export { protoDir, protos } from './grpc/protos.js';
export type { Protos } from './grpc/protos.js';
export {
  CHANNEL_OPTIONS,
  channelCredentials,
  grpcTarget,
  serverCredentials,
} from './grpc/transport.js';
export type { MtlsConfig } from './grpc/transport.js';
export { GrpcBroker } from './broker/broker.js';
export type {
  BrokerDialTarget,
  BrokerStream,
  ConnInfo,
  GrpcBrokerOptions,
} from './broker/broker.js';
