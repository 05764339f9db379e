import type { ResolveResult } from '@mesh/client';
import type { Command } from '../cli/types.js';

export const find: Command = {
  name: 'find',
  args: ['<hostname>'],
  description: 'resolve a hostname through the registry',
  returns: 'hostname, node_id, address, public',
  run: async (ctx) => (await ctx.client()).resolve(ctx.args[0]),
  human: (d: ResolveResult) =>
    `${d.hostname} → ${d.address} (node ${d.node_id}, ${d.public ? 'public' : 'private'})`,
};
