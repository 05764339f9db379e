// meshctl deregister: remove this node from the registry.
import type { Command } from '../cli/types.js';

export const deregister: Command = {
  name: 'deregister',
  args: [],
  description:
    'remove this node from the registry (the daemon keeps running; restart it to re-register)',
  returns: 'status',
  async run(ctx) {
    await (await ctx.client()).deregister();
    return { status: 'deregistered' };
  },
  human: () => 'deregistered from the registry',
};
