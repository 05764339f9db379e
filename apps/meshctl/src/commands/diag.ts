import type { DiagResult } from '@mesh/client';
import type { Command } from '../cli/types.js';
import { parseDuration, stringFlag } from '../util/parse.js';

export const diag: Command = {
  name: 'diag',
  args: [],
  description: 'registry/beacon connection-state events and link summary',
  returns:
    'summary{link: {state, since}}, events[{v, type, at, link, reason}], on_disk_count, drops_last_hour',
  flags: { since: { type: 'string', description: 'only events in this window, e.g. 1h' } },
  async run(ctx) {
    const since = stringFlag(ctx.flags, 'since');
    return (await ctx.client()).diag(
      since === undefined ? undefined : Date.now() - parseDuration(since, 'since'),
    );
  },
  human: (d: DiagResult) =>
    [
      ...Object.entries(d.summary).map(
        ([link, s]) => `${link.padEnd(9)} ${s.state} since ${s.since}`,
      ),
      `drops in the last hour: ${d.drops_last_hour}; events on disk: ${d.on_disk_count}`,
      '',
      ...d.events.map(
        (e) => `${e.at}  ${e.link.padEnd(8)} ${e.type}${e.reason ? `  (${e.reason})` : ''}`,
      ),
    ].join('\n'),
};
