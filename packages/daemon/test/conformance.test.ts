// The daemon-contract conformance suite of @mesh/plugin-testkit, run against the real engine:
// an in-process registry (admin token set) and beacon, two daemons on real loopback UDP, and
// the suite's plugins loaded through the engine's own plugin loading (registry + loadAll).
import { describeDaemonConformance, registerConformancePlugins } from '@mesh/plugin-testkit';
import { startDaemon, startRendezvous, type TestDaemon } from './harness.js';
import type { DaemonConformanceHarness } from '@mesh/plugin-testkit';
import type { Daemon } from '../src/daemon/daemon.js';

const ADMIN_TOKEN = 'conformance-admin';

const engineHarness: DaemonConformanceHarness = {
  async start(setup) {
    const rv = await startRendezvous({ adminToken: ADMIN_TOKEN });
    const started: TestDaemon[] = [];
    const restore = registerConformancePlugins(setup);
    try {
      for (let i = 0; i < setup.count; i++)
        started.push(await startDaemon(rv, { adminToken: ADMIN_TOKEN, loadPlugins: true }));
    } catch (error) {
      for (const d of started) await d.stop();
      await rv.close();
      throw error;
    } finally {
      restore();
    }
    return {
      daemons: started.map((d) => d.daemon),
      tunnelPeers: (daemon) =>
        (daemon as unknown as Daemon)
          .tunnels()
          .peers()
          .map((p) => p.nodeId),
      close: async () => {
        for (const d of started) await d.stop();
        await rv.close();
      },
    };
  },
};

describeDaemonConformance('engine Daemon', engineHarness, {
  stepTimeoutMs: 10_000,
  // The engine hands plugins its PeerDirectory (PluginContext.peers): held to the same checks.
  peerDirectory: true,
});
