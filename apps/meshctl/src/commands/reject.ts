import type { Command } from '../cli/types.js';
import { nodeIdOf } from '../util/node-target.js';

export const reject: Command = {
  name: 'reject',
  args: ['<node>', '[reason]'],
  description: 'reject a pending trust request (node id, address or hostname)',
  returns: 'status, node_id',
  run: async (ctx) =>
    (await ctx.client()).handshake.reject(await nodeIdOf(ctx, ctx.args[0]), ctx.args[1] ?? ''),
  human: (d: { node_id: number }) => `rejected node ${d.node_id}`,
};
