// meshctl events: tail the local daemon's event bus (NDJSON lines in --json mode).
import type { Command } from '../cli/types.js';
import { parseCount, parseDuration, stringFlag } from '../util/parse.js';

export const events: Command = {
  name: 'events',
  args: ['[pattern]'],
  description:
    'tail the local daemon\'s events ("*" by default, "prefix.*", or a topic); NDJSON in --json mode',
  returns: 'count, dropped',
  flags: {
    count: { type: 'string', description: 'stop after this many events' },
    timeout: { type: 'string', description: 'stop after this long' },
  },
  async run(ctx) {
    const pattern = ctx.args[0] ?? '*';
    const countFlag = stringFlag(ctx.flags, 'count');
    const limit = countFlag === undefined ? Infinity : parseCount(countFlag, '--count');
    const timeout = stringFlag(ctx.flags, 'timeout');
    const stop = new AbortController();
    const onSignal = (): void => stop.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const timer =
      timeout === undefined
        ? undefined
        : setTimeout(() => stop.abort(), parseDuration(timeout, 'timeout'));
    const stream = await (await ctx.client()).events(pattern, { signal: stop.signal });
    ctx.progress(`tailing "${pattern}" (Ctrl-C to stop)`);
    let count = 0;
    try {
      for await (const e of stream) {
        count++;
        if (ctx.json)
          ctx.emit(
            JSON.stringify({ topic: e.topic, node_id: e.nodeId, time: e.time, payload: e.payload }),
          );
        else ctx.emit(`${new Date(e.time).toISOString()} ${e.topic} ${JSON.stringify(e.payload)}`);
        if (count >= limit) break;
      }
    } finally {
      if (timer) clearTimeout(timer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await stream.close();
    }
    return { count, dropped: stream.dropped };
  },
  human: (d: { count: number; dropped: number }) =>
    d.dropped > 0 ? `${d.count} events, ${d.dropped} dropped` : '',
};
