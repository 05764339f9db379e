// The Plugin object the engine sees for an out-of-process plugin: init launches the process,
// serves the daemon to it over the broker and forwards the contract's hooks; a crash is
// restarted with backoff (the daemon keeps running); shutdown stops the process group.
import type { Daemon, Logger, Plugin, PluginContext, PluginPayload } from '@mesh/daemonapi';
import { PluginExitedError } from '@mesh/goplugin';
import { DaemonService } from '../daemon/daemon-service.js';
import { unary } from '../daemon/rpc.js';
import { PluginProcess } from '../launch/plugin-process.js';
import type { LaunchOptions } from '../launch/plugin-process.js';

/** What a plugin process reported about itself (mesh.plugin.v1.Description). */
export interface PluginDescription {
  readonly name: string;
  readonly version: string;
  readonly payload_kinds: readonly string[];
  readonly provides: readonly string[];
  readonly needs: readonly string[];
  readonly handles_peer_forgotten: boolean;
}

/** Restart policy after a crash. */
export interface RestartPolicy {
  /** Restarts allowed in total before giving up. @defaultValue 5 */
  readonly maxRestarts?: number;
  /** First delay. @defaultValue 100 */
  readonly initialDelayMs?: number;
  /** Delay cap (doubling). @defaultValue 5000 */
  readonly maxDelayMs?: number;
}

/** Options of {@link ProcessPlugin}. */
export interface ProcessPluginOptions extends Omit<LaunchOptions, 'logger'> {
  /** Registration name (what `meshctl plugins` shows). */
  readonly name: string;
  /** The description read with `describePlugin` (payload kinds, version). */
  readonly description?: PluginDescription;
  /** Crash restarts. */
  readonly restart?: RestartPolicy;
  /** How long the plugin has to exit after Shutdown before its group is killed. @defaultValue 2000 */
  readonly shutdownTimeoutMs?: number;
  /** Logger when init's context gives none. */
  readonly logger?: Logger;
}

/** Supervision state, for `meshctl plugins`. */
export interface ProcessPluginStatus {
  /** `starting`, `running`, `restarting`, `failed` or `stopped`. */
  readonly state: 'idle' | 'starting' | 'running' | 'restarting' | 'failed' | 'stopped';
  /** Current pid (0 when not running). */
  readonly pid: number;
  /** Restarts after crashes so far. */
  readonly restarts: number;
  /** The last error (exit reason or error line). */
  readonly lastError?: string;
}

/** An out-of-process plugin as an ordinary {@link Plugin}. */
export class ProcessPlugin implements Plugin {
  readonly name: string;
  readonly version?: string;
  readonly payloadKinds?: readonly string[];
  readonly #options: ProcessPluginOptions;
  #process: PluginProcess | undefined;
  #service: DaemonService | undefined;
  #daemon: Daemon | undefined;
  #context: PluginContext | undefined;
  #state: ProcessPluginStatus['state'] = 'idle';
  #restarts = 0;
  #lastError: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopping = false;
  readonly #restartWaiters = new Set<() => void>();

  /** @param options - executable, name, policies. */
  constructor(options: ProcessPluginOptions) {
    this.#options = options;
    this.name = options.name;
    if (options.description !== undefined) {
      if (options.description.version !== '') this.version = options.description.version;
      this.payloadKinds = [...options.description.payload_kinds];
    }
    if (options.description?.handles_peer_forgotten !== false)
      this.onPeerForgotten = async (nodeId: number): Promise<void> => {
        await unary(this.#live().plugin, 'PeerForgotten', { node_id: nodeId });
      };
  }

  /** Supervision state. */
  status(): ProcessPluginStatus {
    return {
      state: this.#state,
      pid: this.#process !== undefined && !this.#process.hasExited ? this.#process.pid : 0,
      restarts: this.#restarts,
      ...(this.#lastError === undefined ? {} : { lastError: this.#lastError }),
    };
  }

  /** The running process (tests kill it to check supervision). */
  get process(): PluginProcess | undefined {
    return this.#process;
  }

  /** Resolves after the next successful restart. */
  restarted(): Promise<void> {
    return new Promise((resolve) => this.#restartWaiters.add(resolve));
  }

  async init(daemon: Daemon, context: PluginContext): Promise<void> {
    this.#daemon = daemon;
    this.#context = context;
    this.#stopping = false;
    this.#state = 'starting';
    await this.#start();
    this.#state = 'running';
  }

  async #start(): Promise<void> {
    const daemon = this.#daemon;
    const context = this.#context;
    if (daemon === undefined || context === undefined) return;
    const logger = context.logger;
    const proc = await PluginProcess.launch({ ...this.#options, logger });
    this.#process = proc;
    const service = new DaemonService(daemon, context, proc.plugin);
    this.#service = service;
    void proc.exited.then((how) => this.#onExit(proc, how));
    try {
      const id = proc.broker.nextId();
      await proc.broker.acceptAndServe(id, (server) => service.register(server));
      const identity = daemon.identity();
      const addr = daemon.addr();
      await unary(proc.plugin, 'Init', {
        daemon_broker_id: id,
        node_id: daemon.nodeId(),
        network: addr.network,
        public_key: identity?.publicKey ?? new Uint8Array(0),
        identity_path: daemon.identityPath() ?? '',
        admin_token: daemon.adminToken() ?? '',
        trust_auto_approve: daemon.trustAutoApprove(),
        version_info_json: JSON.stringify(daemon.versionInfo()),
        data_dir: context.dataDir ?? '',
        services: daemon.services().names(),
        has_registry: daemon.registryClient() !== undefined,
      });
    } catch (error) {
      service.close();
      await proc.kill();
      throw error;
    }
  }

  #onExit(proc: PluginProcess, how: string): void {
    if (proc !== this.#process) return;
    this.#service?.close();
    this.#service = undefined;
    proc.close();
    if (this.#stopping) return;
    this.#lastError =
      proc.log.lastError === undefined ? how : `${how}; last error: ${proc.log.lastError}`;
    this.#context?.logger.error('plugin process exited unexpectedly', {
      plugin: this.name,
      reason: this.#lastError,
    });
    this.#scheduleRestart();
  }

  #scheduleRestart(): void {
    const policy = this.#options.restart ?? {};
    if (this.#restarts >= (policy.maxRestarts ?? 5)) {
      this.#state = 'failed';
      return;
    }
    this.#state = 'restarting';
    const delay = Math.min(
      (policy.initialDelayMs ?? 100) * 2 ** this.#restarts,
      policy.maxDelayMs ?? 5000,
    );
    this.#restarts++;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#stopping) return;
      this.#start().then(
        () => {
          this.#state = 'running';
          for (const w of this.#restartWaiters) w();
          this.#restartWaiters.clear();
        },
        (error: unknown) => {
          this.#lastError = error instanceof Error ? error.message : String(error);
          this.#scheduleRestart();
        },
      );
    }, delay);
  }

  #live(): PluginProcess {
    const proc = this.#process;
    if (proc === undefined || proc.hasExited || this.#state !== 'running')
      throw new PluginExitedError(this.#options.path, `plugin ${this.name} is ${this.#state}`);
    return proc;
  }

  async handlePayload(source: number, payload: PluginPayload): Promise<void> {
    await unary(this.#live().plugin, 'HandlePayload', {
      source,
      kind: payload.kind,
      body: payload.body,
    });
  }

  readonly onPeerForgotten?: (nodeId: number) => Promise<void>;

  async shutdown(signal: AbortSignal): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const proc = this.#process;
    if (proc === undefined || this.#state === 'stopped') {
      this.#state = this.#state === 'idle' ? 'idle' : 'stopped';
      return;
    }
    const deadline = this.#options.shutdownTimeoutMs ?? 2000;
    if (!proc.hasExited) {
      if (signal.aborted) await proc.kill();
      else {
        const onAbort = (): void => void proc.kill();
        signal.addEventListener('abort', onAbort, { once: true });
        try {
          await unary(proc.plugin, 'Shutdown', { deadline_ms: deadline }, deadline).catch(
            (e: unknown) =>
              this.#context?.logger.warn('plugin shutdown failed', {
                error: e instanceof Error ? e.message : String(e),
              }),
          );
          await proc.stop(deadline);
        } finally {
          signal.removeEventListener('abort', onAbort);
        }
      }
    }
    this.#service?.close();
    this.#service = undefined;
    proc.close();
    this.#state = 'stopped';
  }
}
