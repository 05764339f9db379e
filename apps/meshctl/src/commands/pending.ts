import type { PendingHandshake } from '@mesh/client';
import type { Command } from '../cli/types.js';

export const pending: Command = {
  name: 'pending',
  args: [],
  description: 'trust requests waiting for approve/reject',
  returns: 'pending[{node_id, public_key, justification, received_at}]',
  run: async (ctx) => ({ pending: await (await ctx.client()).handshake.pending() }),
  human: (d: { pending: PendingHandshake[] }) =>
    d.pending.length === 0
      ? 'no pending requests'
      : d.pending
          .map(
            (p) =>
              `${p.node_id}  ${new Date(p.received_at * 1000).toISOString()}  ${p.justification}`,
          )
          .join('\n'),
};
