// meshctl peers forget: drop the daemon's tunnel and keys for a peer.
import type { Command } from '../cli/types.js';
import { nodeIdOf } from '../util/node-target.js';

export const peersForget: Command = {
  name: 'peers forget',
  args: ['<node>'],
  description: 'drop the tunnel and keys for a peer; it is learned again on next contact',
  returns: 'node_id, forgotten',
  async run(ctx) {
    const nodeId = await nodeIdOf(ctx, ctx.args[0]);
    await (await ctx.client()).forgetPeer(nodeId);
    return { node_id: nodeId, forgotten: true };
  },
  human: (d: { node_id: number }) => `forgot peer ${d.node_id}`,
};
