// meshctl publish: subscribe frame, then one publish frame on the peer's event stream.
import { encodeEventFrame, Port } from '@mesh/protocol';
import { usageError } from '../cli/errors.js';
import type { Command } from '../cli/types.js';
import { stringFlag } from '../util/parse.js';
import { writeAsync, dialQuiet } from '../util/streams.js';

export const publish: Command = {
  name: 'publish',
  args: ['<target>', '<topic>'],
  description: "publish --data on a topic of the peer's event stream",
  returns: 'target, topic, bytes',
  flags: { data: { type: 'string', description: 'the event payload' } },
  async run(ctx) {
    const data = stringFlag(ctx.flags, 'data');
    if (data === undefined) throw usageError('publish needs --data <payload>');
    const topic = ctx.args[1];
    const stream = await dialQuiet(await ctx.client(), ctx.args[0], Port.EVENT_STREAM);
    // The first frame on a connection is its subscription; publish on the second.
    await writeAsync(stream, encodeEventFrame({ topic, payload: new Uint8Array(0) }));
    await writeAsync(stream, encodeEventFrame({ topic, payload: Buffer.from(data) }));
    stream.end();
    await new Promise((r) => stream.once('close', r).once('end', r));
    return { target: ctx.args[0], topic, bytes: Buffer.byteLength(data) };
  },
  human: (d: { topic: string; bytes: number }) => `published ${d.bytes} bytes on "${d.topic}"`,
};
