// meshctl send-file: a chunked, resumable file stream to the peer's data-exchange service (port
// 1001), SHA-256 end to end, with progress; one FILE frame for receivers without the extension.
import { createReadStream } from 'node:fs';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import {
  DataFrameDecoder,
  DataType,
  encodeDataFrame,
  encodeFilePayload,
  FILE_STREAM_CHUNK_SIZE,
  FILE_STREAM_WINDOW,
  FileStreamType,
  MAX_SERVICE_PAYLOAD,
  Port,
} from '@mesh/protocol';
import { CliError } from '../cli/errors.js';
import type { Command } from '../cli/types.js';
import { parseDuration, stringFlag, dialTimeoutOf } from '../util/parse.js';
import { writeAsync, dialQuiet } from '../util/streams.js';

/** Result of `send-file`. */
export interface SendFileResult {
  readonly target: string;
  readonly filename: string;
  readonly bytes: number;
  readonly sha256: string;
  /** Offset the transfer resumed from (0 for a fresh transfer). */
  readonly resumed_from: number;
  /** `stream` (chunked, resumable) or `frame` (one classic FILE frame). */
  readonly mode: 'stream' | 'frame';
  readonly ack: string;
}

/** Largest file the classic single FILE frame carries (16 MiB payload minus the name header). */
const FRAME_LIMIT = MAX_SERVICE_PAYLOAD - 2 - 65_535;

export const sendFile: Command = {
  name: 'send-file',
  args: ['<target>', '<path>'],
  description:
    "send a file to the peer's data-exchange service in resumable chunks (saved in its received/ directory)",
  returns: 'target, filename, bytes, sha256, resumed_from, mode, ack',
  flags: { timeout: { type: 'string', description: 'per-reply deadline (default 60s)' } },
  async run(ctx): Promise<SendFileResult> {
    const file = ctx.args[1];
    let size: number;
    try {
      const info = await (await import('node:fs/promises')).stat(file);
      if (!info.isFile()) throw new Error('not a regular file');
      size = info.size;
    } catch (err) {
      throw new CliError('not_found', `cannot read ${file}: ${(err as Error).message}`);
    }
    const filename = path.basename(file);
    const timeoutMs = parseDuration(stringFlag(ctx.flags, 'timeout') ?? '60s', 'timeout');
    const sha256 = await hashFile(file);
    const stream = await dialQuiet(
      await ctx.client(),
      ctx.args[0],
      Port.DATA_EXCHANGE,
      dialTimeoutOf(ctx.flags),
    );
    const replies = new ReplyReader(stream, timeoutMs);
    try {
      const offer = new TextEncoder().encode(JSON.stringify({ name: filename, size, sha256 }));
      await writeAsync(stream, encodeDataFrame({ type: FileStreamType.OFFER, payload: offer }));
      const first = await replies.next();
      const resume = /^RESUME (\d+)$/.exec(first);
      let ack: string;
      let resumedFrom = 0;
      let mode: SendFileResult['mode'] = 'stream';
      if (resume === null) {
        // A receiver without the extension: one classic FILE frame when it fits.
        if (first.startsWith('ERR FILE_STREAM'))
          throw new CliError('connection_failed', `peer answered: ${first}`);
        if (size > FRAME_LIMIT)
          throw new CliError(
            'unavailable',
            `the peer does not support chunked file streams (it answered "${first}") and ${filename} is larger than one 16 MiB FILE frame; upgrade the peer's meshd`,
          );
        mode = 'frame';
        ack = await sendFrame(stream, replies, file, filename, size, (line) => ctx.progress(line));
      } else {
        resumedFrom = Number(resume[1]);
        if (resumedFrom > 0) ctx.progress(`resuming ${filename} at byte ${resumedFrom} of ${size}`);
        ack = await sendChunks(stream, replies, file, filename, size, resumedFrom, (line) =>
          ctx.progress(line),
        );
      }
      stream.end();
      return {
        target: ctx.args[0],
        filename,
        bytes: size,
        sha256,
        resumed_from: resumedFrom,
        mode,
        ack,
      };
    } finally {
      replies.close();
    }
  },
  human: (d: SendFileResult) =>
    `sent ${d.filename} (${d.bytes} bytes, sha256 ${d.sha256.slice(0, 16)}…${d.resumed_from > 0 ? `, resumed at ${d.resumed_from}` : ''}) to ${d.target}: ${d.ack}`,
};

/** SHA-256 of a file, read in a stream (bounded memory). */
async function hashFile(file: string): Promise<string> {
  const hash = (await import('node:crypto')).createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Prints a progress line at every 10 % step and at the end. */
function progressPrinter(
  filename: string,
  total: number,
  progress: (line: string) => void,
): (sent: number) => void {
  let lastPct = -1;
  return (sent) => {
    const pct = total === 0 ? 100 : Math.floor((sent / total) * 100);
    if (pct !== lastPct && (pct % 10 === 0 || sent === total)) {
      lastPct = pct;
      progress(`sending ${filename}: ${pct}% (${sent}/${total} bytes)`);
    }
  };
}

/**
 * Streams the file from `offset` in CHUNK frames, at most {@link FILE_STREAM_WINDOW} unacknowledged,
 * so sender and receiver hold at most window × chunk size bytes in flight.
 */
async function sendChunks(
  stream: Duplex,
  replies: ReplyReader,
  file: string,
  filename: string,
  size: number,
  offset: number,
  progress: (line: string) => void,
): Promise<string> {
  const report = progressPrinter(filename, size, progress);
  const handle = await (await import('node:fs/promises')).open(file, 'r');
  try {
    let sent = offset;
    let inFlight = 0;
    const settle = async (): Promise<void> => {
      const reply = await replies.next();
      const ok = /^OK (\d+)$/.exec(reply);
      if (ok === null) throw new CliError('connection_failed', `peer answered: ${reply}`);
      inFlight--;
      report(Number(ok[1]));
    };
    while (sent < size) {
      if (inFlight >= FILE_STREAM_WINDOW) await settle();
      const buf = Buffer.allocUnsafe(Math.min(FILE_STREAM_CHUNK_SIZE, size - sent));
      const { bytesRead } = await handle.read(buf, 0, buf.length, sent);
      if (bytesRead === 0) throw new CliError('internal', `${filename} shrank while being sent`);
      await writeAsync(
        stream,
        encodeDataFrame({ type: FileStreamType.CHUNK, payload: buf.subarray(0, bytesRead) }),
      );
      sent += bytesRead;
      inFlight++;
    }
    while (inFlight > 0) await settle();
    if (size === 0 || offset === size) report(size);
    await writeAsync(
      stream,
      encodeDataFrame({ type: FileStreamType.END, payload: new Uint8Array() }),
    );
    const ack = await replies.next();
    if (!ack.startsWith('ACK')) throw new CliError('connection_failed', `peer answered: ${ack}`);
    return ack;
  } finally {
    await handle.close();
  }
}

/** The classic path: the whole file in one FILE frame (≤ 16 MiB). */
async function sendFrame(
  stream: Duplex,
  replies: ReplyReader,
  file: string,
  filename: string,
  size: number,
  progress: (line: string) => void,
): Promise<string> {
  const handle = await (await import('node:fs/promises')).open(file, 'r');
  let data: Buffer;
  try {
    data = await handle.readFile();
  } finally {
    await handle.close();
  }
  const frame = encodeDataFrame({
    type: DataType.FILE,
    payload: encodeFilePayload({ name: filename, data }),
  });
  const report = progressPrinter(filename, frame.length, progress);
  for (let off = 0; off < frame.length; off += FILE_STREAM_CHUNK_SIZE) {
    const part = frame.subarray(off, off + FILE_STREAM_CHUNK_SIZE);
    await writeAsync(stream, part);
    report(off + part.length);
  }
  const ack = await replies.next();
  if (!ack.startsWith('ACK') || size !== data.length)
    throw new CliError('connection_failed', `peer answered: ${ack}`);
  return ack;
}

/** Reads the peer's TEXT reply frames in order, each with a deadline. */
class ReplyReader {
  private readonly decoder = new DataFrameDecoder();
  private readonly queue: string[] = [];
  private waiter: { resolve: (t: string) => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;
  private readonly onData = (c: Buffer): void => {
    let frames;
    try {
      frames = this.decoder.push(c);
    } catch (e) {
      this.fail(new CliError('connection_failed', `bad reply from the peer: ${String(e)}`));
      return;
    }
    for (const f of frames) this.queue.push(Buffer.from(f.payload).toString('utf8'));
    this.pump();
  };
  private readonly onEnd = (): void =>
    this.fail(new CliError('connection_failed', 'the peer closed the stream before it finished'));
  private readonly onError = (e: Error): void =>
    this.fail(new CliError('connection_failed', e.message));

  constructor(
    private readonly stream: Duplex,
    private readonly timeoutMs: number,
  ) {
    stream.on('data', this.onData);
    stream.on('end', this.onEnd);
    stream.on('error', this.onError);
  }

  /** The next reply text. */
  next(): Promise<string> {
    const ready = this.queue.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new CliError('timeout', 'no reply from the peer before the deadline'));
      }, this.timeoutMs);
      this.waiter = {
        resolve: (t) => {
          clearTimeout(timer);
          resolve(t);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
    });
  }

  /** Stops listening. */
  close(): void {
    this.stream.off('data', this.onData);
    this.stream.off('end', this.onEnd);
    this.stream.off('error', this.onError);
  }

  private pump(): void {
    const w = this.waiter;
    const t = this.queue[0];
    if (w === undefined || t === undefined) return;
    this.queue.shift();
    this.waiter = undefined;
    w.resolve(t);
  }

  private fail(e: Error): void {
    this.failure ??= e;
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(e);
  }
}
