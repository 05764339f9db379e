import { MemoryNetwork } from '../network/memory-network.js';
import { registerConformancePlugins } from './harness.js';
import type { MemoryDaemon } from '../daemon/memory-daemon.js';
import type { DaemonConformanceHarness } from './harness.js';

/** Admin token of the network a {@link memoryConformanceHarness} starts. */
const ADMIN_TOKEN = 'conformance-admin';

/**
 * The conformance harness of the in-memory daemon: a {@link MemoryNetwork} with a registry and
 * an admin token, `count` daemons that learn each other on first contact, and the suite's plugins loaded through
 * `loadRegistered` (the process-wide registry and `loadAll`, as the engine loads plugins).
 * Also the reference for writing an engine's harness.
 */
export function memoryConformanceHarness(): DaemonConformanceHarness {
  return {
    async start(setup) {
      // Peers learn each other on first contact, as the engine's do at the key exchange.
      const network = new MemoryNetwork({ adminToken: ADMIN_TOKEN, autoMeet: false });
      const daemons: MemoryDaemon[] = [];
      const restore = registerConformancePlugins(setup);
      try {
        for (let i = 0; i < setup.count; i++) {
          daemons.push(network.createDaemon({ registry: true, adminToken: ADMIN_TOKEN }));
        }
        for (const daemon of daemons) await daemon.loadRegistered();
      } catch (error) {
        await network.close();
        throw error;
      } finally {
        restore();
      }
      return {
        daemons,
        tunnelPeers: (daemon) => (daemon as MemoryDaemon).tunnelPeers(),
        close: () => network.close(),
      };
    },
  };
}
