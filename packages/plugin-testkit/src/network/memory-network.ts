import { ManualClock } from '../clock/manual-clock.js';
import { MemoryDaemon } from '../daemon/memory-daemon.js';
import { MemoryRegistry } from './memory-registry.js';
import type { MemoryDaemonOptions, MemoryFabric } from '../daemon/memory-daemon.js';

/** Options of {@link MemoryNetwork}. */
export interface MemoryNetworkOptions {
  /**
   * The shared clock.
   * @defaultValue a new {@link ManualClock}
   */
  readonly clock?: ManualClock;
  /**
   * Whether daemons learn about each other in their peer directories as they join.
   * @defaultValue true
   */
  readonly autoMeet?: boolean;
  /**
   * The admin token the network's {@link MemoryRegistry} accepts for privileged calls
   * (`list_nodes` of network 0). Without one, those calls are refused, as by a registry with
   * admin requests disabled.
   */
  readonly adminToken?: string;
}

/**
 * Several {@link MemoryDaemon}s that can reach each other: dial, accept, send, datagrams and
 * plugin payloads, with one settable clock. `close` stops every daemon.
 *
 * @example
 * ```ts
 * const network = new MemoryNetwork();
 * const a = network.createDaemon();
 * const b = network.createDaemon();
 * const listener = b.ports().bind(7);
 * const conn = await a.dialConnection(b.addr(), 7);
 * await network.close();
 * ```
 */
export class MemoryNetwork {
  /** The network's clock; advancing it moves every daemon's time. */
  readonly clock: ManualClock;
  /** The network's registry; daemons created with `registry: true` reach it through `registryClient()`. */
  readonly registry: MemoryRegistry;
  readonly #daemons = new Map<number, MemoryDaemon>();
  readonly #autoMeet: boolean;
  readonly #fabric: MemoryFabric;
  #nextNodeId = 1;

  /** Creates an empty network. */
  constructor(options: MemoryNetworkOptions = {}) {
    this.clock = options.clock ?? new ManualClock();
    this.#autoMeet = options.autoMeet ?? true;
    this.registry = new MemoryRegistry(() => this.daemons(), {
      ...(options.adminToken === undefined ? {} : { adminToken: options.adminToken }),
      now: () => this.clock.now(),
    });
    this.#fabric = {
      clock: this.clock,
      registry: this.registry,
      daemon: (nodeId) => this.#daemons.get(nodeId),
      detach: (daemon) => {
        if (this.#daemons.get(daemon.nodeId()) === daemon) this.#daemons.delete(daemon.nodeId());
      },
    };
  }

  /** Running daemons, by ascending node id. */
  daemons(): MemoryDaemon[] {
    return [...this.#daemons.values()].sort((a, b) => a.nodeId() - b.nodeId());
  }

  /** Adds a daemon (ready at once) and, with `autoMeet`, introduces it to the others. */
  createDaemon(options: MemoryDaemonOptions = {}): MemoryDaemon {
    let nodeId = options.nodeId;
    if (nodeId === undefined) {
      while (this.#daemons.has(this.#nextNodeId)) this.#nextNodeId++;
      nodeId = this.#nextNodeId++;
    }
    if (this.#daemons.has(nodeId))
      throw new RangeError(`node id ${nodeId} is already in this network`);
    const daemon = new MemoryDaemon(this.#fabric, nodeId, options);
    if (this.#autoMeet) for (const other of this.#daemons.values()) daemon.meet(other);
    this.#daemons.set(nodeId, daemon);
    return daemon;
  }

  /** Stops every daemon (plugins shut down first). */
  async close(): Promise<void> {
    await Promise.all(this.daemons().map((daemon) => daemon.stop()));
  }
}
