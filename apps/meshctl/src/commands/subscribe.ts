// meshctl subscribe: the first event frame on a port-1002 stream subscribes; events then stream in.
import { EventFrameDecoder, encodeEventFrame, Port } from '@mesh/protocol';
import { dialQuiet } from '../util/streams.js';
import type { Command } from '../cli/types.js';
import { parseCount, parseDuration, stringFlag, dialTimeoutOf } from '../util/parse.js';

/** One received event. */
export interface ReceivedEvent {
  readonly topic: string;
  readonly data: string;
  readonly bytes: number;
}

export const subscribe: Command = {
  name: 'subscribe',
  args: ['<target>', '<topic>'],
  description:
    'subscribe to a topic on the peer\'s event stream ("*" for all); NDJSON lines in --json mode',
  returns: 'events[{topic, data, bytes}], timeout',
  flags: {
    count: { type: 'string', description: 'stop after this many events' },
    timeout: { type: 'string', description: 'stop after this long' },
  },
  async run(ctx) {
    const count =
      stringFlag(ctx.flags, 'count') === undefined
        ? Infinity
        : parseCount(stringFlag(ctx.flags, 'count')!, '--count');
    const timeout = stringFlag(ctx.flags, 'timeout');
    const stream = await dialQuiet(
      await ctx.client(),
      ctx.args[0],
      Port.EVENT_STREAM,
      dialTimeoutOf(ctx.flags),
    );
    stream.write(encodeEventFrame({ topic: ctx.args[1], payload: new Uint8Array(0) }));
    ctx.progress(`subscribed to "${ctx.args[1]}" on ${ctx.args[0]}`);
    const decoder = new EventFrameDecoder();
    const events: ReceivedEvent[] = [];
    let timedOut = false;
    await new Promise<void>((resolve) => {
      const timer =
        timeout === undefined
          ? undefined
          : setTimeout(() => ((timedOut = true), resolve()), parseDuration(timeout, 'timeout'));
      stream.on('data', (c: Buffer) => {
        for (const f of decoder.push(c)) {
          const ev = {
            topic: f.topic,
            data: Buffer.from(f.payload).toString('utf8'),
            bytes: f.payload.length,
          };
          events.push(ev);
          if (ctx.json) ctx.emit(JSON.stringify(ev));
          else ctx.emit(`[${ev.topic}] ${ev.data}`);
          if (events.length >= count) {
            if (timer) clearTimeout(timer);
            resolve();
          }
        }
      });
      stream.once('end', () => resolve());
      stream.once('error', () => resolve());
    });
    stream.destroy();
    return { events, timeout: timedOut };
  },
  human: () => '',
};
