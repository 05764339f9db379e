// meshctl connect: stdin → stream → stdout, or one --message and its reply.
import type { Command } from '../cli/types.js';
import { parseDuration, parsePort, stringFlag, dialTimeoutOf } from '../util/parse.js';
import { readUntilEnd, dialQuiet } from '../util/streams.js';

export const connectCmd: Command = {
  name: 'connect',
  args: ['<target>', '[port]'],
  description:
    'open a stream (default port 1000): pipe stdin to it and it to stdout, or send --message and print the reply',
  returns: 'with --message: target, port, sent, response; otherwise bytes_in, bytes_out',
  flags: {
    message: {
      type: 'string',
      description: 'send this and print the reply instead of piping stdin',
    },
    timeout: { type: 'string', description: 'reply deadline with --message (default 10s)' },
  },
  async run(ctx) {
    const port = parsePort(ctx.args[1] ?? '1000');
    const stream = await dialQuiet(await ctx.client(), ctx.args[0], port, dialTimeoutOf(ctx.flags));
    const message = stringFlag(ctx.flags, 'message');
    if (message !== undefined) {
      const reply = readUntilEnd(
        stream,
        parseDuration(stringFlag(ctx.flags, 'timeout') ?? '10s', 'timeout'),
      );
      stream.end(message);
      const { data } = await reply;
      stream.destroy();
      return {
        target: ctx.args[0],
        port,
        sent: Buffer.byteLength(message),
        response: data.toString('utf8'),
      };
    }
    ctx.progress(`connected to ${stream.remoteAddr}:${port}; ^D to finish`);
    let bytesIn = 0;
    let bytesOut = 0;
    stream.on('data', (c: Buffer) => {
      bytesIn += c.length;
      if (!ctx.json) ctx.stdout.write(c);
    });
    ctx.stdin.on('data', (c: Buffer) => {
      bytesOut += c.length;
      stream.write(c);
    });
    ctx.stdin.once('end', () => stream.end());
    await new Promise<void>((resolve, reject) => {
      stream.once('end', () => resolve());
      stream.once('error', reject);
    });
    stream.end();
    return { bytes_in: bytesIn, bytes_out: bytesOut };
  },
  human: () => '',
};
