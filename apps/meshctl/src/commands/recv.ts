// meshctl recv: listen on a port and collect messages (one per inbound stream, read to its FIN).
import { CliError } from '../cli/errors.js';
import type { Command } from '../cli/types.js';
import { parseCount, parseDuration, parsePort, stringFlag } from '../util/parse.js';
import { readUntilEnd } from '../util/streams.js';

/** One received message. */
export interface ReceivedMessage {
  readonly seq: number;
  readonly port: number;
  readonly from: string;
  readonly data: string;
  readonly bytes: number;
}

export const recv: Command = {
  name: 'recv',
  args: ['<port>'],
  description: 'listen on a port and print the messages that arrive',
  returns: 'messages[{seq, port, from, data, bytes}], timeout',
  flags: {
    count: { type: 'string', description: 'stop after this many messages (default 1)' },
    timeout: { type: 'string', description: 'give up after this long (default 30s)' },
  },
  async run(ctx) {
    const port = parsePort(ctx.args[0]);
    const count = parseCount(stringFlag(ctx.flags, 'count') ?? '1', '--count');
    const timeoutMs = parseDuration(stringFlag(ctx.flags, 'timeout') ?? '30s', 'timeout');
    const listener = await (await ctx.client()).listen(port);
    ctx.progress(`listening on port ${port}…`);
    const messages: ReceivedMessage[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      listener.close().catch(() => {}); // closed again (and awaited) below
    }, timeoutMs);
    try {
      while (messages.length < count) {
        const stream = await listener.accept();
        if (!stream) break;
        stream.on('error', () => {}); // a reset shows up as a short read below
        const { data } = await readUntilEnd(stream, timeoutMs);
        stream.end();
        const msg = {
          seq: messages.length + 1,
          port,
          from: stream.remoteAddr,
          data: data.toString('utf8'),
          bytes: data.length,
        };
        messages.push(msg);
        if (ctx.json && count > 1) continue;
        ctx.progress(`[${msg.seq}] ${msg.from}: ${msg.data}`);
      }
    } finally {
      clearTimeout(timer);
      await listener.close();
    }
    if (messages.length === 0 && timedOut)
      throw new CliError('timeout', `no message on port ${port} within the deadline`);
    return { messages, timeout: timedOut };
  },
  human: (d: { messages: ReceivedMessage[] }) => d.messages.map((m) => m.data).join('\n'),
};
