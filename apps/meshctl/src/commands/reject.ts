import type { Command } from '../cli/types.js';
import { parseNodeId } from '../util/parse.js';

export const reject: Command = {
  name: 'reject',
  args: ['<node>', '[reason]'],
  description: 'reject a pending trust request',
  returns: 'status, node_id',
  run: async (ctx) =>
    (await ctx.client()).handshake.reject(parseNodeId(ctx.args[0]), ctx.args[1] ?? ''),
  human: (d: { node_id: number }) => `rejected node ${d.node_id}`,
};
