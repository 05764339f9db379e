import type { Command } from '../cli/types.js';

export const setHostname: Command = {
  name: 'set-hostname',
  args: ['<name>'],
  description: 'register a hostname ("" clears it)',
  returns: 'hostname',
  run: async (ctx) => ({ hostname: await (await ctx.client()).setHostname(ctx.args[0]) }),
  human: (d: { hostname: string }) =>
    d.hostname === '' ? 'hostname cleared' : `hostname set to ${d.hostname}`,
};
