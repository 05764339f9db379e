// meshctl status: one screen — node, registry and beacon links, direct vs relayed peers, plugins, recent problems.
import type { DiagResult, InfoResult, PluginSummary } from '@mesh/client';
import type { Command } from '../cli/types.js';

/** Result of `status`. */
export interface StatusResult {
  readonly node: Pick<
    InfoResult,
    'node_id' | 'address' | 'hostname' | 'public' | 'version' | 'pid' | 'uptime_secs'
  >;
  readonly registry: string;
  readonly beacon: string;
  readonly peers: { readonly direct: number; readonly relayed: number; readonly encrypted: number };
  readonly connections: number;
  readonly plugins: readonly string[];
  /** Disconnects and closes of the last hour, newest first (at most 5). */
  readonly recent_errors: readonly {
    readonly at: string;
    readonly link: string;
    readonly what: string;
  }[];
}

export const status: Command = {
  name: 'status',
  args: [],
  description:
    'one screen: node, registry and beacon links, direct vs relayed peers, plugins, recent errors',
  returns:
    'node{…}, registry, beacon, peers{direct, relayed, encrypted}, connections, plugins[], recent_errors[]',
  async run(ctx): Promise<StatusResult> {
    const c = await ctx.client();
    const hourAgo = Date.now() - 3_600_000;
    const [info, plugins, diag] = await Promise.all([
      c.info(),
      c.plugins().catch((): readonly PluginSummary[] => []),
      c.diag(hourAgo).catch((): DiagResult | undefined => undefined),
    ]);
    const relayed = info.peer_list.filter((p) => p.relay === true).length;
    return {
      node: {
        node_id: info.node_id,
        address: info.address,
        hostname: info.hostname,
        public: info.public,
        version: info.version,
        pid: info.pid,
        uptime_secs: info.uptime_secs,
      },
      registry: info.registry_state,
      beacon: diag?.summary['beacon']?.state ?? 'none',
      peers: {
        direct: info.peer_list.length - relayed,
        relayed,
        encrypted: info.encrypted_peers,
      },
      connections: info.connections,
      plugins: plugins.map((p) => (p.version ? `${p.name}@${p.version}` : p.name)),
      recent_errors: (diag?.events ?? [])
        .filter((e) => e.type === 'disconnect' || e.type === 'closed')
        .slice(-5)
        .reverse()
        .map((e) => ({
          at: e.at,
          link: e.link,
          what: `${e.type}${e.reason ? `: ${e.reason}` : ''}`,
        })),
    };
  },
  human: (d: StatusResult) =>
    [
      `node         ${d.node.address} (id ${d.node.node_id}) ${d.node.hostname || '-'} · ${d.node.public ? 'public' : 'private'} · up ${formatUptime(d.node.uptime_secs)} · meshd ${d.node.version} pid ${d.node.pid}`,
      `registry     ${d.registry}`,
      `beacon       ${d.beacon}`,
      `peers        ${d.peers.direct} direct, ${d.peers.relayed} relayed (${d.peers.encrypted} encrypted)`,
      `connections  ${d.connections}`,
      `plugins      ${d.plugins.length === 0 ? 'none' : d.plugins.join(', ')}`,
      d.recent_errors.length === 0
        ? 'errors       none in the last hour'
        : [
            'errors       (last hour, newest first)',
            ...d.recent_errors.map((e) => `  ${e.at}  ${e.link}  ${e.what}`),
          ].join('\n'),
    ].join('\n'),
};

/**
 * @param secs - seconds.
 * @returns e.g. `3h 04m`, `12m 05s`, `42s`.
 */
export function formatUptime(secs: number): string {
  const h = Math.floor(secs / 3600);
  const m = Math.floor((secs % 3600) / 60);
  const s = Math.floor(secs % 60);
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(s).padStart(2, '0')}s`;
  return `${s}s`;
}
