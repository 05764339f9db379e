import type { Command } from '../cli/types.js';
import { parseNodeId } from '../util/parse.js';

export const approve: Command = {
  name: 'approve',
  args: ['<node>'],
  description: 'approve a pending trust request',
  returns: 'status, node_id',
  run: async (ctx) => (await ctx.client()).handshake.approve(parseNodeId(ctx.args[0])),
  human: (d: { node_id: number }) => `approved node ${d.node_id}`,
};
