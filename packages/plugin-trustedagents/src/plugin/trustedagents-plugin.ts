// The trusted-agents plugin: keeps the last good signed list, refreshes it hourly with jitter,
// and answers the handshake plugin's "is this node a trusted agent?" (TrustCheckerKey).
// Refresh behaviour follows Go's trustedagents runtime.go (Run, fetchOnce, jitter), read for facts.
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import {
  TrustCheckerKey,
  type Daemon,
  type Logger,
  type Plugin,
  type PluginContext,
  type TrustCheckResult,
  type TrustChecker,
} from '@mesh/daemonapi';
import { TrustedAgentsError } from '../errors.js';
import {
  MAX_LIST_BYTES,
  decodeSignerKey,
  verifySignedList,
  type TrustedAgent,
} from '../list/signed-list.js';
import { isUrlSource, readListSource, validateSource } from '../source/list-source.js';

/** The plugin's registered name. */
export const TRUSTED_AGENTS_PLUGIN_NAME = 'trustedagents';

/** The package version. */
export const TRUSTED_AGENTS_PLUGIN_VERSION = '0.1.0';

/** Options of {@link TrustedAgentsPlugin}; unset ones come from the environment. */
export interface TrustedAgentsOptions {
  /** A file path or an HTTPS URL. @defaultValue `MESH_TRUSTED_AGENTS_SOURCE` */
  readonly source?: string;
  /** The list signer's Ed25519 public key, base64 or hex. @defaultValue `MESH_TRUSTED_AGENTS_SIGNER` */
  readonly signerPublicKey?: string;
  /** Refresh period, ms (±10 % jitter). @defaultValue 3600000 */
  readonly refreshIntervalMs?: number;
  /** Upper bound of the random delay before the first URL fetch, ms. @defaultValue 30000 */
  readonly initialJitterMs?: number;
  /** Fetch deadline, ms. @defaultValue 30000 */
  readonly timeoutMs?: number;
  /** Size cap, bytes. @defaultValue 1 MiB */
  readonly maxBytes?: number;
}

/** A refresh outcome, as `trustedagents.list` and events report it. */
export interface RefreshStatus {
  /** When it happened, Unix ms. */
  readonly at: number;
  /** Error code, e.g. `LIST_BAD_SIGNATURE`. */
  readonly reason: string;
  /** What went wrong. */
  readonly message: string;
}

/** An agent as the checker uses it. */
interface ActiveAgent extends TrustedAgent {
  /** For pinned entries: whether the registry's key for the node equals the pin. */
  confirmed: boolean;
}

/**
 * The trust checker the plugin installs. A node id matches only when the list has it and, for
 * a pinned entry, the registry confirmed that node's key equals the pin; unpinned entries match
 * by node id, and callers (the handshake plugin, the engine's tunnel) confirm the node's key at
 * the registry before they act.
 */
export class TrustedAgentsService implements TrustChecker {
  #agents = new Map<number, ActiveAgent>();
  #updatedAt = 0;
  #lastError: RefreshStatus | undefined;

  /** @inheritdoc */
  isTrusted(nodeId: number): TrustCheckResult {
    const a = this.#agents.get(nodeId);
    return a !== undefined && (a.publicKey === '' || a.confirmed)
      ? { trusted: true, name: a.name }
      : { trusted: false };
  }

  /** The active list. */
  agents(): (TrustedAgent & { readonly confirmed: boolean })[] {
    return [...this.#agents.values()].map((a) => ({ ...a }));
  }

  /** When the active list was loaded, Unix ms (0 = never). */
  get updatedAt(): number {
    return this.#updatedAt;
  }

  /** The last failed refresh since the last success, if any. */
  get lastError(): RefreshStatus | undefined {
    return this.#lastError;
  }

  /** Replaces the active list (after verification). */
  replace(agents: readonly TrustedAgent[], at: number): void {
    this.#agents = new Map(agents.map((a) => [a.nodeId, { ...a, confirmed: false }]));
    this.#updatedAt = at;
    this.#lastError = undefined;
  }

  /** Records a failed refresh; the active list stays. */
  fail(status: RefreshStatus): void {
    this.#lastError = status;
  }

  /** Marks a pinned entry confirmed (or not) by the registry. */
  confirm(nodeId: number, confirmed: boolean): void {
    const a = this.#agents.get(nodeId);
    if (a !== undefined) a.confirmed = confirmed;
  }
}

/**
 * The plugin. Without a configured source and signer it installs an empty checker and stays
 * idle (the existing network embeds a reviewed list; mesh ships none).
 */
export class TrustedAgentsPlugin implements Plugin {
  /** @inheritdoc */
  readonly name = TRUSTED_AGENTS_PLUGIN_NAME;
  /** @inheritdoc */
  readonly version = TRUSTED_AGENTS_PLUGIN_VERSION;
  /** @inheritdoc */
  readonly provides = [TrustCheckerKey];
  readonly #options: TrustedAgentsOptions;
  #service: TrustedAgentsService | undefined;
  #cleanup: (() => void)[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #abort: AbortController | undefined;
  #inflight: Promise<void> | undefined;
  #run: (() => Promise<void>) | undefined;

  /** @param options - source, signer and tunables; unset ones come from the environment. */
  constructor(options: TrustedAgentsOptions = {}) {
    this.#options = options;
  }

  /** The checker, between `init` and `shutdown`. */
  get service(): TrustedAgentsService | undefined {
    return this.#service;
  }

  /** @inheritdoc */
  async init(daemon: Daemon, context: PluginContext): Promise<void> {
    const env = process.env;
    const source = this.#options.source ?? env['MESH_TRUSTED_AGENTS_SOURCE'] ?? '';
    const signerText = this.#options.signerPublicKey ?? env['MESH_TRUSTED_AGENTS_SIGNER'] ?? '';
    const service = new TrustedAgentsService();
    this.#service = service;
    const abort = new AbortController();
    this.#abort = abort;
    const log = context.logger;
    const cache =
      context.dataDir === undefined ? undefined : path.join(context.dataDir, 'trusted-agents.json');
    const maxBytes = this.#options.maxBytes ?? MAX_LIST_BYTES;
    const publish = (topic: string, payload: Record<string, unknown>): void => {
      try {
        daemon.publishEvent(topic, payload);
      } catch {
        // the bus is closing
      }
    };

    this.#cleanup.push(daemon.services().provide(TrustCheckerKey, service));
    this.#cleanup.push(
      daemon.registerMethod('trustedagents.list', () => ({
        source,
        configured: source !== '' && signerText !== '',
        updated_at: Math.floor(service.updatedAt / 1000),
        agents: service.agents().map((a) => ({
          name: a.name,
          node_id: a.nodeId,
          address: a.address,
          pinned: a.publicKey !== '',
          confirmed: a.publicKey === '' ? true : a.confirmed,
        })),
        ...(service.lastError === undefined
          ? {}
          : {
              last_error: {
                reason: service.lastError.reason,
                message: service.lastError.message,
                at: Math.floor(service.lastError.at / 1000),
              },
            }),
      })),
    );
    if (source === '' || signerText === '') {
      if (source !== '' || signerText !== '')
        log.warn('trusted agents need both a source and a signer key; the list stays empty');
      return;
    }
    validateSource(source);
    const signer = decodeSignerKey(signerText);

    const adopt = async (bytes: Uint8Array, origin: string): Promise<void> => {
      const list = verifySignedList(bytes, signer, maxBytes);
      service.replace(list.agents, Date.now());
      for (const s of list.skipped) log.warn('trusted-agents entry skipped', { entry: s });
      log.info('trusted-agents list loaded', { agents: list.agents.length, origin });
      publish('trustedagents.updated', { agents: list.agents.length, origin });
      await confirmPins(daemon, service, list.agents, log, abort.signal);
    };
    const refresh = async (): Promise<void> => {
      try {
        const bytes = await readListSource(source, {
          maxBytes,
          timeoutMs: this.#options.timeoutMs ?? 30_000,
          signal: abort.signal,
        });
        await adopt(bytes, source);
        if (cache !== undefined) writeAtomic(cache, bytes);
      } catch (error) {
        if (abort.signal.aborted) return;
        const code = error instanceof TrustedAgentsError ? error.code : 'LIST_FETCH_FAILED';
        const message = error instanceof Error ? error.message : String(error);
        service.fail({ at: Date.now(), reason: code, message });
        log.warn('trusted-agents refresh failed; keeping the last good list', {
          reason: code,
          error: message,
        });
        publish('trustedagents.refresh_failed', {
          reason: code,
          message,
          agents: service.agents().length,
        });
      }
    };

    // The last good list survives restarts, so a source that is down at boot changes nothing.
    if (cache !== undefined) {
      const bytes = await readFile(cache).catch(() => undefined);
      if (bytes !== undefined)
        await adopt(new Uint8Array(bytes), 'cache').catch((error: unknown) =>
          log.warn('cached trusted-agents list refused', { error: String(error) }),
        );
    }
    const period = this.#options.refreshIntervalMs ?? 3_600_000;
    const run = (): Promise<void> =>
      (this.#inflight = refresh().finally(() => {
        this.#inflight = undefined;
        schedule(period + jitter(period / 10));
      }));
    const schedule = (delay: number): void => {
      if (abort.signal.aborted) return;
      if (this.#timer !== undefined) clearTimeout(this.#timer);
      this.#timer = setTimeout(() => void run(), delay);
      this.#timer.unref?.();
    };
    this.#run = run;
    if (isUrlSource(source)) {
      // A fleet rebooting together must not hit the URL at once.
      schedule(jitter(this.#options.initialJitterMs ?? 30_000));
    } else {
      await run();
    }
  }

  /** Runs one refresh now and restarts the schedule (tests, operator reloads). */
  async refreshNow(): Promise<void> {
    const run = this.#run;
    if (run === undefined || this.#abort?.signal.aborted === true) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    await this.#inflight;
    await run();
  }

  /** @inheritdoc */
  async shutdown(): Promise<void> {
    this.#abort?.abort();
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const off of this.#cleanup.splice(0)) off();
    await this.#inflight?.catch(() => {});
    this.#service = undefined;
    this.#run = undefined;
  }
}

// Pinned entries are trusted only once the registry says the node's key is the pinned one.
/** Checks every pinned entry's key against the registry. */
async function confirmPins(
  daemon: Daemon,
  service: TrustedAgentsService,
  agents: readonly TrustedAgent[],
  log: Logger,
  signal: AbortSignal,
): Promise<void> {
  const registry = daemon.registryClient();
  if (registry === undefined) return;
  await Promise.all(
    agents
      .filter((a) => a.publicKey !== '')
      .map(async (a) => {
        try {
          const info = await registry.lookup(a.nodeId, { signal });
          const ok = info.publicKey === a.publicKey;
          service.confirm(a.nodeId, ok);
          if (!ok)
            log.warn('trusted agent key pin does not match the registry', {
              node: a.nodeId,
              agent: a.name,
            });
        } catch (error) {
          log.debug('trusted agent lookup failed', { node: a.nodeId, error: String(error) });
        }
      }),
  );
}

/** A random delay in [0, max). */
function jitter(max: number): number {
  return max <= 0 ? 0 : Math.floor(Math.random() * max);
}

/** Writes `bytes` atomically with mode 0600 (temp file, fsync, rename, dir fsync). */
function writeAtomic(file: string, bytes: Uint8Array): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  const dirFd = openSync(path.dirname(file), 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}
