// The daemon process: engine + IPC server + pid file + event log + wake detector + reload.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { IpcServer, MethodRegistry } from '@mesh/ipc';
import type { IpcLogger } from '@mesh/ipc';
import { loadConfigFile, resolveConfig } from '../config/config.js';
import type { MeshdConfig } from '../config/config.js';
import type { MeshdFlags } from '../config/flags.js';
import type { HandshakeEngine, NodeEngine, PluginEngine, StreamEngine } from '../ipc/engine.js';
import { registerHandshakeHandlers } from '../ipc/handlers/handshake.js';
import { registerNetworkHandlers, syncNetworkPolicies } from '../ipc/handlers/networks.js';
import { registerNodeHandlers } from '../ipc/handlers/node.js';
import type { NodeSettings } from '../ipc/handlers/node.js';
import {
  bridgePluginMethods,
  registerDiagHandler,
  registerPluginHandlers,
} from '../ipc/handlers/plugins.js';
import { StreamHub } from '../ipc/handlers/streams.js';
import { ConnectionEventLog } from '../lifecycle/event-log.js';
import { acquirePidFile } from '../lifecycle/pid-file.js';
import type { PidFile } from '../lifecycle/pid-file.js';
import { WakeDetector } from '../lifecycle/wake-detector.js';
import type { WakeDetectorOptions } from '../lifecycle/wake-detector.js';
import type { MeshdLogger } from '../logging/logger.js';
import { LinkMonitor } from './link-monitor.js';
import type { BusView } from './link-monitor.js';

/** Everything meshd needs from the engine (`@mesh/daemon`'s Daemon satisfies it). */
export interface MeshdEngine extends StreamEngine, NodeEngine, HandshakeEngine, PluginEngine {
  /** Brings the engine online. */
  start(): Promise<void>;
  /**
   * Stops it: plugins (with their deadline), FIN on every open connection before the tunnel
   * closes (the engine flushes those FINs itself), tunnel, registry.
   */
  stop(): Promise<void>;
  /** One heartbeat now; false when it failed. */
  heartbeatNow(): Promise<boolean>;
  /** The event bus. */
  bus(): BusView;
}

/** Options of {@link Meshd}. */
export interface MeshdOptions {
  /** The effective configuration. */
  readonly config: MeshdConfig;
  /** The command-line flags (reload re-merges the config file under them). */
  readonly flags: MeshdFlags;
  /** The logger. */
  readonly logger: MeshdLogger;
  /** Builds the engine for a configuration. */
  readonly createEngine: (config: MeshdConfig, logger: MeshdLogger) => MeshdEngine;
  /** Daemon version for `rpc.hello`. */
  readonly version: string;
  /** Wake-detector tuning (tests inject a clock). @defaultValue 30 s ticks, 60 s tolerance */
  readonly wake?: Omit<WakeDetectorOptions, 'onWake'>;
}

/** State files under MESH_HOME. */
export function statePaths(home: string): { pid: string; events: string; log: string } {
  return {
    pid: path.join(home, 'meshd.pid'),
    events: path.join(home, 'connection-events.jsonl'),
    log: path.join(home, 'meshd.log'),
  };
}

/**
 * One running daemon. `start` claims the pid file, starts the engine and serves IPC;
 * `stop` reverses it (idempotent); `reload` re-reads the config file.
 */
export class Meshd {
  readonly #opts: MeshdOptions;
  #config: MeshdConfig;
  readonly #log: MeshdLogger;
  readonly events: ConnectionEventLog;
  readonly links: LinkMonitor;
  #engine: MeshdEngine | undefined;
  #ipc: IpcServer | undefined;
  #pid: PidFile | undefined;
  #wake: WakeDetector | undefined;
  #hub: StreamHub | undefined;
  #settings: NodeSettings | undefined;
  #stopping: Promise<void> | undefined;
  #started = false;

  /** @param options - config, logger and engine factory. */
  constructor(options: MeshdOptions) {
    this.#opts = options;
    this.#config = options.config;
    this.#log = options.logger;
    this.events = new ConnectionEventLog({ file: statePaths(options.config.home).events });
    this.links = new LinkMonitor(this.events);
  }

  /** The effective configuration. */
  get config(): MeshdConfig {
    return this.#config;
  }

  /** The IPC socket path. */
  get socketPath(): string {
    return this.#config.socket;
  }

  /** Starts everything; on failure, undoes what was done and rethrows. */
  async start(): Promise<void> {
    const config = this.#config;
    mkdirSync(config.home, { recursive: true, mode: 0o700 });
    mkdirSync(path.dirname(config.socket), { recursive: true, mode: 0o700 });
    this.#pid = await acquirePidFile(statePaths(config.home).pid);
    try {
      this.events.load();
      this.links.record('daemon_start', 'daemon', `pid ${process.pid}`);
      const engine = this.#opts.createEngine(config, this.#log);
      this.#engine = engine;
      this.links.follow(engine.bus());
      await engine.start();
      if (config.beacon !== undefined) this.links.record('connect', 'beacon', config.beacon);
      if (config.webhook !== '') engine.setWebhookUrl(config.webhook);
      this.#settings = {
        hostname: config.hostname,
        public: config.public,
        tags: [],
        webhook: config.webhook,
      };
      const registry = new MethodRegistry();
      this.#hub = new StreamHub(engine);
      this.#hub.register(registry);
      registerNodeHandlers(registry, engine, this.#settings, {
        pid: process.pid,
        registryState: () => this.links.state('registry'),
      });
      registerHandshakeHandlers(registry, engine);
      registerNetworkHandlers(registry, engine);
      registerPluginHandlers(registry, engine);
      registerDiagHandler(registry, this.events, this.links);
      bridgePluginMethods(registry, engine);
      const ipcLog = this.#log.child('ipc');
      const ipcLogger: IpcLogger = {
        warn: (m, f) => ipcLog.warn(m, f),
        debug: (m, f) => ipcLog.debug(m, f),
      };
      this.#ipc = new IpcServer({
        socketPath: config.socket,
        registry,
        daemonVersion: this.#opts.version,
        logger: ipcLogger,
      });
      await this.#ipc.listen();
      this.#wake = new WakeDetector({
        ...this.#opts.wake,
        onWake: (gap) => void this.#onWake(gap),
      });
      this.#wake.start();
      this.#started = true;
      // Managed networks: run each network's registry policy in the policy plugin (if loaded).
      void syncNetworkPolicies(engine).catch((err: unknown) =>
        this.#log.warn('network policy sync failed', { error: String(err) }),
      );
      this.#log.info('ready', {
        socket: config.socket,
        address: engine.info().address,
        pid: process.pid,
      });
    } catch (err) {
      await this.stop('start failed');
      throw err;
    }
  }

  async #onWake(gapMs: number): Promise<void> {
    this.links.record('wake', 'daemon', `wall-clock jump of ${Math.round(gapMs / 1000)} s`);
    const engine = this.#engine;
    if (!engine) return;
    // Heartbeat at once: re-announces to the beacon, and re-registers after repeated failures.
    // Its outcome reaches the link monitor as registry.* bus events.
    await engine.heartbeatNow();
  }

  /**
   * Re-reads the config file (SIGHUP) and applies what can change live: log level, webhook,
   * hostname and visibility. Other keys need a restart.
   */
  async reload(): Promise<void> {
    const file =
      this.#config.configPath === undefined ? {} : await loadConfigFile(this.#config.configPath);
    const next = resolveConfig(this.#opts.flags, file);
    const engine = this.#engine;
    const settings = this.#settings;
    this.#log.setLevel(next.logLevel);
    if (engine && settings) {
      if (next.webhook !== settings.webhook) {
        engine.setWebhookUrl(next.webhook);
        settings.webhook = next.webhook;
      }
      const registry = engine.rawRegistryClient();
      if (registry && next.hostname !== settings.hostname)
        settings.hostname = await registry.setHostname(next.hostname);
      if (registry && next.public !== settings.public) {
        await registry.setVisibility(next.public);
        settings.public = next.public;
      }
    }
    this.#config = { ...next, socket: this.#config.socket, home: this.#config.home };
    this.links.record('reload', 'daemon', this.#config.configPath ?? 'no config file');
    this.#log.info('configuration reloaded', { config: this.#config.configPath ?? '' });
  }

  /**
   * Stops IPC, the engine (plugins with their deadline, FIN on open connections), records the
   * stop and releases the pid file. Idempotent.
   * @param reason - why, for the event log.
   */
  stop(reason = 'stopped'): Promise<void> {
    this.#stopping ??= (async () => {
      this.#wake?.stop();
      // Clients' connections are ended with FIN as IPC closes; the engine's stop delivers them.
      this.#hub?.dispose();
      await this.#ipc
        ?.close()
        .catch((err: unknown) => this.#log.warn('ipc close failed', { error: String(err) }));
      await this.#engine
        ?.stop()
        .catch((err: unknown) => this.#log.warn('engine stop failed', { error: String(err) }));
      // Let the link monitor record the engine's last events (deregistration) first.
      await new Promise((resolve) => setImmediate(resolve));
      this.links.stop();
      // The engine reports no beacon events of its own; its tunnel closed with the engine.
      if (this.#started && this.#config.beacon !== undefined)
        this.links.record('closed', 'beacon', 'daemon stopping');
      this.links.record('daemon_stop', 'daemon', reason);
      await this.#pid?.release();
      this.#log.info('stopped', { reason });
    })();
    return this.#stopping;
  }
}
