import type { Command } from '../cli/types.js';
import { nodeIdOf } from '../util/node-target.js';

export const approve: Command = {
  name: 'approve',
  args: ['<node>'],
  description: 'approve a pending trust request (node id, address or hostname)',
  returns: 'status, node_id',
  run: async (ctx) => (await ctx.client()).handshake.approve(await nodeIdOf(ctx, ctx.args[0])),
  human: (d: { node_id: number }) => `approved node ${d.node_id}`,
};
