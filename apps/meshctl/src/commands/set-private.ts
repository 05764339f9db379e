import type { Command } from '../cli/types.js';

export const setPrivate: Command = {
  name: 'set-private',
  args: [],
  description: 'make this node resolvable only by trusted peers',
  returns: 'public',
  run: async (ctx) => ({ public: await (await ctx.client()).setVisibility(false) }),
  human: () => 'node is now private',
};
