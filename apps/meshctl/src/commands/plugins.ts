import type { PluginSummary } from '@mesh/client';
import type { Command } from '../cli/types.js';

export const plugins: Command = {
  name: 'plugins',
  args: [],
  description: 'loaded plugins and the IPC methods they add',
  returns: 'plugins[{name, version, methods, process?{state, pid, restarts, last_error?}}]',
  run: async (ctx) => ({ plugins: await (await ctx.client()).plugins() }),
  human: (d: { plugins: PluginSummary[] }) =>
    d.plugins.length === 0
      ? 'no plugins loaded'
      : d.plugins
          .map(
            (p) =>
              `${p.name}${p.version ? ` ${p.version}` : ''}` +
              `${p.methods.length ? `  (${p.methods.join(', ')})` : ''}` +
              (p.process === undefined
                ? ''
                : `  [${p.process.state}, pid ${p.process.pid}, restarts ${p.process.restarts}` +
                  `${p.process.last_error === undefined ? '' : `, last error: ${p.process.last_error}`}]`),
          )
          .join('\n'),
};
