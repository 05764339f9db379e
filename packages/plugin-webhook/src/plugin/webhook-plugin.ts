// The plugin: bus → dispatcher, the WebhookManager service, IPC methods and persisted state.
import { WebhookManagerKey } from '@mesh/daemonapi';
import type {
  Daemon,
  EventSubscription,
  Logger,
  Plugin,
  PluginContext,
  WebhookManager,
  WebhookStats,
} from '@mesh/daemonapi';
import { WebhookError } from '../errors.js';
import { WebhookDispatcher } from '../delivery/dispatcher.js';
import type { WebhookDispatcherOptions, WebhookStatus } from '../delivery/dispatcher.js';
import { loadWebhookState, saveWebhookState } from '../state/webhook-state.js';
import type { WebhookState } from '../state/webhook-state.js';
import { checkWebhookUrl, isForbiddenAddress } from '../url/url-policy.js';

/** The plugin's registration name. */
export const WEBHOOK_PLUGIN_NAME = 'webhook';
/** The plugin's version (its package version). */
export const WEBHOOK_PLUGIN_VERSION = '0.1.0';
/** The bus topic meshd publishes after a SIGHUP reload; the plugin re-reads its state file then. */
export const RELOAD_TOPIC = 'daemon.reload';

/** Options of {@link createWebhookPlugin}. */
export interface WebhookPluginOptions extends WebhookDispatcherOptions {
  /** How long shutdown keeps delivering queued events, ms. @defaultValue 5000 */
  readonly drainTimeoutMs?: number;
}

/** The `webhook.status` result (snake_case like the rest of the IPC surface). */
export interface WebhookStatusResult {
  /** Target URL, `''` when off. */
  readonly url: string;
  /** Topic allow-list; empty forwards everything. */
  readonly topics: readonly string[];
  /** Whether bodies are signed. */
  readonly signed: boolean;
  /** Events waiting. */
  readonly queued: number;
  /** `closed`, `open` or `half-open`. */
  readonly breaker: string;
  /** Counters. */
  readonly stats: {
    readonly dropped: number;
    readonly circuit_skips: number;
    readonly delivered: number;
    readonly failed: number;
  };
}

/** The snake_case IPC shape of a dispatcher status. */
function toResult(status: WebhookStatus): WebhookStatusResult {
  return {
    url: status.url,
    topics: status.topics,
    signed: status.signed,
    queued: status.queued,
    breaker: status.breaker,
    stats: {
      dropped: status.stats.dropped,
      circuit_skips: status.stats.circuitSkips,
      delivered: status.stats.delivered,
      failed: status.stats.failed,
    },
  };
}

/**
 * Resolves `url`'s host and refuses it when any address is link-local or a metadata endpoint.
 * @param url - a URL that passed `checkWebhookUrl`.
 * @throws WebhookError `WEBHOOK_TARGET_FORBIDDEN`.
 */
async function checkResolved(url: string): Promise<void> {
  if (url === '') return;
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  let addresses: { address: string }[];
  try {
    // Loaded here: a daemon that never sets a webhook never loads `node:dns`.
    const { lookup } = await import('node:dns/promises');
    addresses = await lookup(host, { all: true });
  } catch {
    return; // unresolvable now: delivery retries and its guarded lookup checks again
  }
  const bad = addresses.find((a) => isForbiddenAddress(a.address));
  if (bad)
    throw new WebhookError(
      'WEBHOOK_TARGET_FORBIDDEN',
      `webhook host ${host} resolves to ${bad.address}, a link-local or cloud metadata address; choose another receiver`,
    );
}

/**
 * Delivers the daemon's bus events to a webhook URL. Provides `WebhookManagerKey` (so
 * `set-webhook` and `info` work), adds the IPC methods `webhook.status` and `webhook.configure`,
 * and keeps its URL, topics and secret in `webhook.json` in its data directory.
 */
export class WebhookPlugin implements Plugin {
  readonly name = WEBHOOK_PLUGIN_NAME;
  readonly version = WEBHOOK_PLUGIN_VERSION;
  readonly provides = [WebhookManagerKey];
  readonly #options: WebhookPluginOptions;
  #dispatcher: WebhookDispatcher | undefined;
  #sub: EventSubscription | undefined;
  #pump: Promise<void> | undefined;
  #offs: (() => void)[] = [];
  #dataDir: string | undefined;
  #log: Logger | undefined;
  #saving: Promise<void> = Promise.resolve();
  #secret = '';

  /** @param options - dispatcher timings and the drain deadline. */
  constructor(options: WebhookPluginOptions = {}) {
    this.#options = options;
  }

  /** The dispatcher (after init), for status and tests. */
  get dispatcher(): WebhookDispatcher | undefined {
    return this.#dispatcher;
  }

  async init(daemon: Daemon, context: PluginContext): Promise<void> {
    this.#log = context.logger;
    this.#dataDir = context.dataDir;
    const dispatcher = new WebhookDispatcher({ logger: context.logger, ...this.#options });
    this.#dispatcher = dispatcher;
    if (this.#dataDir !== undefined) await this.#apply(await loadWebhookState(this.#dataDir));

    const sub = daemon.bus().subscribe('*', { bufferSize: this.#options.queueSize ?? 1024 });
    this.#sub = sub;
    this.#pump = (async () => {
      for await (const event of sub) {
        if (event.topic === RELOAD_TOPIC) void this.#reload();
        dispatcher.enqueue(event);
      }
    })();

    const manager: WebhookManager = {
      setUrl: (url: string) => {
        dispatcher.setUrl(url);
        this.#persist();
      },
      stats: () => this.#stats(),
    };
    this.#offs.push(daemon.services().provide(WebhookManagerKey, manager));
    this.#offs.push(
      daemon.registerMethod('webhook.status', () => toResult(this.#status())),
      daemon.registerMethod('webhook.configure', (params) => this.#configure(params)),
    );
  }

  async shutdown(signal: AbortSignal): Promise<void> {
    for (const off of this.#offs.splice(0).reverse()) off();
    this.#sub?.close();
    await this.#pump;
    await this.#dispatcher?.drain(this.#options.drainTimeoutMs ?? 5000, signal);
    await this.#saving;
  }

  #stats(): WebhookStats {
    const base = this.#dispatcher?.stats() ?? {
      dropped: 0,
      circuitSkips: 0,
      delivered: 0,
      failed: 0,
    };
    if (this.#dispatcher?.url === '') return base;
    return { ...base, dropped: base.dropped + (this.#sub?.dropped ?? 0) };
  }

  #status(): WebhookStatus {
    const status = this.#dispatcher!.status();
    return { ...status, stats: this.#stats() };
  }

  async #configure(params: unknown): Promise<WebhookStatusResult> {
    const p = (typeof params === 'object' && params !== null ? params : {}) as Record<
      string,
      unknown
    >;
    const dispatcher = this.#dispatcher!;
    const url = p['url'];
    const topics = p['topics'];
    const secret = p['secret'];
    if (url !== undefined && typeof url !== 'string')
      throw new WebhookError('INVALID_ARGUMENT', 'webhook.configure: url must be a string');
    if (
      topics !== undefined &&
      !(Array.isArray(topics) && topics.every((t) => typeof t === 'string' && t !== ''))
    )
      throw new WebhookError(
        'INVALID_ARGUMENT',
        'webhook.configure: topics must be an array of topic names',
      );
    if (secret !== undefined && typeof secret !== 'string')
      throw new WebhookError('INVALID_ARGUMENT', 'webhook.configure: secret must be a string');
    if (url !== undefined) {
      const checked = checkWebhookUrl(url);
      await checkResolved(checked);
      dispatcher.setUrl(checked);
    }
    if (topics !== undefined) dispatcher.setTopics(topics as string[]);
    if (secret !== undefined) {
      this.#secret = secret;
      dispatcher.setSecret(secret);
    }
    this.#persist();
    await this.#saving;
    return toResult(this.#status());
  }

  async #apply(state: WebhookState): Promise<void> {
    const dispatcher = this.#dispatcher!;
    try {
      dispatcher.setUrl(state.url);
    } catch (err) {
      this.#log?.warn('persisted webhook URL refused; delivery stays off', {
        error: err instanceof Error ? err.message : String(err),
      });
      dispatcher.setUrl('');
    }
    dispatcher.setTopics(state.topics);
    dispatcher.setSecret(state.secret);
    this.#secret = state.secret;
  }

  async #reload(): Promise<void> {
    if (this.#dataDir === undefined) return;
    try {
      await this.#saving;
      await this.#apply(await loadWebhookState(this.#dataDir));
      this.#log?.info('webhook configuration reloaded', { url: this.#dispatcher?.url ?? '' });
    } catch (err) {
      this.#log?.warn('webhook reload failed; keeping the previous configuration', {
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }

  // Writes are chained so they land in call order; a failed write is logged, the call succeeds.
  #persist(): void {
    const dir = this.#dataDir;
    const dispatcher = this.#dispatcher;
    if (dir === undefined || dispatcher === undefined) return;
    const state: WebhookState = {
      url: dispatcher.url,
      topics: dispatcher.topics,
      secret: this.#secret,
    };
    this.#saving = this.#saving
      .then(() => saveWebhookState(dir, state))
      .catch((err: unknown) =>
        this.#log?.warn('could not persist the webhook configuration', {
          error: err instanceof Error ? err.message : String(err),
        }),
      );
  }
}

/**
 * Builds a webhook plugin instance (the factory registered under `webhook`).
 * @param options - dispatcher timings and drain deadline.
 * @returns a fresh plugin.
 */
export function createWebhookPlugin(options: WebhookPluginOptions = {}): WebhookPlugin {
  return new WebhookPlugin(options);
}
