// The daemon process: engine + IPC server + pid file + event log + wake detector + reload.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { IpcServer, MethodRegistry } from '@mesh/ipc';
import { loadConfigFile, resolveConfig } from '../config/config.js';
import type { MeshdConfig } from '../config/config.js';
import type { MeshdFlags } from '../config/flags.js';
import type { HandshakeEngine, NodeEngine, PluginEngine, StreamEngine } from '../ipc/engine.js';
import { registerEventsHandlers } from '../ipc/handlers/events.js';
import type { EventsBus } from '../ipc/handlers/events.js';
import { registerAdminHandlers } from '../ipc/handlers/admin.js';
import type { AdminEngine } from '../ipc/handlers/admin.js';
import { registerHandshakeHandlers } from '../ipc/handlers/handshake.js';
import { registerNetworkHandlers, syncNetworkPolicies } from '../ipc/handlers/networks.js';
import { applyWebhook, registerNodeHandlers } from '../ipc/handlers/node.js';
import type { WebhookSetting } from '../ipc/handlers/node.js';
import {
  bridgePluginMethods,
  registerDiagHandler,
  registerPluginHandlers,
} from '../ipc/handlers/plugins.js';
import { StreamHub } from '../ipc/handlers/streams.js';
import { execPluginStatus } from '../exec-plugins.js';
import { ConnectionEventLog } from '../lifecycle/event-log.js';
import { acquirePidFile } from '../lifecycle/pid-file.js';
import type { PidFile } from '../lifecycle/pid-file.js';
import { WakeDetector } from '../lifecycle/wake-detector.js';
import type { WakeDetectorOptions } from '../lifecycle/wake-detector.js';
import type { MeshdLogger } from '../logging/logger.js';
import { LinkMonitor } from './link-monitor.js';
import type { BusView } from './link-monitor.js';

/** Everything meshd needs from the engine (`@mesh/daemon`'s Daemon satisfies it). */
export interface MeshdEngine
  extends StreamEngine, NodeEngine, HandshakeEngine, PluginEngine, AdminEngine {
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
  bus(): BusView & EventsBus;
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

/** The URL the webhook plugin restored from its state file, `''` without the plugin. */
async function persistedWebhookUrl(engine: MeshdEngine): Promise<string> {
  const status = engine.method('webhook.status');
  if (!status) return '';
  try {
    const r = (await status({}, { signal: new AbortController().signal })) as { url?: unknown };
    return typeof r.url === 'string' ? r.url : '';
  } catch {
    return '';
  }
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
  readonly #webhook: WebhookSetting = { url: '' };
  #stopping: Promise<void> | undefined;
  #refusals: { close(): void } | undefined;
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
      this.#logRefusals(engine.bus());
      await engine.start();
      if (config.beacon !== undefined) this.links.record('connect', 'beacon', config.beacon);
      // A webhook URL without a webhook plugin fails the start: it would silently do nothing.
      if (config.webhook !== '') applyWebhook(engine, config.webhook);
      // Without a configured URL, the one the webhook plugin restored from its state file.
      this.#webhook.url =
        config.webhook !== '' ? config.webhook : await persistedWebhookUrl(engine);
      const registry = new MethodRegistry();
      this.#hub = new StreamHub(engine, {
        ...(config.timeouts.dial !== undefined ? { dialTimeoutMs: config.timeouts.dial } : {}),
      });
      this.#hub.register(registry);
      registerNodeHandlers(registry, engine, this.#webhook, {
        pid: process.pid,
        registryState: () => this.links.state('registry'),
      });
      registerHandshakeHandlers(registry, engine);
      registerNetworkHandlers(registry, engine);
      registerAdminHandlers(registry, engine, this.#opts.version);
      registerPluginHandlers(registry, engine, execPluginStatus);
      registerDiagHandler(registry, this.events, this.links);
      registerEventsHandlers(registry, engine.bus());
      bridgePluginMethods(registry, engine);
      this.#ipc = new IpcServer({
        socketPath: config.socket,
        registry,
        daemonVersion: this.#opts.version,
        // The daemonapi Logger is structurally an IpcLogger: one logger interface throughout.
        logger: this.#log.child('ipc'),
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
        address: engine.snapshot().address,
        pid: process.pid,
      });
    } catch (err) {
      await this.stop('start failed');
      throw err;
    }
  }

  // Each refused inbound stream or datagram, with the reason the dialer cannot see (RST has
  // none), and each arrival through the data-exchange service.
  #logRefusals(bus: BusView): void {
    const log = this.#log.child('gate');
    const subs = ['syn.rejected', 'datagram.rejected'].map((topic) => {
      const sub = bus.subscribe(topic);
      void (async () => {
        for await (const e of sub)
          log.debug(topic === 'syn.rejected' ? 'refused a stream' : 'refused a datagram', {
            from_node: e.payload['src_node_id'],
            port: e.payload['dst_port'],
            reason: e.payload['reason'],
          });
      })();
      return sub;
    });
    // Arrivals through the data-exchange service: what came, from whom, where it was saved.
    const data = this.#log.child('data');
    for (const topic of ['file.received', 'message.received']) {
      const sub = bus.subscribe(topic);
      void (async () => {
        for await (const e of sub)
          data.info(topic === 'file.received' ? 'file received' : 'message received', {
            from: e.payload['from'],
            ...(topic === 'file.received'
              ? { file: e.payload['filename'], bytes: e.payload['size'] }
              : { type: e.payload['type'], bytes: e.payload['size'] }),
            path: e.payload['path'],
          });
      })();
      subs.push(sub);
    }
    this.#refusals = { close: () => subs.forEach((s) => s.close()) };
  }

  async #onWake(gapMs: number): Promise<void> {
    this.links.record('wake', 'daemon', `wall-clock jump of ${Math.round(gapMs / 1000)} s`);
    const engine = this.#engine;
    if (!engine) return;
    // Plugins react too (the NATS bridge refreshes a credential that expired during sleep).
    engine.bus().publish('daemon.wake', { gap_ms: gapMs });
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
    this.#log.setLevel(next.logLevel);
    if (engine) {
      // Only a changed config value wins: a URL set at runtime (set-webhook) survives a reload.
      if (next.webhook !== this.#config.webhook && next.webhook !== this.#webhook.url) {
        applyWebhook(engine, next.webhook);
        this.#webhook.url = next.webhook;
      }
      // Only keys the file changed: a reload does not undo a `set.*` made since.
      const before = this.#config;
      if (next.hostname !== before.hostname) await engine.setHostname(next.hostname);
      if (next.public !== before.public) await engine.setVisibility(next.public);
    }
    this.#config = { ...next, socket: this.#config.socket, home: this.#config.home };
    this.links.record('reload', 'daemon', this.#config.configPath ?? 'no config file');
    // Plugins re-read their own state files on this event (the webhook's URL and topics).
    engine?.bus().publish('daemon.reload', { config: this.#config.configPath ?? '' });
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
      this.#refusals?.close();
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
