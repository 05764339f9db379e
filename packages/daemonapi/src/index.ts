/**
 * The contract between the mesh daemon engine and its plugins: interfaces only, plus the
 * process-wide plugin registry (`registerPlugin`, `registered`, `loadAll`, `shutdownAll`).
 * Imports nothing and runs on every runtime.
 *
 * @example
 * ```ts
 * import { registerPlugin, type Daemon, type Plugin, type PluginContext } from '@mesh/daemonapi';
 *
 * class HelloPlugin implements Plugin {
 *   readonly name = 'hello';
 *   #stop: (() => void) | undefined;
 *   init(daemon: Daemon, { logger }: PluginContext): void {
 *     this.#stop = daemon.registerMethod('hello.greet', () => ({ hello: daemon.nodeId() }));
 *     logger.info('ready');
 *   }
 *   shutdown(): void {
 *     this.#stop?.();
 *     this.#stop = undefined;
 *   }
 * }
 *
 * registerPlugin('hello', () => new HelloPlugin());
 * ```
 * @packageDocumentation
 */

export { CONTRACT_VERSION } from './version.js';

export type { Addr } from './contract/addr.js';
export type { Identity, IdentitySecrets } from './contract/identity.js';
export type {
  Connection,
  ConnectionInfo,
  ConnReadWriter,
  Listener,
  PortAllocator,
  TunnelRegistry,
} from './contract/connection.js';
export type {
  Event,
  EventBus,
  EventPayload,
  EventSubscription,
  MeshEventMap,
  MeshTopic,
  SubscribeOptions,
} from './contract/events.js';
export type { Datagram, DatagramHandler } from './contract/datagram.js';
export { defineService } from './contract/services.js';
export type { AnyServiceKey, ServiceKey, ServiceRegistry } from './contract/services.js';
export {
  HandshakeServiceKey,
  PolicyManagerKey,
  TrustCheckerKey,
  WebhookManagerKey,
} from './contract/well-known.js';
export { MESH_ERROR, errorCode, isMeshError, isRetryable } from './errors/mesh-error.js';
export type { MeshErrorLike } from './errors/mesh-error.js';
export type { TrustChecker, TrustCheckResult } from './contract/trust.js';
export type {
  HandshakePendingRecord,
  HandshakeService,
  HandshakeTrustRecord,
  WaitForTrustOptions,
} from './contract/handshake.js';
export { PolicyEvent } from './contract/policy.js';
export type {
  PolicyDirection,
  PolicyEventType,
  PolicyManager,
  PolicyRunner,
  PortGateRequest,
} from './contract/policy.js';
export type { WebhookManager, WebhookStats } from './contract/webhook.js';
export type { VersionInfo } from './contract/version-info.js';
export type {
  HandshakeInbox,
  ListNodesOptions,
  RegistryCallOptions,
  RegistryClient,
  RegistryListedNode,
  RegistryNodeInfo,
  RelayedHandshakeRequest,
  RelayedHandshakeResponse,
} from './contract/registry-client.js';
export { noopLogger } from './contract/logger.js';
export type { LogFields, Logger } from './contract/logger.js';
export type {
  ControlSender,
  PeerDirectory,
  PeerDirectoryEvent,
  PeerForgottenEvent,
  PeerInfoSource,
  PeerSeenEvent,
  PluginPayload,
} from './contract/peers.js';
export type { IpcCallContext, IpcMethodHandler } from './contract/ipc.js';
export type { Factory, Plugin, PluginContext } from './contract/plugin.js';
export type { Daemon, DialOptions } from './contract/daemon.js';

export {
  DaemonApiError,
  DuplicatePluginError,
  IncompatibleContractError,
  InvalidPluginError,
  PayloadKindConflictError,
  PluginInitError,
  PluginInitTimeoutError,
  PluginNameMismatchError,
  PluginShutdownError,
  PluginShutdownTimeoutError,
  PluginStopError,
  PluginDependencyCycleError,
  ServiceConflictError,
  ServiceNotProvidedError,
  ServiceUnavailableError,
  UnmetServiceNeedError,
} from './registry/errors.js';
export type { DaemonApiErrorCode, PluginShutdownFailure } from './registry/errors.js';
export { REGISTRY_KEY, isCompatibleContract } from './registry/global.js';
export type { GlobalPluginRegistry } from './registry/global.js';
export { registerPlugin, registered } from './registry/register.js';
export { assertDistinctPayloadKinds, loadAll } from './registry/load.js';
export { awaitPluginInit } from './registry/init-deadline.js';
export { orderPlugins } from './registry/order.js';
export { createServiceRegistry } from './registry/service-registry.js';
export type { LoadAllOptions, PluginServices } from './registry/load.js';
export { DEFAULT_SHUTDOWN_TIMEOUT_MS, shutdownAll } from './registry/shutdown.js';
export type { ShutdownAllOptions } from './registry/shutdown.js';
export { dispatchPayload, notifyPeerForgotten } from './registry/dispatch.js';
export type { PayloadDispatchResult, PluginHookFailure } from './registry/dispatch.js';
