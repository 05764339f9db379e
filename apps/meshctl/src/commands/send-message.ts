// meshctl send-message: one TEXT/JSON/BINARY frame to the peer's data-exchange inbox (port 1001).
import type { Duplex } from 'node:stream';
import { DataFrameDecoder, DataType, encodeDataFrame, Port } from '@mesh/protocol';
import { CliError, usageError } from '../cli/errors.js';
import { dialQuiet } from '../util/streams.js';
import type { Command } from '../cli/types.js';
import { parseDuration, stringFlag, dialTimeoutOf } from '../util/parse.js';

/**
 * Waits for the service's TEXT acknowledgement frame (`ACK <TYPE> <n> bytes` or `ERR …`).
 * @param stream - the data-exchange stream.
 * @param decoder - frame decoder.
 * @param timeoutMs - deadline.
 * @returns the ACK text.
 */
export function awaitAck(
  stream: Duplex,
  decoder: DataFrameDecoder,
  timeoutMs: number,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => fail(new CliError('timeout', 'no acknowledgement from the peer before the deadline')),
      timeoutMs,
    );
    const cleanup = (): void => {
      clearTimeout(timer);
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
    };
    const fail = (e: Error): void => {
      cleanup();
      reject(e);
    };
    const onData = (c: Buffer): void => {
      for (const f of decoder.push(c)) {
        const text = Buffer.from(f.payload).toString('utf8');
        cleanup();
        if (text.startsWith('ERR'))
          reject(new CliError('connection_failed', `peer answered: ${text}`));
        else resolve(text);
        return;
      }
    };
    const onEnd = (): void =>
      fail(new CliError('connection_failed', 'peer closed without acknowledging'));
    const onError = (e: Error): void => fail(new CliError('connection_failed', e.message));
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', onError);
  });
}

const TYPES: Record<string, number> = {
  text: DataType.TEXT,
  json: DataType.JSON,
  binary: DataType.BINARY,
};

export const sendMessage: Command = {
  name: 'send-message',
  args: ['<target>'],
  description: "deliver a message to the peer's inbox through its data-exchange service",
  returns: 'target, type, bytes, ack',
  flags: {
    data: { type: 'string', description: 'the message' },
    type: { type: 'string', description: 'text | json | binary (default text)' },
    timeout: { type: 'string', description: 'acknowledgement deadline (default 10s)' },
  },
  async run(ctx) {
    const data = stringFlag(ctx.flags, 'data');
    if (data === undefined) throw usageError('send-message needs --data <text>');
    const typeName = stringFlag(ctx.flags, 'type') ?? 'text';
    const type = TYPES[typeName];
    if (type === undefined) throw usageError('--type must be text, json or binary');
    if (typeName === 'json') {
      try {
        JSON.parse(data);
      } catch {
        throw usageError('--data is not valid JSON');
      }
    }
    const payload = Buffer.from(data, 'utf8');
    const stream = await dialQuiet(
      await ctx.client(),
      ctx.args[0],
      Port.DATA_EXCHANGE,
      dialTimeoutOf(ctx.flags),
    );
    const ack = awaitAck(
      stream,
      new DataFrameDecoder(),
      parseDuration(stringFlag(ctx.flags, 'timeout') ?? '10s', 'timeout'),
    );
    stream.write(encodeDataFrame({ type, payload }));
    const reply = await ack;
    stream.end();
    return { target: ctx.args[0], type: typeName, bytes: payload.length, ack: reply };
  },
  human: (d: { target: string; ack: string }) => `delivered to ${d.target}: ${d.ack}`,
};
