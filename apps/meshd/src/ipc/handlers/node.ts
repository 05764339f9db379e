// info, peers, connections, resolve, set.*, deregister: node state and registry operations.
import { ErrorCode, IpcError, ParamReader } from '@mesh/ipc';
import type { InfoResult, MethodRegistry } from '@mesh/ipc';
import type { DaemonSnapshot } from '@mesh/daemon';
import type { NodeEngine, RegistryOps } from '../engine.js';
import { engineError } from '../errors.js';
import { hostnameNotFound } from '../target.js';

/** What meshd keeps beside the engine: the webhook URL the webhook plugin accepted last. */
export interface WebhookSetting {
  url: string;
}

/** What `info` adds beyond the engine's snapshot. */
export interface InfoExtras {
  /** Daemon process id. */
  readonly pid: number;
  /** Registry link state. */
  registryState(): string;
}

/** The registry client, or `unavailable`. */
function registryOf(engine: NodeEngine): RegistryOps {
  const r = engine.rawRegistryClient();
  if (!r) throw new IpcError(ErrorCode.unavailable, 'the daemon has no registry connection yet');
  return r;
}

/**
 * The one mapping from the engine's typed snapshot to the IPC `info` result.
 * @param snapshot - the engine snapshot.
 * @param webhook - the webhook URL in effect.
 * @param extras - pid and registry state.
 * @returns the InfoOK-shaped result.
 */
export function toInfoResult(
  snapshot: DaemonSnapshot,
  webhook: string,
  extras: InfoExtras,
): InfoResult {
  return {
    node_id: snapshot.node_id,
    address: snapshot.address,
    hostname: snapshot.hostname,
    uptime_secs: snapshot.uptime_secs,
    connections: snapshot.connections,
    ports: snapshot.ports,
    peers: snapshot.peers,
    encrypted_peers: snapshot.encrypted_peers,
    authenticated_peers: snapshot.authenticated_peers,
    encrypt: snapshot.encrypt,
    identity: snapshot.identity,
    public_key: snapshot.public_key,
    owner: snapshot.owner,
    bytes_sent: snapshot.bytes_sent,
    bytes_recv: snapshot.bytes_recv,
    pkts_sent: snapshot.pkts_sent,
    pkts_recv: snapshot.pkts_recv,
    peer_list: snapshot.peer_list,
    conn_list: snapshot.conn_list,
    version: snapshot.version,
    pid: extras.pid,
    public: snapshot.public,
    tags: snapshot.tags,
    webhook,
    webhook_stats: {
      dropped: snapshot.webhook.dropped,
      circuit_skips: snapshot.webhook.circuitSkips,
      delivered: snapshot.webhook.delivered,
      failed: snapshot.webhook.failed,
    },
    registry_state: extras.registryState(),
  };
}

/**
 * Registers the node methods.
 * @param registry - the IPC method table.
 * @param engine - the engine view (the owner of the node settings).
 * @param webhook - the webhook URL in effect (changed by `set.webhook` once the engine accepted it).
 * @param extras - pid and registry state for `info`.
 * @returns a function that unregisters them.
 */
export function registerNodeHandlers(
  registry: MethodRegistry,
  engine: NodeEngine,
  webhook: WebhookSetting,
  extras: InfoExtras,
): () => void {
  const offs = [
    registry.handle('info', () => toInfoResult(engine.snapshot(), webhook.url, extras)),
    registry.handle('peers', () => ({ peers: engine.snapshot().peer_list })),
    registry.handle('connections', () => ({ connections: engine.snapshot().conn_list })),
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
        return { hostname: await engine.setHostname(hostname) };
      } catch (err) {
        throw engineError(err, 'set hostname');
      }
    }),
    registry.handle('set.visibility', async (params) => {
      const isPublic = new ParamReader(params, 'set.visibility').bool('public');
      try {
        await engine.setVisibility(isPublic);
      } catch (err) {
        throw engineError(err, 'set visibility');
      }
      return { public: isPublic };
    }),
    registry.handle('set.tags', async (params) => {
      const tags = new ParamReader(params, 'set.tags').stringArray('tags');
      if (tags.length > 3) throw new IpcError(ErrorCode.invalidArgument, 'at most 3 tags');
      try {
        return { tags: await engine.setTags(tags) };
      } catch (err) {
        throw engineError(err, 'set tags');
      }
    }),
    registry.handle('set.webhook', (params) => {
      const url = new ParamReader(params, 'set.webhook').string('url');
      if (url !== '' && !/^https?:\/\//.test(url))
        throw new IpcError(ErrorCode.invalidArgument, 'webhook must be an http(s) URL or empty');
      applyWebhook(engine, url);
      webhook.url = url;
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

/**
 * Hands a webhook URL to the engine's webhook plugin.
 * @param engine - the engine.
 * @param url - the URL, `''` to disable.
 * @throws IpcError `unavailable` ("no webhook plugin loaded") without a webhook plugin, as the
 *   handshake commands do without a handshake plugin.
 */
export function applyWebhook(engine: Pick<NodeEngine, 'setWebhookUrl'>, url: string): void {
  try {
    engine.setWebhookUrl(url);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    // The webhook plugin refuses URLs it will not deliver to (scheme, metadata or link-local hosts).
    if (code === 'INVALID_WEBHOOK_URL' || code === 'WEBHOOK_TARGET_FORBIDDEN')
      throw new IpcError(
        ErrorCode.invalidArgument,
        err instanceof Error ? err.message : String(err),
        {
          cause: err,
          details: { engine_code: code },
        },
      );
    const e = engineError(err, 'set webhook');
    if (e.code !== ErrorCode.unavailable) throw e;
    throw new IpcError(ErrorCode.unavailable, 'no webhook plugin loaded', {
      cause: err,
      hint: 'start meshd with a webhook plugin (--plugins <module>) to deliver events to a webhook',
    });
  }
}
