import type { TrustedPeer } from '@mesh/client';
import type { Command } from '../cli/types.js';

export const trust: Command = {
  name: 'trust',
  args: [],
  description: 'trusted peers',
  returns: 'trusted[{node_id, public_key, approved_at, mutual, network}]',
  run: async (ctx) => ({ trusted: await (await ctx.client()).handshake.trusted() }),
  human: (d: { trusted: TrustedPeer[] }) =>
    d.trusted.length === 0
      ? 'no trusted peers'
      : d.trusted
          .map(
            (t) =>
              `${t.node_id}  ${t.mutual ? 'mutual' : 'one-way'}  since ${new Date(t.approved_at * 1000).toISOString()}`,
          )
          .join('\n'),
};
