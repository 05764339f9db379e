import type { PeerSummary } from '@mesh/client';
import type { Command } from '../cli/types.js';
import { stringFlag } from '../util/parse.js';

/** A peer with the hostname the registry shows for it (`''` when none or hidden). */
type PeerRow = PeerSummary & { readonly hostname: string };

export const peers: Command = {
  name: 'peers',
  args: [],
  description: 'peers with hostnames and tunnel state (direct or relayed through the beacon)',
  returns: 'peers[{node_id, hostname, endpoint, encrypted, authenticated, relay}]',
  flags: {
    search: {
      type: 'string',
      description: 'only peers whose node id, hostname or endpoint contains this',
    },
  },
  async run(ctx) {
    const client = await ctx.client();
    const all = await client.peers();
    // Hostnames come from the registry; a private peer's name may be hidden: show none.
    const rows: PeerRow[] = await Promise.all(
      all.map(async (p) => ({
        ...p,
        hostname: await client.lookup(p.node_id).then(
          (r) => r.hostname,
          () => '',
        ),
      })),
    );
    const q = stringFlag(ctx.flags, 'search');
    return {
      peers:
        q === undefined
          ? rows
          : rows.filter(
              (p) =>
                String(p.node_id).includes(q) || p.endpoint.includes(q) || p.hostname.includes(q),
            ),
    };
  },
  human: (d: { peers: PeerRow[] }) =>
    d.peers.length === 0
      ? 'no peers'
      : [
          'NODE        HOSTNAME             ENDPOINT               PATH     ENCRYPTED  AUTH',
          ...d.peers.map(
            (p) =>
              `${String(p.node_id).padEnd(11)} ${(p.hostname || '-').padEnd(20)} ${(p.endpoint || '-').padEnd(22)} ${(p.relay === true ? 'relayed' : 'direct').padEnd(8)} ${String(p.encrypted).padEnd(10)} ${p.authenticated}`,
          ),
          ...(d.peers.some((p) => p.relay === true)
            ? [
                '',
                'relayed: no direct UDP path answered (NAT or firewall on one side); traffic goes through the beacon',
              ]
            : []),
        ].join('\n'),
};
