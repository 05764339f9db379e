// The plugin's IPC methods (`meshctl policy …` calls them; `meshctl call policy.status` too).
import type { Daemon } from '@mesh/daemonapi';
import { PolicyError } from '../policy/errors.js';
import type { PolicyRunnerManager } from '../runner/manager.js';
import type { NetworkPolicyRunner } from '../runner/runner.js';

/** The params object of an IPC call. */
function params(p: unknown, method: string): Record<string, unknown> {
  if (p === undefined || p === null) return {};
  if (typeof p !== 'object' || Array.isArray(p))
    throw new PolicyError('POLICY_INVALID', `${method}: params must be an object`);
  return p as Record<string, unknown>;
}

/** The network_id parameter. */
function networkId(p: Record<string, unknown>, method: string): number {
  const v = p['network_id'];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 0xffff)
    throw new PolicyError('POLICY_INVALID', `${method}: network_id must be a network id 1-65535`);
  return v;
}

/** The runner of a network, or POLICY_NOT_FOUND. */
function runnerOf(manager: PolicyRunnerManager, net: number): NetworkPolicyRunner {
  const r = manager.get(net);
  if (!r)
    throw new PolicyError(
      'POLICY_NOT_FOUND',
      `no policy runs for network ${net}; set one with \`meshctl policy set <file> --network ${net}\``,
    );
  return r;
}

/** Registers the `policy.*` methods; returns a function removing them. */
export function registerPolicyMethods(daemon: Daemon, manager: PolicyRunnerManager): () => void {
  const offs = [
    daemon.registerMethod('policy.list', () => ({
      policies: manager.all().map((r) => r.status()),
    })),
    daemon.registerMethod('policy.get', (raw) => {
      const net = networkId(params(raw, 'policy.get'), 'policy.get');
      return {
        network_id: net,
        policy: JSON.parse(runnerOf(manager, net).policyJson()) as unknown,
      };
    }),
    daemon.registerMethod('policy.set', async (raw) => {
      const p = params(raw, 'policy.set');
      const net = networkId(p, 'policy.set');
      const doc = p['policy'];
      if (typeof doc !== 'string' && (doc === null || typeof doc !== 'object'))
        throw new PolicyError(
          'POLICY_INVALID',
          'policy.set: policy must be a JSON document (text or object)',
        );
      const runner = await manager.start(net, typeof doc === 'string' ? doc : JSON.stringify(doc));
      return runner.status();
    }),
    daemon.registerMethod('policy.stop', async (raw) => {
      const net = networkId(params(raw, 'policy.stop'), 'policy.stop');
      runnerOf(manager, net);
      await manager.stop(net);
      return { network_id: net, stopped: true };
    }),
    daemon.registerMethod('policy.status', (raw) => {
      const p = params(raw, 'policy.status');
      if (p['network_id'] === undefined) return { policies: manager.all().map((r) => r.status()) };
      const r = runnerOf(manager, networkId(p, 'policy.status'));
      return { ...r.status(), peer_list: r.peerList() };
    }),
    daemon.registerMethod('policy.cycle', async (raw) => {
      const net = networkId(params(raw, 'policy.cycle'), 'policy.cycle');
      return await runnerOf(manager, net).forceCycle();
    }),
    daemon.registerMethod('policy.reconcile', async (raw) => {
      const net = networkId(params(raw, 'policy.reconcile'), 'policy.reconcile');
      const r = runnerOf(manager, net);
      await r.reconcileNow();
      return r.status();
    }),
    daemon.registerMethod('policy.tags', (raw) => {
      const p = params(raw, 'policy.tags');
      const r = runnerOf(manager, networkId(p, 'policy.tags'));
      const node = p['node_id'];
      if (node !== undefined) {
        if (typeof node !== 'number' || !Number.isInteger(node) || node < 1)
          throw new PolicyError('POLICY_INVALID', 'policy.tags: node_id must be a node id');
        return { network_id: r.networkId, node_id: node, tags: r.tagsOf(node) };
      }
      return { network_id: r.networkId, peers: r.peerList() };
    }),
  ];
  return () => {
    for (const off of offs) off();
  };
}
