/**
 * Test kit for mesh plugins: an in-memory network of {@link MemoryDaemon}s implementing the
 * `@mesh/daemonapi` `Daemon` contract, and the compliance suite every plugin runs with vitest.
 *
 * @example
 * ```ts
 * import { describePluginCompliance } from '@mesh/plugin-testkit';
 * import { createEchoPlugin } from '../src/index.js';
 *
 * describePluginCompliance({ name: 'echo', factory: () => createEchoPlugin() });
 * ```
 * @packageDocumentation
 */

export { ManualClock } from './clock/manual-clock.js';
export type { Clock } from './clock/manual-clock.js';
export { matchTopic } from './bus/topic.js';
export { DEFAULT_SUBSCRIPTION_BUFFER, MemoryEventBus } from './bus/memory-bus.js';
export { MemoryConnReadWriter, MemoryConnection } from './network/connection.js';
export { EPHEMERAL_PORT_START, MemoryPortAllocator } from './network/ports.js';
export { MemoryNetwork } from './network/memory-network.js';
export { MemoryRegistry } from './network/memory-registry.js';
export type { MemoryRegistryNode } from './network/memory-registry.js';
export type { MemoryNetworkOptions } from './network/memory-network.js';
export { MemoryDaemon, formatAddr } from './daemon/memory-daemon.js';
export type {
  DatagramReceiver,
  MemoryDaemonOptions,
  MemoryDaemonResources,
  MemoryDatagram,
  MemoryFabric,
} from './daemon/memory-daemon.js';
export { MemoryDaemonError } from './daemon/errors.js';
export type { MemoryDaemonErrorCode } from './daemon/errors.js';
export { MemoryIdentity, randomX25519PublicKey } from './daemon/identity.js';
export { MemoryPeerDirectory } from './daemon/peer-directory.js';
export type { MemoryPeer } from './daemon/peer-directory.js';
export { createRecordingLogger } from './daemon/recording-logger.js';
export type { LogEntry, RecordingLogger } from './daemon/recording-logger.js';
export { AsyncQueue } from './util/async-queue.js';
export type { AsyncQueueOptions } from './util/async-queue.js';
export { checkPluginCompliance, complianceChecks } from './compliance/checks.js';
export type { ComplianceCheck, ComplianceResult } from './compliance/checks.js';
export { describePluginCompliance } from './compliance/describe.js';
export { DEFAULT_COMPLIANCE_DEADLINE_MS } from './compliance/options.js';
export type {
  ComplianceCheckId,
  ComplianceScenario,
  PluginComplianceOptions,
} from './compliance/options.js';
export { describeDaemonConformance } from './conformance/describe.js';
export { registerConformancePlugins } from './conformance/harness.js';
export type {
  ConformanceCluster,
  ConformancePlugin,
  ConformanceSetup,
  DaemonConformanceHarness,
  DaemonConformanceOptions,
} from './conformance/harness.js';
export { memoryConformanceHarness } from './conformance/memory-harness.js';
export { activeResources, resourceGrowth } from './compliance/resources.js';
export { registeredFactory, snapshotPluginRegistry } from './registry/snapshot.js';
export type { ActiveResourceCounts } from './compliance/resources.js';
