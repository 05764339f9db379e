// Cost of the plugin host helpers against a hand-written baseline measured in the same run:
// payload dispatch by kind across 20 plugins vs calling the right handler directly, and
// forgotten-peer fan-out vs a plain loop over the hooks.
// Run: pnpm --filter @mesh/daemonapi run bench   (BENCH_MS sets the time per case, default 1000)
import { dispatchPayload, notifyPeerForgotten } from '../src/index.js';
import type { Plugin, PluginPayload } from '../src/index.js';

const TIME_MS = Number(process.env.BENCH_MS ?? 1000);
let sink = 0;

async function rate(fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 20_000; i++) await fn(); // warm up
  let ops = 0;
  const start = performance.now();
  let now = start;
  while (now - start < TIME_MS) {
    for (let i = 0; i < 1000; i++) await fn();
    ops += 1000;
    now = performance.now();
  }
  return (ops / (now - start)) * 1000;
}

const plugins: Plugin[] = Array.from({ length: 20 }, (_, i) => ({
  name: `p${i}`,
  payloadKinds: [`p${i}.a`, `p${i}.b`],
  init: () => {},
  shutdown: () => {},
  handlePayload: async (_source: number, payload: PluginPayload) => {
    sink += payload.body.length;
  },
  onPeerForgotten: async (nodeId: number) => {
    sink += nodeId;
  },
}));
const last = plugins[19];
const payload: PluginPayload = { kind: 'p19.b', body: new Uint8Array(64) };

const fmt = (n: number): string => `${(n / 1e6).toFixed(2)} M/s`.padStart(11);
const row = (label: string, ours: number, base: number): void =>
  console.log(
    `${label.padEnd(44)} ${fmt(ours)}   baseline ${fmt(base)}   (${((ours / base) * 100).toFixed(0)}%)`,
  );

const dispatch = await rate(() => dispatchPayload(plugins, 1, payload));
const direct = await rate(async () => {
  await last.handlePayload!(1, payload);
});
row('dispatchPayload (20 plugins, last one claims)', dispatch, direct);

const notify = await rate(() => notifyPeerForgotten(plugins, 7));
const loop = await rate(async () => {
  for (const p of plugins) await p.onPeerForgotten!(7);
});
row('notifyPeerForgotten (20 hooks)', notify, loop);
if (sink < 0) console.log(sink);
