import type { DiagResult } from '@mesh/client';
import type { Command } from '../cli/types.js';
import { parseDuration, stringFlag } from '../util/parse.js';

/** The part of `nats.status` (@mesh/plugin-nats) that `diag` shows. */
interface NatsDiag {
  readonly state: string;
  readonly server: string;
  readonly published: number;
  readonly buffered: number;
  readonly dropped: number;
  readonly events: readonly {
    readonly type: string;
    readonly at: string;
    readonly reason?: string;
  }[];
}

export const diag: Command = {
  name: 'diag',
  args: [],
  description: 'registry/beacon connection-state events and link summary',
  returns:
    'summary{link: {state, since}}, events[{v, type, at, link, reason}], on_disk_count, drops_last_hour, nats{state, server, published, buffered, dropped, events[]} (with @mesh/plugin-nats)',
  flags: { since: { type: 'string', description: 'only events in this window, e.g. 1h' } },
  async run(ctx) {
    const since = stringFlag(ctx.flags, 'since');
    const client = await ctx.client();
    const result = await client.diag(
      since === undefined ? undefined : Date.now() - parseDuration(since, 'since'),
    );
    // The NATS plugin's connection-state ring, when that plugin is loaded.
    const nats = (await client.ipc.callRaw('nats.status', {}).catch(() => undefined)) as
      NatsDiag | undefined;
    return nats === undefined ? result : { ...result, nats };
  },
  human: (d: DiagResult & { nats?: NatsDiag }) =>
    [
      ...Object.entries(d.summary).map(
        ([link, s]) => `${link.padEnd(9)} ${s.state} since ${s.since}`,
      ),
      `drops in the last hour: ${d.drops_last_hour}; events on disk: ${d.on_disk_count}`,
      '',
      ...d.events.map(
        (e) => `${e.at}  ${e.link.padEnd(8)} ${e.type}${e.reason ? `  (${e.reason})` : ''}`,
      ),
      ...(d.nats === undefined
        ? []
        : [
            '',
            `nats      ${d.nats.state}${d.nats.server ? ` ${d.nats.server}` : ''}; published ${d.nats.published}, buffered ${d.nats.buffered}, dropped ${d.nats.dropped}`,
            ...d.nats.events.map(
              (e) => `${e.at}  nats     ${e.type}${e.reason ? `  (${e.reason})` : ''}`,
            ),
          ]),
    ].join('\n'),
};
