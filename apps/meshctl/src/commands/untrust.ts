import type { Command } from '../cli/types.js';
import { parseNodeId } from '../util/parse.js';

export const untrust: Command = {
  name: 'untrust',
  args: ['<node>'],
  description: 'revoke trust in a peer',
  returns: 'status, node_id',
  run: async (ctx) => (await ctx.client()).handshake.revoke(parseNodeId(ctx.args[0])),
  human: (d: { node_id: number }) => `revoked trust in node ${d.node_id}`,
};
