// The plugin: installs the handshake service for the engine's trust gate and meshd's IPC.
import { HandshakeServiceKey, type Daemon, type Plugin, type PluginContext } from '@mesh/daemonapi';
import { HandshakeManager } from '../manager/handshake-manager.js';
import { resolveHandshakeOptions, type HandshakeOptions } from '../manager/options.js';

/** The plugin's registered name. */
export const HANDSHAKE_PLUGIN_NAME = 'handshake';

/** The package version, shown by `meshctl plugins`. */
export const HANDSHAKE_PLUGIN_VERSION = '0.1.0';

/**
 * The trust-handshake plugin (port 444). It provides `HandshakeServiceKey`; it reads the
 * trusted-agents checker lazily (`services().get(TrustCheckerKey)`), so it works without one.
 */
export class HandshakePlugin implements Plugin {
  /** @inheritdoc */
  readonly name = HANDSHAKE_PLUGIN_NAME;
  /** @inheritdoc */
  readonly version = HANDSHAKE_PLUGIN_VERSION;
  /** @inheritdoc */
  readonly provides = [HandshakeServiceKey];
  readonly #options: HandshakeOptions;
  #manager: HandshakeManager | undefined;
  #unprovide: (() => void) | undefined;

  /** @param options - tunables; the defaults are the reference values. */
  constructor(options: HandshakeOptions = {}) {
    this.#options = options;
  }

  /** The running service, between `init` and `shutdown`. */
  get service(): HandshakeManager | undefined {
    return this.#manager;
  }

  /** @inheritdoc */
  init(daemon: Daemon, context: PluginContext): void {
    const manager = new HandshakeManager(daemon, {
      logger: context.logger,
      ...(context.dataDir === undefined ? {} : { dataDir: context.dataDir }),
      options: resolveHandshakeOptions(this.#options),
    });
    this.#manager = manager;
    manager.start();
    this.#unprovide = daemon.services().provide(HandshakeServiceKey, manager);
  }

  /** @inheritdoc */
  async shutdown(signal: AbortSignal): Promise<void> {
    this.#unprovide?.();
    this.#unprovide = undefined;
    const manager = this.#manager;
    this.#manager = undefined;
    if (manager === undefined) return;
    await Promise.race([
      manager.stop(),
      new Promise<void>((resolve) => {
        if (signal.aborted) resolve();
        else signal.addEventListener('abort', () => resolve(), { once: true });
      }),
    ]);
  }
}
