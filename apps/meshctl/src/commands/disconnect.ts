import type { Command } from '../cli/types.js';
import { parseCount } from '../util/parse.js';

export const disconnect: Command = {
  name: 'disconnect',
  args: ['<conn_id>'],
  description: 'close a connection by id',
  returns: 'conn_id',
  async run(ctx) {
    const id = parseCount(ctx.args[0], 'conn_id');
    await (await ctx.client()).disconnect(id);
    return { conn_id: id };
  },
  human: (d: { conn_id: number }) => `closed connection ${d.conn_id}`,
};
