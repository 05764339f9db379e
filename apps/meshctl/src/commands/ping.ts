// meshctl ping: round trips through the peer's echo service (port 7) on one stream.
import { Port } from '@mesh/protocol';
import type { Command } from '../cli/types.js';
import { parseCount, parseDuration, stringFlag, dialTimeoutOf } from '../util/parse.js';
import { readExactly, writeAsync, dialQuiet } from '../util/streams.js';

/** One ping result. */
export type PingResult =
  | { readonly seq: number; readonly rtt_ms: number }
  | { readonly seq: number; readonly error: string };

export const ping: Command = {
  name: 'ping',
  args: ['<target>'],
  description: "measure round trips through the peer's echo service",
  returns: 'target, results[{seq, rtt_ms} | {seq, error}], min_ms, avg_ms, max_ms',
  flags: {
    count: { type: 'string', description: 'round trips (default 4)' },
    timeout: { type: 'string', description: 'per round trip (default 5s)' },
  },
  async run(ctx) {
    const count = parseCount(stringFlag(ctx.flags, 'count') ?? '4', '--count');
    const timeoutMs = parseDuration(stringFlag(ctx.flags, 'timeout') ?? '5s', 'timeout');
    const stream = await dialQuiet(
      await ctx.client(),
      ctx.args[0],
      Port.ECHO,
      dialTimeoutOf(ctx.flags),
    );
    const results: PingResult[] = [];
    for (let seq = 1; seq <= count; seq++) {
      const probe = Buffer.from(`ping ${seq} ${Date.now()}`.padEnd(32, '.'));
      const t0 = process.hrtime.bigint();
      try {
        // Listen before writing: the echo can overtake the write's acknowledgement.
        const echoed = readExactly(stream, probe.length, timeoutMs);
        echoed.catch(() => {}); // observed below; avoid an unhandled rejection while writing
        await writeAsync(stream, probe);
        await echoed;
        const rtt = Number(process.hrtime.bigint() - t0) / 1e6;
        results.push({ seq, rtt_ms: Math.round(rtt * 1000) / 1000 });
        ctx.progress(
          `${probe.length} bytes from ${ctx.args[0]}: seq=${seq} time=${rtt.toFixed(2)} ms`,
        );
      } catch (err) {
        results.push({ seq, error: (err as Error).message });
        break;
      }
    }
    stream.destroy();
    const rtts = results.flatMap((r) => ('rtt_ms' in r ? [r.rtt_ms] : []));
    const round = (n: number): number => Math.round(n * 1000) / 1000;
    return {
      target: ctx.args[0],
      results,
      min_ms: rtts.length ? round(Math.min(...rtts)) : 0,
      avg_ms: rtts.length ? round(rtts.reduce((a, b) => a + b, 0) / rtts.length) : 0,
      max_ms: rtts.length ? round(Math.max(...rtts)) : 0,
    };
  },
  human: (d: { results: PingResult[]; min_ms: number; avg_ms: number; max_ms: number }) =>
    `${d.results.filter((r) => 'rtt_ms' in r).length}/${d.results.length} replies, rtt min/avg/max = ${d.min_ms}/${d.avg_ms}/${d.max_ms} ms`,
};
