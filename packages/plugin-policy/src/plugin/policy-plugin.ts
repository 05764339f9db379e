import { mkdir } from 'node:fs/promises';
import { PolicyManagerKey, registerPlugin } from '@mesh/daemonapi';
import type { Daemon, Plugin, PluginContext } from '@mesh/daemonapi';
import { PolicyRunnerManager } from '../runner/manager.js';
import { registerPolicyMethods } from './methods.js';

/** The plugin's name (and the prefix of its IPC methods). */
export const POLICY_PLUGIN_NAME = 'policy';

/**
 * The policy plugin: provides the daemon's {@link PolicyManagerKey} service (one runner per
 * network), resumes persisted policies at start and adds the `policy.*` IPC methods.
 */
export class PolicyPlugin implements Plugin {
  readonly name = POLICY_PLUGIN_NAME;
  readonly version = '0.1.0';
  readonly provides = [PolicyManagerKey];
  #manager: PolicyRunnerManager | undefined;
  #offs: (() => void)[] = [];

  /** The manager, once initialised. */
  get manager(): PolicyRunnerManager | undefined {
    return this.#manager;
  }

  async init(daemon: Daemon, ctx: PluginContext): Promise<void> {
    if (ctx.dataDir !== undefined) await mkdir(ctx.dataDir, { recursive: true, mode: 0o700 });
    const manager = new PolicyRunnerManager({
      daemon,
      logger: ctx.logger,
      ...(ctx.dataDir === undefined ? {} : { dataDir: ctx.dataDir }),
    });
    this.#manager = manager;
    this.#offs.push(daemon.services().provide(PolicyManagerKey, manager));
    this.#offs.push(registerPolicyMethods(daemon, manager));
    await manager.loadPersisted();
  }

  async shutdown(): Promise<void> {
    for (const off of this.#offs.splice(0).reverse()) off();
    await this.#manager?.stopAll();
  }
}

registerPlugin(POLICY_PLUGIN_NAME, () => new PolicyPlugin());
