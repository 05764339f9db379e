// meshctl lookup: what the registry says about a node id.
import type { LookupResult } from '@mesh/client';
import type { Command } from '../cli/types.js';
import { parseNodeId } from '../util/parse.js';

export const lookup: Command = {
  name: 'lookup',
  args: ['<node>'],
  description: 'look a node up in the registry by node id or address',
  returns: 'node_id, address, hostname, public, tags, networks, public_key',
  run: async (ctx) => (await ctx.client()).lookup(parseNodeId(ctx.args[0])),
  human: (d: LookupResult) =>
    [
      `address     ${d.address}`,
      `node id     ${d.node_id}`,
      `hostname    ${d.hostname || '-'}`,
      `visibility  ${d.public ? 'public' : 'private'}`,
      `tags        ${d.tags.join(', ') || '-'}`,
      `networks    ${d.networks.join(', ') || '-'}`,
      `public key  ${d.public_key}`,
    ].join('\n'),
};
