// meshctl bench: push N MiB through the peer's echo service and time both directions.
import { Port } from '@mesh/protocol';
import type { Command } from '../cli/types.js';
import { parseDuration, stringFlag, dialTimeoutOf } from '../util/parse.js';
import { readExactly, writeAsync, dialQuiet } from '../util/streams.js';
import { usageError } from '../cli/errors.js';

/** Result of `bench`. */
export interface BenchResult {
  readonly sent_bytes: number;
  readonly recv_bytes: number;
  readonly send_duration_ms: number;
  readonly total_duration_ms: number;
  readonly send_mbps: number;
  readonly total_mbps: number;
}

export const bench: Command = {
  name: 'bench',
  args: ['<target>', '[size_mb]'],
  description: "throughput through the peer's echo service (default 1 MiB)",
  returns: 'sent_bytes, recv_bytes, send_duration_ms, total_duration_ms, send_mbps, total_mbps',
  flags: { timeout: { type: 'string', description: 'overall deadline (default 120s)' } },
  async run(ctx): Promise<BenchResult> {
    const mb = Number(ctx.args[1] ?? '1');
    if (!Number.isFinite(mb) || mb <= 0 || mb > 1024)
      throw usageError('size_mb must be a number in (0, 1024]');
    const size = Math.round(mb * 1024 * 1024);
    const { randomBytes } = await import('node:crypto'); // only this command needs it
    const data = randomBytes(size);
    const stream = await dialQuiet(
      await ctx.client(),
      ctx.args[0],
      Port.ECHO,
      dialTimeoutOf(ctx.flags),
    );
    const t0 = performance.now();
    let lastPct = -1;
    const back = readExactly(
      stream,
      size,
      parseDuration(stringFlag(ctx.flags, 'timeout') ?? '120s', 'timeout'),
      (got) => {
        const pct = Math.floor((got / size) * 10) * 10;
        if (pct !== lastPct) {
          lastPct = pct;
          ctx.progress(`echoed ${pct}% (${got}/${size} bytes)`);
        }
      },
    );
    back.catch(() => {}); // observed below
    const chunk = 64 * 1024;
    for (let off = 0; off < size; off += chunk)
      await writeAsync(stream, data.subarray(off, off + chunk));
    const sendMs = performance.now() - t0;
    const received = await back;
    const totalMs = performance.now() - t0;
    stream.destroy();
    const mbps = (bytes: number, ms: number): number =>
      Math.round(((bytes * 8) / (ms / 1000) / 1e6) * 100) / 100;
    return {
      sent_bytes: size,
      recv_bytes: received.length,
      send_duration_ms: Math.round(sendMs),
      total_duration_ms: Math.round(totalMs),
      send_mbps: mbps(size, sendMs),
      total_mbps: mbps(size * 2, totalMs),
    };
  },
  human: (d: BenchResult) =>
    `sent ${d.sent_bytes} B in ${d.send_duration_ms} ms (${d.send_mbps} Mbit/s); round trip ${d.total_duration_ms} ms (${d.total_mbps} Mbit/s both ways)`,
};
