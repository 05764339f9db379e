// meshctl send: dial, write, FIN, and collect whatever the peer answers before its FIN.
import { usageError } from '../cli/errors.js';
import type { Command } from '../cli/types.js';
import { parseDuration, parsePort, stringFlag, dialTimeoutOf } from '../util/parse.js';
import { readUntilEnd, dialQuiet } from '../util/streams.js';

/** Result of `send`. */
export interface SendResult {
  readonly target: string;
  readonly port: number;
  readonly sent: number;
  readonly response: string;
}

export const send: Command = {
  name: 'send',
  args: ['<target>', '<port>'],
  description:
    'open a stream, send --data, and print the reply (if any) the peer sends before closing',
  returns: 'target, port, sent, response',
  flags: {
    data: { type: 'string', description: 'the message' },
    timeout: { type: 'string', description: 'how long to wait for the reply (default 10s)' },
  },
  async run(ctx): Promise<SendResult> {
    const data = stringFlag(ctx.flags, 'data');
    if (data === undefined)
      throw usageError(
        'send needs --data <message>',
        'meshctl send <target> <port> --data <message>',
      );
    const port = parsePort(ctx.args[1]);
    const stream = await dialQuiet(await ctx.client(), ctx.args[0], port, dialTimeoutOf(ctx.flags));
    const reply = readUntilEnd(
      stream,
      parseDuration(stringFlag(ctx.flags, 'timeout') ?? '10s', 'timeout'),
    );
    stream.end(data);
    const { data: response } = await reply;
    stream.destroy();
    return {
      target: ctx.args[0],
      port,
      sent: Buffer.byteLength(data),
      response: response.toString('utf8'),
    };
  },
  human: (d: SendResult) =>
    `sent ${d.sent} bytes to ${d.target}:${d.port}${d.response === '' ? '' : `\n${d.response}`}`,
};
