// meshctl send-file: one FILE frame to the peer's data-exchange service (port 1001), with progress.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createHash } from 'node:crypto';
import {
  DataFrameDecoder,
  DataType,
  encodeDataFrame,
  encodeFilePayload,
  Port,
} from '@mesh/protocol';
import { CliError } from '../cli/errors.js';
import type { Command } from '../cli/types.js';
import { parseDuration, stringFlag, dialTimeoutOf } from '../util/parse.js';
import { writeAsync, dialQuiet } from '../util/streams.js';
import { awaitAck } from './send-message.js';

/** Result of `send-file`. */
export interface SendFileResult {
  readonly target: string;
  readonly filename: string;
  readonly bytes: number;
  readonly sha256: string;
  readonly ack: string;
}

const CHUNK = 64 * 1024;

export const sendFile: Command = {
  name: 'send-file',
  args: ['<target>', '<path>'],
  description: "send a file to the peer's data-exchange service (saved in its received/ directory)",
  returns: 'target, filename, bytes, sha256, ack',
  flags: { timeout: { type: 'string', description: 'acknowledgement deadline (default 60s)' } },
  async run(ctx): Promise<SendFileResult> {
    const file = ctx.args[1];
    let data: Buffer;
    try {
      data = await readFile(file);
    } catch (err) {
      throw new CliError('not_found', `cannot read ${file}: ${(err as Error).message}`);
    }
    const filename = path.basename(file);
    const frame = encodeDataFrame({
      type: DataType.FILE,
      payload: encodeFilePayload({ name: filename, data }),
    });
    const stream = await dialQuiet(
      await ctx.client(),
      ctx.args[0],
      Port.DATA_EXCHANGE,
      dialTimeoutOf(ctx.flags),
    );
    const decoder = new DataFrameDecoder();
    const ack = awaitAck(
      stream,
      decoder,
      parseDuration(stringFlag(ctx.flags, 'timeout') ?? '60s', 'timeout'),
    );
    let sent = 0;
    let lastPct = -1;
    for (let off = 0; off < frame.length; off += CHUNK) {
      const part = frame.subarray(off, off + CHUNK);
      await writeAsync(stream, part);
      sent += part.length;
      const pct = Math.floor((sent / frame.length) * 100);
      if (pct !== lastPct && (pct % 10 === 0 || sent === frame.length)) {
        lastPct = pct;
        ctx.progress(`sending ${filename}: ${pct}% (${sent}/${frame.length} bytes)`);
      }
    }
    const reply = await ack;
    stream.end();
    return {
      target: ctx.args[0],
      filename,
      bytes: data.length,
      sha256: createHash('sha256').update(data).digest('hex'),
      ack: reply,
    };
  },
  human: (d: SendFileResult) =>
    `sent ${d.filename} (${d.bytes} bytes, sha256 ${d.sha256.slice(0, 16)}…) to ${d.target}: ${d.ack}`,
};
