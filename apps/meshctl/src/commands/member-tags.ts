// meshctl member-tags <network_id> [tags...]: reads (no tags) or sets a member's per-network tags.
import type { Command } from '../cli/types.js';
import { parseNodeId, stringFlag } from '../util/parse.js';
import { adminToken, callDaemon, parseNetworkId } from './network.js';

export const memberTags: Command = {
  name: 'member-tags',
  args: ['<network_id>', '[tags...]'],
  description:
    "show member tags (all members, or --node), or set them: this node's own, or --node's as owner/admin",
  returns: 'network_id, tags (or members{node_id: tags})',
  flags: {
    node: { type: 'string', description: 'the member (node id or address)' },
    clear: { type: 'boolean', description: 'remove the tags' },
    'admin-token': {
      type: 'string',
      description: 'registry admin token (default: $MESH_ADMIN_TOKEN)',
    },
  },
  run: (ctx) => {
    const net = parseNetworkId(
      ctx.args[0],
      'meshctl member-tags <network_id> [tags...] [--node <id>]',
    );
    const node = stringFlag(ctx.flags, 'node');
    const nodeParam = node === undefined ? {} : { node_id: parseNodeId(node) };
    const tags = ctx.args.slice(1);
    if (tags.length === 0 && ctx.flags['clear'] !== true)
      return callDaemon(ctx, 'member_tags.get', { network_id: net, ...nodeParam });
    return callDaemon(ctx, 'member_tags.set', {
      network_id: net,
      tags,
      ...nodeParam,
      ...adminToken(ctx),
    });
  },
};
