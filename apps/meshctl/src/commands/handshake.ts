import type { Command } from '../cli/types.js';

export const handshake: Command = {
  name: 'handshake',
  args: ['<target>', '[justification]'],
  description: 'ask a peer to trust this node (needs a handshake plugin)',
  returns: 'status, node_id',
  run: async (ctx) => (await ctx.client()).handshake.send(ctx.args[0], ctx.args[1] ?? ''),
  human: (d: { node_id: number }) => `trust request sent to node ${d.node_id}`,
};
