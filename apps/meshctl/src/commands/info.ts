import type { InfoResult } from '@mesh/client';
import type { Command } from '../cli/types.js';

export const info: Command = {
  name: 'info',
  args: [],
  description: 'node identity, counters, peers and connections',
  returns:
    'node_id, address, hostname, uptime_secs, connections, ports, peers, encrypted_peers, authenticated_peers, encrypt, identity, public_key, owner, bytes_sent, bytes_recv, pkts_sent, pkts_recv, peer_list, conn_list, version, pid, public, tags, webhook, webhook_stats{dropped, circuit_skips, delivered, failed}, registry_state',
  run: async (ctx) => (await ctx.client()).info(),
  human: (d: InfoResult) =>
    [
      `address      ${d.address}`,
      `node id      ${d.node_id}`,
      `hostname     ${d.hostname || '-'}`,
      `visibility   ${d.public ? 'public' : 'private'}`,
      `registry     ${d.registry_state}`,
      `uptime       ${d.uptime_secs}s`,
      `peers        ${d.peers} (${d.encrypted_peers} encrypted, ${d.authenticated_peers} authenticated)`,
      `connections  ${d.connections}   ports ${d.ports}`,
      `traffic      sent ${d.bytes_sent} B / ${d.pkts_sent} pkts, received ${d.bytes_recv} B / ${d.pkts_recv} pkts`,
      `webhook      ${d.webhook || '-'}${d.webhook ? ` (delivered ${d.webhook_stats.delivered}, failed ${d.webhook_stats.failed}, dropped ${d.webhook_stats.dropped}, circuit skips ${d.webhook_stats.circuit_skips})` : ''}`,
      `public key   ${d.public_key}`,
      `version      ${d.version}   pid ${d.pid}`,
    ].join('\n'),
};
