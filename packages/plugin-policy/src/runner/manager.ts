// One runner per network (reference: plugins/policy manager — Start, Stop, Get, All, StopAll,
// LoadPersisted), registered as the daemon's PolicyManager service.
import type { Daemon, Logger, PolicyManager, PolicyRunner } from '@mesh/daemonapi';
import { loadPolicy } from '../policy/document.js';
import { readStates } from '../state/state-file.js';
import type { RunnerState } from '../state/state-file.js';
import { NetworkPolicyRunner } from './runner.js';
import type { RunnerDeps } from './runner.js';

/** Options of {@link PolicyRunnerManager}. */
export interface PolicyManagerOptions {
  /** The daemon. */
  readonly daemon: Daemon;
  /** Logger. */
  readonly logger: Logger;
  /** State directory; without it nothing is persisted. */
  readonly dataDir?: string;
  /** Clock, unix ms. */
  readonly now?: () => number;
  /** Random source in [0, 1). */
  readonly random?: () => number;
}

/** The policy manager: starts, replaces and stops per-network runners and persists them. */
export class PolicyRunnerManager implements PolicyManager {
  readonly #runners = new Map<number, NetworkPolicyRunner>();
  readonly #deps: RunnerDeps;

  /** @param options - daemon, logger, state directory */
  constructor(options: PolicyManagerOptions) {
    this.#deps = options;
  }

  /**
   * Loads `policyJson` (refusing it whole when anything is invalid) and runs it for `networkId`,
   * replacing the running policy; the managed peer set and cycle count carry over.
   */
  async start(networkId: number, policyJson: string): Promise<PolicyRunner> {
    const policy = loadPolicy(policyJson);
    const old = this.#runners.get(networkId);
    let state: RunnerState | undefined;
    if (old) {
      state = { ...old.snapshot(), policy: policy.json };
      await old.stop();
    }
    const runner = new NetworkPolicyRunner(networkId, policy, this.#deps, state);
    this.#runners.set(networkId, runner);
    await runner.flush();
    runner.start();
    this.#deps.logger.info('policy started', { network_id: networkId, rules: policy.rules.length });
    return runner;
  }

  /** Stops the network's policy and deletes its state file. */
  async stop(networkId: number): Promise<void> {
    const runner = this.#runners.get(networkId);
    if (!runner) return;
    this.#runners.delete(networkId);
    await runner.stop();
    await runner.forget();
  }

  get(networkId: number): NetworkPolicyRunner | undefined {
    return this.#runners.get(networkId);
  }

  all(): NetworkPolicyRunner[] {
    return [...this.#runners.values()];
  }

  /** Stops every runner, keeping their state files for the next start. */
  async stopAll(): Promise<void> {
    const runners = [...this.#runners.values()];
    this.#runners.clear();
    await Promise.all(runners.map((r) => r.stop()));
  }

  /** Resumes every `policy_<net>.json` under the state directory; bad files are logged and skipped. */
  async loadPersisted(): Promise<void> {
    const dir = this.#deps.dataDir;
    if (dir === undefined) return;
    const states = await readStates(dir, (file, error) =>
      this.#deps.logger.error('policy state file unreadable; skipped', {
        file,
        error: error.message,
      }),
    );
    for (const state of states) {
      if (this.#runners.has(state.network_id)) continue;
      try {
        const runner = new NetworkPolicyRunner(
          state.network_id,
          loadPolicy(state.policy),
          this.#deps,
          state,
        );
        this.#runners.set(state.network_id, runner);
        runner.start();
      } catch (err) {
        this.#deps.logger.error('persisted policy no longer loads; skipped', {
          network_id: state.network_id,
          error: (err as Error).message,
        });
      }
    }
  }
}
