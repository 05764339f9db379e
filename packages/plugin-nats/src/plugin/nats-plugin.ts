// The plugin: bus → NATS, the credential refresh loop, the command subject and `nats.status`.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Daemon, EventSubscription, Logger, Plugin, PluginContext } from '@mesh/daemonapi';
import { NatsBridge } from '../bridge/nats-bridge.js';
import type { NatsBridgeStats } from '../bridge/nats-bridge.js';
import { CommandRouter, daemonCommands } from '../commands/command-router.js';
import { loadNatsConfig } from '../config/nats-config.js';
import type { NatsConfig } from '../config/nats-config.js';
import { ConnectionStateRing } from '../connection/state-ring.js';
import type { ConnectionStateEvent } from '../connection/state-ring.js';
import { credentialExpiry, loadCredentials, saveCredentials } from '../credentials/credentials.js';
import type { NatsCredential } from '../credentials/credentials.js';
import { httpsRefresher } from '../credentials/https-refresher.js';
import { RefreshLoop } from '../credentials/refresh-loop.js';

/** The plugin's registration name. */
export const NATS_PLUGIN_NAME = 'nats';
/** The plugin's version (its package version). */
export const NATS_PLUGIN_VERSION = '0.1.0';
/** meshd publishes this topic after a wake from sleep; the plugin refreshes a due credential. */
export const WAKE_TOPIC = 'daemon.wake';

/** Options of {@link createNatsPlugin}. */
export interface NatsPluginOptions {
  /** The configuration; when absent, `nats.json` in the data directory is read. */
  readonly config?: NatsConfig;
  /** Wall clock for the refresh loop, ms (tests). @defaultValue Date.now */
  readonly now?: () => number;
}

/** The `nats.status` result. */
export interface NatsStatusResult extends NatsBridgeStats {
  /** Whether the plugin found a configuration. */
  readonly configured: boolean;
  /** Subject prefix in use, `<prefix>.<node_id>`. */
  readonly subject_prefix: string;
  /** The credential: kind, expiry and refresh timing. */
  readonly credential: {
    readonly kind: string;
    readonly expires_at?: string;
    readonly refresh_state?: string;
    readonly last_refresh_at?: string;
    readonly next_refresh_at?: string;
  };
  /** Recent connection-state changes, oldest first. */
  readonly events: readonly ConnectionStateEvent[];
}

const iso = (ms: number | undefined): string | undefined =>
  ms === undefined || ms === 0 ? undefined : new Date(ms).toISOString();

/**
 * Publishes every bus event to NATS as `<prefix>.<node_id>.<topic>`, keeps its JWT credential
 * fresh from an HTTPS endpoint, records connection-state changes (IPC `nats.status`, shown by
 * `meshctl diag`), and optionally runs allow-listed commands sent to its command subject.
 */
export class NatsPlugin implements Plugin {
  readonly name = NATS_PLUGIN_NAME;
  readonly version = NATS_PLUGIN_VERSION;
  readonly #options: NatsPluginOptions;
  #bridge: NatsBridge | undefined;
  #loop: RefreshLoop | undefined;
  #sub: EventSubscription | undefined;
  #pump: Promise<void> | undefined;
  #offs: (() => void)[] = [];
  #ring = new ConnectionStateRing();
  #config: NatsConfig | undefined;
  #credential: NatsCredential | undefined;
  #log: Logger | undefined;
  #daemon: Daemon | undefined;

  /** @param options - configuration and clock. */
  constructor(options: NatsPluginOptions = {}) {
    this.#options = options;
  }

  /** The bridge (after init), for tests. */
  get bridge(): NatsBridge | undefined {
    return this.#bridge;
  }

  /** The refresh loop, when a refresh endpoint is configured. */
  get refreshLoop(): RefreshLoop | undefined {
    return this.#loop;
  }

  async init(daemon: Daemon, context: PluginContext): Promise<void> {
    this.#daemon = daemon;
    this.#log = context.logger;
    this.#offs.push(daemon.registerMethod('nats.status', () => this.status()));
    const config =
      this.#options.config ??
      (context.dataDir === undefined ? undefined : await loadNatsConfig(context.dataDir));
    this.#config = config;
    if (config === undefined) {
      context.logger.info('nats bridge not configured; write nats.json in its data directory', {
        dir: context.dataDir ?? '',
      });
      return;
    }
    this.#ring = new ConnectionStateRing(config.ringSize ?? 256);
    const base = context.dataDir ?? process.cwd();
    const credFile = path.resolve(base, config.credentialsFile ?? 'credentials.json');
    this.#credential = await loadCredentials(credFile);

    const refresh = config.refresh;
    if (refresh !== undefined && this.#credential !== undefined) {
      const ca = refresh.caFile === undefined ? undefined : await readFile(refresh.caFile);
      const loop = new RefreshLoop({
        refresher: httpsRefresher({
          url: refresh.url,
          ...(refresh.bearer !== undefined ? { bearer: refresh.bearer } : {}),
          ...(ca !== undefined ? { ca } : {}),
        }),
        skewMs: (refresh.skewSeconds ?? 30) * 1000,
        ...(refresh.backoffBaseMs !== undefined ? { backoffBaseMs: refresh.backoffBaseMs } : {}),
        ...(this.#options.now !== undefined ? { now: this.#options.now } : {}),
        onRefreshed: async (credential) => {
          this.#credential = credential;
          await saveCredentials(credFile, credential);
          const exp = credentialExpiry(credential);
          this.#event('refresh', exp === undefined ? undefined : `expires ${iso(exp * 1000)}`);
          daemon.publishEvent('nats.credentials_refreshed', {
            ...(exp !== undefined ? { expires_at: iso(exp * 1000) } : {}),
          });
          await this.#bridge?.reconnectNow();
        },
        onError: (error) => {
          this.#event('refresh_error', error.message);
          daemon.publishEvent('nats.refresh_error', { reason: error.message });
        },
        onUnauthorized: (error) => {
          this.#event('unauthorized', error.message);
          daemon.publishEvent('nats.refresh_unauthorized', { reason: error.message });
          context.logger.error('nats credential refresh stopped: unauthorized', {
            error: error.message,
          });
        },
      });
      loop.start(this.#credential);
      this.#loop = loop;
    }

    const prefix = config.prefix ?? 'mesh';
    const commands = config.commands;
    const bridge = new NatsBridge({
      servers: config.servers,
      prefix,
      nodeId: () => daemon.nodeId(),
      credential: () => this.#loop?.current() ?? this.#credential,
      bufferSize: config.bufferSize ?? 1024,
      ring: this.#ring,
      onState: (type, reason) =>
        daemon.publishEvent(`nats.${type}`, reason === undefined ? {} : { reason }),
      ...(commands?.enabled === true
        ? {
            commands: {
              subject: commands.subject ?? `${prefix}.${daemon.nodeId()}.cmd`,
              router: new CommandRouter(daemonCommands(daemon), commands.allow ?? []),
            },
          }
        : {}),
      ...(config.reconnectWaitMs !== undefined ? { reconnectWaitMs: config.reconnectWaitMs } : {}),
      logger: context.logger,
    });
    this.#bridge = bridge;
    const sub = daemon.bus().subscribe('*', { bufferSize: config.bufferSize ?? 1024 });
    this.#sub = sub;
    this.#pump = (async () => {
      for await (const event of sub) {
        if (event.topic === WAKE_TOPIC) void this.#onWake();
        bridge.publish(event);
      }
    })();
    bridge.start();
  }

  async shutdown(): Promise<void> {
    for (const off of this.#offs.splice(0).reverse()) off();
    this.#sub?.close();
    await this.#pump;
    this.#loop?.stop();
    await this.#bridge?.close();
  }

  /** The `nats.status` result. */
  status(): NatsStatusResult {
    const stats: NatsBridgeStats = this.#bridge?.stats() ?? {
      state: 'unconfigured',
      server: '',
      published: 0,
      buffered: 0,
      dropped: 0,
    };
    const cred = this.#loop?.current() ?? this.#credential;
    const exp = cred === undefined ? undefined : credentialExpiry(cred);
    const loop = this.#loop;
    const credential: Record<string, string> & { kind: string } = { kind: cred?.kind ?? 'none' };
    const fields: [string, string | undefined][] = [
      ['expires_at', exp === undefined ? undefined : iso(exp * 1000)],
      ['refresh_state', loop?.state],
      ['last_refresh_at', iso(loop?.lastRefreshAt)],
      ['next_refresh_at', iso(loop?.nextDueAt)],
    ];
    for (const [k, v] of fields) if (v !== undefined) credential[k] = v;
    return {
      ...stats,
      dropped: stats.dropped + (this.#sub?.dropped ?? 0),
      configured: this.#config !== undefined,
      subject_prefix: `${this.#config?.prefix ?? 'mesh'}.${this.#daemon?.nodeId() ?? 0}`,
      credential,
      events: this.#ring.snapshot(),
    };
  }

  #event(type: string, reason?: string): void {
    this.#ring.append(type, reason);
  }

  async #onWake(): Promise<void> {
    this.#event('wake');
    try {
      await this.#loop?.refreshNowIfDue();
    } catch (err) {
      this.#log?.warn('refresh after wake failed; the loop retries', {
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }
}

/**
 * Builds a NATS plugin instance (the factory registered under `nats`).
 * @param options - configuration and clock.
 * @returns a fresh plugin.
 */
export function createNatsPlugin(options: NatsPluginOptions = {}): NatsPlugin {
  return new NatsPlugin(options);
}
