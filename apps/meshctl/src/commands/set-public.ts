import type { Command } from '../cli/types.js';

export const setPublic: Command = {
  name: 'set-public',
  args: [],
  description: 'make this node resolvable by anyone',
  returns: 'public',
  run: async (ctx) => ({ public: await (await ctx.client()).setVisibility(true) }),
  human: () => 'node is now public',
};
