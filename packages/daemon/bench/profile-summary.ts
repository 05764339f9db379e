/**
 * Self time of a `.cpuprofile` by category (crypto, UDP, GC, stream logic, …) and the top
 * functions, as a share of the busy (non-idle) time. Native code called from JavaScript (a
 * cipher's `update`, a socket's `send`) counts to the category of its JavaScript caller.
 * Run: tsx bench/profile-summary.ts <file.cpuprofile> [top]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The category a frame starts; `undefined` inherits the caller's. */
function categoryOf(fn: string, url: string): string | undefined {
  if (fn === '(garbage collector)') return 'GC';
  if (fn === '(idle)') return 'idle';
  if (fn === '(program)') return 'native (program)';
  if (fn === '(root)') return 'other';
  if (url.includes('internal/crypto') || url === 'node:crypto') return 'AES-GCM (node:crypto)';
  if (url.includes('dgram') || fn === 'onMessage') return 'UDP send/receive';
  if (url.includes('/crc32')) return 'CRC-32';
  if (url.includes('/src/transport/')) return 'stream transport';
  if (url.includes('/src/crypto/')) return 'tunnel crypto glue';
  if (url.includes('/src/tunnel/')) return 'tunnel';
  if (url.includes('/src/daemon/')) return 'daemon routing';
  if (url.includes('/protocol/')) return 'packet encode/decode';
  if (url.includes('internal/streams') || url === 'node:stream') return 'node streams';
  if (url.includes('internal/timers') || url === 'node:timers') return 'timers';
  if (url.includes('internal/buffer') || url === 'node:buffer') return 'buffer ops';
  if (url.includes('events')) return 'events';
  if (url.includes('internal/process/task_queues')) return 'microtasks/ticks';
  if (url.includes('/bench/')) return 'bench driver';
  if (url === '') return undefined;
  return 'other JS';
}

const file = process.argv[2];
if (file === undefined) throw new Error('usage: profile-summary.ts <file.cpuprofile> [top]');
const top = Number(process.argv[3] ?? 15);
const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const cat = new Map<number, string>();
const walk = (id: number, inherited: string): void => {
  const n = byId.get(id)!;
  const c = categoryOf(n.callFrame.functionName, n.callFrame.url) ?? inherited;
  cat.set(id, c);
  for (const k of n.children ?? []) walk(k, c);
};
walk(p.nodes[0].id, 'other');
const selfUs = new Map<number, number>();
for (let i = 0; i < p.samples.length; i++) {
  const id = p.samples[i];
  selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i + 1] ?? 0));
}
const byCat = new Map<string, number>();
const byFn = new Map<string, number>();
let busy = 0;
let idle = 0;
for (const [id, us] of selfUs) {
  const c = cat.get(id)!;
  if (c === 'idle') {
    idle += us;
    continue;
  }
  busy += us;
  byCat.set(c, (byCat.get(c) ?? 0) + us);
  const f = byId.get(id)!.callFrame;
  const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(packages|node:)/, '$1')}:${f.lineNumber + 1}`;
  byFn.set(key, (byFn.get(key) ?? 0) + us);
}
const pct = (us: number): string => `${((100 * us) / busy).toFixed(1).padStart(5)} %`;
process.stdout.write(
  `# ${file}: busy ${(busy / 1000).toFixed(0)} ms, idle ${(idle / 1000).toFixed(0)} ms\n`,
);
for (const [c, us] of [...byCat].sort((a, b) => b[1] - a[1]))
  process.stdout.write(`${pct(us)}  ${c}\n`);
process.stdout.write('# top functions (self)\n');
for (const [f, us] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, top))
  process.stdout.write(`${pct(us)}  ${f}\n`);
