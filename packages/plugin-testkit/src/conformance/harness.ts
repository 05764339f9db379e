import { registerPlugin } from '@mesh/daemonapi';
import { snapshotPluginRegistry } from '../registry/snapshot.js';
import type { Daemon, Factory } from '@mesh/daemonapi';

/** A plugin the suite wants loaded on every daemon. */
export interface ConformancePlugin {
  /** The registration name. */
  readonly name: string;
  /** Builds a fresh instance; the harness's daemons each get their own. */
  readonly factory: Factory;
}

/** What {@link DaemonConformanceHarness.start} must bring up. */
export interface ConformanceSetup {
  /** How many daemons to start (the suite asks for 2). */
  readonly count: number;
  /**
   * Plugins every daemon loads through its own plugin loading (`registerPlugin` + `loadAll`, as
   * in production), one fresh instance per daemon. {@link registerConformancePlugins} does the
   * registering.
   */
  readonly plugins: readonly ConformancePlugin[];
}

/** Daemons started by a harness, and what the suite may ask about them beyond the contract. */
export interface ConformanceCluster {
  /**
   * The running daemons, each reachable from the others. Each must have an admin token the
   * registry accepts (`adminToken()`), so `list_nodes` of network 0 can be checked.
   */
  readonly daemons: readonly Daemon[];
  /**
   * Peers `daemon` holds a tunnel with right now. The contract only lets plugins drop a tunnel
   * (`tunnels().removePeer`), so reading the table is engine introspection the harness supplies.
   */
  tunnelPeers(daemon: Daemon): readonly number[];
  /** Stops every daemon and everything the harness started for them (registry, beacon, files). */
  close(): Promise<void>;
}

/** Starts connected daemons of one engine for {@link describeDaemonConformance}. */
export interface DaemonConformanceHarness {
  /** Starts `setup.count` daemons that can reach each other, with `setup.plugins` loaded. */
  start(setup: ConformanceSetup): Promise<ConformanceCluster>;
}

/** Options of {@link describeDaemonConformance}. */
export interface DaemonConformanceOptions {
  /**
   * Whether the engine hands plugins a `PeerDirectory` (`PluginContext.peers`, optional in the
   * contract). `false` leaves the peer-directory block out of this run (say why at the call site).
   * @defaultValue true
   */
  readonly peerDirectory?: boolean;
  /**
   * How long one network step (a dial, a datagram, a registry call) may take, in milliseconds.
   * @defaultValue 10000
   */
  readonly stepTimeoutMs?: number;
}

/**
 * Registers `setup.plugins` in the process-wide plugin registry and returns the function that
 * puts the registry back as it was. A harness calls it around starting its daemons, so the
 * engine's own `loadAll` builds the suite's plugins and nothing leaks into later tests.
 */
export function registerConformancePlugins(setup: ConformanceSetup): () => void {
  const restore = snapshotPluginRegistry();
  try {
    for (const plugin of setup.plugins) registerPlugin(plugin.name, plugin.factory);
  } catch (error) {
    restore();
    throw error;
  }
  return restore;
}
