import type { PeerSummary } from '@mesh/client';
import type { Command } from '../cli/types.js';
import { stringFlag } from '../util/parse.js';

export const peers: Command = {
  name: 'peers',
  args: [],
  description: 'peers with tunnel state',
  returns: 'peers[{node_id, endpoint, encrypted, authenticated, relay}]',
  flags: {
    search: { type: 'string', description: 'only peers whose node id or endpoint contains this' },
  },
  async run(ctx) {
    const all = await (await ctx.client()).peers();
    const q = stringFlag(ctx.flags, 'search');
    return {
      peers:
        q === undefined
          ? all
          : all.filter((p) => String(p.node_id).includes(q) || p.endpoint.includes(q)),
    };
  },
  human: (d: { peers: PeerSummary[] }) =>
    d.peers.length === 0
      ? 'no peers'
      : [
          'NODE        ENDPOINT               ENCRYPTED  AUTH  RELAY',
          ...d.peers.map(
            (p) =>
              `${String(p.node_id).padEnd(11)} ${p.endpoint.padEnd(22)} ${String(p.encrypted).padEnd(10)} ${String(p.authenticated).padEnd(5)} ${p.relay === true}`,
          ),
        ].join('\n'),
};
