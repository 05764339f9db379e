// meshctl call: any IPC method by name — how plugin-added methods are reached from the shell.
import { usageError } from '../cli/errors.js';
import type { Command } from '../cli/types.js';

export const call: Command = {
  name: 'call',
  args: ['<method>', '[params_json]'],
  description:
    'call any daemon method, e.g. one a plugin added (see `meshctl plugins`); params as a JSON object',
  returns: "the method's result",
  async run(ctx) {
    let params: unknown;
    if (ctx.args[1] !== undefined) {
      try {
        params = JSON.parse(ctx.args[1]);
      } catch {
        throw usageError('params_json is not valid JSON', 'meshctl call <method> [params_json]');
      }
      if (params === null || typeof params !== 'object' || Array.isArray(params))
        throw usageError(
          'params_json must be a JSON object',
          'meshctl call <method> [params_json]',
        );
    }
    return (await ctx.client()).ipc.callRaw(ctx.args[0], params);
  },
};
