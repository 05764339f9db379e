import type { Command } from '../cli/types.js';

export const setTags: Command = {
  name: 'set-tags',
  args: ['[tags...]'],
  description: "replace this node's tags (none clears them; at most 3)",
  returns: 'tags',
  run: async (ctx) => ({ tags: await (await ctx.client()).setTags(ctx.args) }),
  human: (d: { tags: string[] }) =>
    d.tags.length === 0 ? 'tags cleared' : `tags: ${d.tags.join(', ')}`,
};
