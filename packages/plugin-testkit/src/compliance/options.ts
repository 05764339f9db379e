import type { MemoryDaemon, MemoryDaemonOptions } from '../daemon/memory-daemon.js';
import type { MemoryNetwork } from '../network/memory-network.js';
import type { Factory } from '@mesh/daemonapi';

/** Identifiers of the compliance checks. */
export type ComplianceCheckId =
  | 'stable-name'
  | 'clean-shutdown'
  | 'shutdown-deadline'
  | 'repeat-shutdown'
  | 'shutdown-without-init'
  | 'fault-isolation'
  | 'declarations';

/** The daemons a check runs a plugin on; `setup` may add services the plugin needs. */
export interface ComplianceScenario {
  /** The in-memory network. */
  readonly network: MemoryNetwork;
  /** The daemon the plugin runs on. */
  readonly daemon: MemoryDaemon;
  /** A second daemon, known to the first, used to drive traffic. */
  readonly peer: MemoryDaemon;
}

/** Options of `describePluginCompliance` / `checkPluginCompliance`. */
export interface PluginComplianceOptions {
  /** The name the plugin is registered under. */
  readonly name: string;
  /** Builds a fresh plugin instance (the factory given to `registerPlugin`). */
  readonly factory: Factory;
  /**
   * Also require that `registerPlugin(name, …)` has run (the plugin module registers itself on
   * import). Whenever `name` is registered, with or without this option, the registered factory
   * must build a plugin named `name`, as `loadAll` requires.
   * @defaultValue false
   */
  readonly expectRegistered?: boolean;
  /**
   * How long `init` and `shutdown` may take, and how soon `shutdown` must return once its
   * signal is aborted, in milliseconds.
   * @defaultValue 2000
   */
  readonly deadlineMs?: number;
  /**
   * Options of the daemon the plugin runs on (a `registryClient`, `adminToken`, `dataDir`, a
   * recording `logger`…); `name`, `nodeId` and `stopTimeoutMs` are set by the suite.
   */
  readonly daemonOptions?: Omit<MemoryDaemonOptions, 'name' | 'nodeId' | 'stopTimeoutMs'>;
  /** Prepares each scenario before the plugin is initialised (register services it needs). */
  readonly setup?: (scenario: ComplianceScenario) => void | Promise<void>;
  /** Checks to leave out, with the reason in a comment at the call site. */
  readonly skip?: readonly ComplianceCheckId[];
}

/** Default of {@link PluginComplianceOptions.deadlineMs}. */
export const DEFAULT_COMPLIANCE_DEADLINE_MS = 2000;
