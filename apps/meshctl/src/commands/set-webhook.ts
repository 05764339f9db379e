import type { Command } from '../cli/types.js';

export const setWebhook: Command = {
  name: 'set-webhook',
  args: ['<url>'],
  description: 'send daemon events to a webhook URL ("" clears it)',
  returns: 'webhook',
  run: async (ctx) => ({ webhook: await (await ctx.client()).setWebhook(ctx.args[0]) }),
  human: (d: { webhook: string }) =>
    d.webhook === '' ? 'webhook cleared' : `webhook set to ${d.webhook}`,
};
