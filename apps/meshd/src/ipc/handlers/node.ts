// info, peers, connections, resolve, set.*, deregister: node state and registry operations.
import { ErrorCode, IpcError, ParamReader } from '@mesh/ipc';
import type { ConnectionStats, InfoResult, MethodRegistry, PeerSummary } from '@mesh/ipc';
import type { NodeEngine, RegistryOps } from '../engine.js';
import { engineError } from '../errors.js';
import { hostnameNotFound } from '../target.js';

/** Settings clients change at runtime, overlaid on the engine's info. */
export interface NodeSettings {
  hostname: string;
  public: boolean;
  tags: string[];
  webhook: string;
}

/** What `info` adds beyond the engine's snapshot. */
export interface InfoExtras {
  /** Daemon process id. */
  readonly pid: number;
  /** Registry link state. */
  registryState(): string;
}

/** A failed webhook hot-swap as an IPC error the user can act on. */
function webhookError(err: unknown): IpcError {
  const code = (err as { code?: unknown }).code;
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'SERVICE_UNAVAILABLE')
    return new IpcError(
      ErrorCode.unavailable,
      'no webhook plugin is loaded in this daemon; add @mesh/plugin-webhook to meshd',
      { cause: err },
    );
  if (code === 'INVALID_WEBHOOK_URL' || code === 'WEBHOOK_TARGET_FORBIDDEN')
    return new IpcError(ErrorCode.invalidArgument, message, {
      cause: err,
      details: { engine_code: code },
    });
  return engineError(err, 'set webhook');
}

/** The registry client, or `unavailable`. */
function registryOf(engine: NodeEngine): RegistryOps {
  const r = engine.rawRegistryClient();
  if (!r) throw new IpcError(ErrorCode.unavailable, 'the daemon has no registry connection yet');
  return r;
}

/** The engine's webhook counters (camelCase, from the plugin's manager) in snake_case. */
function webhookStats(value: unknown): InfoResult['webhook_stats'] {
  const w = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const n = (k: string): number => (typeof w[k] === 'number' ? w[k] : 0);
  return {
    dropped: n('dropped'),
    circuit_skips: n('circuitSkips'),
    delivered: n('delivered'),
    failed: n('failed'),
  };
}

/**
 * Builds the `info` result from the engine snapshot and the runtime settings.
 * @param engine - the engine.
 * @param settings - runtime settings.
 * @param extras - pid and registry state.
 * @returns the InfoOK-shaped result.
 */
export function buildInfo(
  engine: NodeEngine,
  settings: NodeSettings,
  extras: InfoExtras,
): InfoResult {
  const raw = engine.info() as Record<string, unknown> & ReturnType<NodeEngine['info']>;
  const num = (k: string): number => (typeof raw[k] === 'number' ? raw[k] : 0);
  const bool = (k: string): boolean => raw[k] === true;
  const str = (k: string): string => (typeof raw[k] === 'string' ? raw[k] : '');
  return {
    ...raw,
    node_id: raw.node_id,
    address: raw.address,
    hostname: settings.hostname,
    uptime_secs: num('uptime_secs'),
    connections: num('connections'),
    ports: num('ports'),
    peers: num('peers'),
    encrypted_peers: num('encrypted_peers'),
    authenticated_peers: num('authenticated_peers'),
    encrypt: bool('encrypt'),
    identity: bool('identity'),
    public_key: str('public_key'),
    owner: str('owner'),
    bytes_sent: num('bytes_sent'),
    bytes_recv: num('bytes_recv'),
    pkts_sent: num('pkts_sent'),
    pkts_recv: num('pkts_recv'),
    peer_list: raw.peer_list as unknown as PeerSummary[],
    conn_list: raw.conn_list as unknown as ConnectionStats[],
    version: str('version'),
    pid: extras.pid,
    public: settings.public,
    tags: settings.tags,
    webhook: settings.webhook,
    webhook_stats: webhookStats(raw['webhook']),
    registry_state: extras.registryState(),
  };
}

/**
 * Registers the node methods.
 * @param registry - the IPC method table.
 * @param engine - the engine view.
 * @param settings - runtime settings (mutated by `set.*`).
 * @param extras - pid and registry state for `info`.
 * @returns a function that unregisters them.
 */
export function registerNodeHandlers(
  registry: MethodRegistry,
  engine: NodeEngine,
  settings: NodeSettings,
  extras: InfoExtras,
): () => void {
  const offs = [
    registry.handle('info', () => buildInfo(engine, settings, extras)),
    registry.handle('peers', () => ({
      peers: engine.info().peer_list as unknown as PeerSummary[],
    })),
    registry.handle('connections', () => ({
      connections: engine.info().conn_list as unknown as ConnectionStats[],
    })),
    registry.handle('resolve', async (params) => {
      const hostname = new ParamReader(params, 'resolve').string('hostname', { nonEmpty: true });
      try {
        const r = await registryOf(engine).resolveHostname(hostname);
        return {
          hostname: r.hostname || hostname,
          node_id: r.nodeId,
          address: r.address,
          public: r.public,
        };
      } catch (err) {
        const e = engineError(err, `resolve ${hostname}`);
        if (e.code === ErrorCode.internal || e.code === ErrorCode.notFound) {
          throw hostnameNotFound(hostname, err);
        }
        throw e;
      }
    }),
    registry.handle('set.hostname', async (params) => {
      const hostname = new ParamReader(params, 'set.hostname').string('hostname', {
        maxLength: 63,
      });
      try {
        settings.hostname = await registryOf(engine).setHostname(hostname);
      } catch (err) {
        throw engineError(err, 'set hostname');
      }
      return { hostname: settings.hostname };
    }),
    registry.handle('set.visibility', async (params) => {
      const isPublic = new ParamReader(params, 'set.visibility').bool('public');
      try {
        await registryOf(engine).setVisibility(isPublic);
      } catch (err) {
        throw engineError(err, 'set visibility');
      }
      settings.public = isPublic;
      return { public: isPublic };
    }),
    registry.handle('set.tags', async (params) => {
      const tags = new ParamReader(params, 'set.tags').stringArray('tags');
      if (tags.length > 3) throw new IpcError(ErrorCode.invalidArgument, 'at most 3 tags');
      try {
        settings.tags = await registryOf(engine).setTags(tags);
      } catch (err) {
        throw engineError(err, 'set tags');
      }
      return { tags: settings.tags };
    }),
    registry.handle('set.webhook', (params) => {
      const url = new ParamReader(params, 'set.webhook').string('url');
      if (url !== '' && !/^https?:\/\//.test(url))
        throw new IpcError(ErrorCode.invalidArgument, 'webhook must be an http(s) URL or empty');
      try {
        engine.setWebhookUrl(url);
      } catch (err) {
        throw webhookError(err);
      }
      settings.webhook = url;
      return { webhook: url };
    }),
    registry.handle('deregister', async () => {
      try {
        await registryOf(engine).deregister();
      } catch (err) {
        throw engineError(err, 'deregister');
      }
      return { status: 'deregistered' };
    }),
  ];
  return () => offs.forEach((off) => off());
}
