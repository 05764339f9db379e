/**
 * Client for the mesh registry: binary mode for heartbeat, lookup and resolve, JSON for the rest,
 * signed requests through a signer hook, one request in flight, reconnect with backoff.
 *
 * @example
 * ```ts
 * import { RegistryClient } from '@mesh/registry-client';
 * const client = new RegistryClient({ port: 9000, signer });
 * const { nodeId } = await client.register({ listenAddr: '0.0.0.0:4000', publicKey });
 * await client.heartbeat();
 * ```
 *
 * @packageDocumentation
 */
export { RegistryClient } from './client/registry-client.js';
export { formatAddress } from './client/address.js';
export { challenges } from '@mesh/wire';
export { networkChallenges } from './network-challenges.js';
export type {
  AdminCallOptions,
  AuditLogEntry,
  ExprPolicyResult,
  NetworkPolicy,
  ProvisionResult,
} from './network-types.js';
export {
  RegistryClientError,
  RegistryRemoteError,
  classifyRegistryError,
  isRegistryClientError,
} from './errors.js';
export { RESEND_AFTER_CONNECTION_LOSS } from './client/retry-policy.js';
export type { RegistryErrorCode } from '@mesh/wire';
export type { RegistryClientErrorCode } from './errors.js';
export type {
  BeaconInfo,
  CallOptions,
  CreateNetworkParams,
  CreateNetworkResult,
  HandshakeRequest,
  HandshakeResponse,
  HeartbeatResult,
  HostnameResolution,
  JoinNetworkParams,
  JoinNetworkResult,
  JsonObject,
  KeyInfo,
  NetworkInvite,
  NetworkSummary,
  NodeInfo,
  NodeListing,
  PollHandshakesResult,
  PunchResult,
  ReconnectOptions,
  RegisterParams,
  RegisterResult,
  ReportTrustResult,
  RegistryClientLogger,
  RegistryClientOptions,
  RegistryConnectionLost,
  RegistryTlsClientOptions,
  RegistrySigner,
  ResolveResult,
  RotateKeyResult,
} from './types.js';
