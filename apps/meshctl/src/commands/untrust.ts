import type { Command } from '../cli/types.js';
import { nodeIdOf } from '../util/node-target.js';

export const untrust: Command = {
  name: 'untrust',
  args: ['<node>'],
  description: 'revoke trust in a peer (node id, address or hostname)',
  returns: 'status, node_id',
  run: async (ctx) => (await ctx.client()).handshake.revoke(await nodeIdOf(ctx, ctx.args[0])),
  human: (d: { node_id: number }) => `revoked trust in node ${d.node_id}`,
};
