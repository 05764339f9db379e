/**
 * SDK stream figures between two real meshd processes on loopback (rendezvous in a third), each
 * row beside its baselines from the same run:
 * - one-way transfer (BENCH_MB, default 100 MiB) through `@mesh/client`: dial, write, end; the
 *   receiving client counts bytes until FIN;
 * - the same transfer between two engines (`@mesh/daemon`) in their own processes, no IPC;
 * - the same three-process shape through two plain unix-socket relays (no engine, no crypto);
 * - raw TCP on loopback, and js-libp2p (TCP + noise + yamux) both in this process and with each
 *   node in its own process (the engine row's shape: the fair comparison on two cores);
 * - 64-byte round trips through the SDK (p50 / p99), fresh and warm (see WARMUP_MS), beside two
 *   engines without IPC, the same six process hops through plain relays, and raw TCP.
 * Run: pnpm --filter @mesh/client run bench   (needs meshd, mesh-rendezvous and @mesh/daemon built)
 * BENCH_MESHD=<file> runs another meshd build (before / after comparisons on one machine).
 * BENCH_CPU_PROF=<dir> writes a V8 CPU profile of each meshd process there (open in Chrome
 * DevTools); BENCH_ONLY=oneway|rtt runs only the SDK rows of that kind (for profiles);
 * BENCH_ONLY=engine-vs-libp2p runs the engine and both js-libp2p one-way rows alternately,
 * BENCH_ROUNDS (default 5) times each, with their CPU (the two swing a lot between runs here).
 */
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect as tcpConnect, createServer } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Duplex } from 'node:stream';
import { connect } from '../src/index.js';
import type { MeshClient } from '../src/index.js';
import { libp2pOneWay } from './libp2p.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const apps = path.resolve(here, '../../../apps');
const MESHD = process.env['BENCH_MESHD'] ?? path.join(apps, 'meshd/dist/index.js');
const RENDEZVOUS = path.join(apps, 'rendezvous/dist/index.js');
for (const f of [MESHD, RENDEZVOUS])
  if (!existsSync(f)) throw new Error(`${f} is missing: run "pnpm turbo run build" first`);

const MB = 1024 * 1024;
const BYTES = Number(process.env['BENCH_MB'] ?? 100) * MB;
const PINGS = Number(process.env['BENCH_PINGS'] ?? 10_000);
/**
 * Every round-trip row is measured twice on one stream: `fresh`, the first 2000 round trips
 * after 100 untimed ones (processes a few seconds old: V8 still runs the packet path in its
 * lower tiers and compiles in the background on the same two cores, which shows as a
 * multi-millisecond p99), and `warm`, {@link PINGS} round trips once the stream has carried
 * pings for at least this long, as in a long-running daemon. Every row warms up alike.
 */
const WARMUP_MS = Number(process.env['BENCH_WARMUP_MS'] ?? 5000);
const FRESH_PINGS = 2000;
const CHUNK = Buffer.alloc(64 * 1024, 0x5a);
const PROF = process.env['BENCH_CPU_PROF'];
const ONLY = process.env['BENCH_ONLY'];
const root = mkdtempSync(path.join(tmpdir(), 'mesh-bench-sdk-'));
const children: ChildProcessWithoutNullStreams[] = [];

/** CPU time (user + system, or system only) a process used so far, ms; undefined off Linux. */
function cpuMs(pid: number | undefined, systemOnly = false): number | undefined {
  if (pid === undefined) return undefined;
  try {
    // Fields 14 and 15 of /proc/<pid>/stat (after the parenthesised name), in 1/100 s.
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((systemOnly ? 0 : Number(f[11])) + Number(f[12])) * 10;
  } catch {
    return undefined;
  }
}
const selfCpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
/** CPU per process during one measured section: the figure that load on a shared host does not skew. */
async function cpuOf<T>(
  label: string,
  pids: [string, number | undefined][],
  section: () => Promise<T>,
): Promise<T> {
  const before = pids.map(([, pid]) => cpuMs(pid));
  const sysBefore = pids.map(([, pid]) => cpuMs(pid, true));
  const self0 = selfCpuMs();
  const out = await section();
  const parts = pids.map(([name, pid], i) => {
    const a = before[i];
    const b = cpuMs(pid);
    const sys = (cpuMs(pid, true) ?? 0) - (sysBefore[i] ?? 0);
    return `${name} ${a === undefined || b === undefined ? '?' : (b - a).toFixed(0)} ms (system ${sys.toFixed(0)})`;
  });
  cpuNotes.push(
    `# cpu during ${label}: ${[...parts, `bench ${(selfCpuMs() - self0).toFixed(0)} ms`].join(', ')}`,
  );
  return out;
}
const cpuNotes: string[] = [];
const meshdPids: number[] = [];

function row(name: string, value: string): void {
  console.log(`${name.padEnd(62)} ${value}`);
}
const mbps = (ms: number): string =>
  `${((BYTES / 1e6) * 1000) / ms >= 100 ? (((BYTES / 1e6) * 1000) / ms).toFixed(0) : (((BYTES / 1e6) * 1000) / ms).toFixed(1)} MB/s`;
function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Spawns a child and resolves with its first stdout/stderr line that `match` accepts. */
function start(
  args: string[],
  match: (line: string) => boolean,
  env: NodeJS.ProcessEnv = {},
): Promise<{ child: ChildProcessWithoutNullStreams; line: string }> {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env } });
  children.push(child);
  return new Promise((resolve, reject) => {
    let buf = '';
    let seen = ''; // the child's output so far, for the error if it exits before `match`
    const onData = (c: Buffer): void => {
      seen = (seen + c.toString()).slice(-2000);
      buf += c.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      const line = lines.find(match);
      if (line !== undefined) resolve({ child, line });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) =>
      reject(new Error(`${args.join(' ')} exited ${code}; its output ended:\n${seen}`)),
    );
  });
}

/** Resolves with the next JSON line of a child's stdout that has `key`. */
function nextJson(
  child: ChildProcessWithoutNullStreams,
  key: string,
): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    let buf = '';
    const onData = (c: Buffer): void => {
      buf += c.toString();
      for (const line of buf.split('\n')) {
        if (!line.startsWith('{')) continue;
        const v = JSON.parse(line) as Record<string, unknown>;
        if (key in v) {
          child.stdout.off('data', onData);
          resolve(v);
          return;
        }
      }
      buf = buf.slice(buf.lastIndexOf('\n') + 1);
    };
    child.stdout.on('data', onData);
  });
}

async function writeAll(stream: Duplex | Socket, total: number): Promise<void> {
  for (let sent = 0; sent < total; sent += CHUNK.length)
    if (!stream.write(CHUNK)) await new Promise((r) => stream.once('drain', r));
  stream.end();
}

function countUntilEnd(stream: Duplex | Socket): Promise<number> {
  return new Promise((resolve, reject) => {
    let n = 0;
    stream.on('data', (c: Buffer) => (n += c.length));
    stream.once('end', () => resolve(n));
    stream.once('error', reject);
  });
}

async function tcpOneWay(): Promise<number> {
  let counted: Promise<number> = Promise.resolve(0);
  const server = createServer((s) => (counted = countUntilEnd(s)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const sock = tcpConnect((server.address() as { port: number }).port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  const t0 = performance.now();
  await writeAll(sock, BYTES);
  await new Promise((r) => setImmediate(r));
  const got = await counted;
  const ms = performance.now() - t0;
  server.close();
  if (got !== BYTES) throw new Error(`tcp lost bytes: ${got}`);
  return ms;
}

/** Round trips of one stream: the first ones of fresh processes, and warm ones. */
interface Rtts {
  readonly fresh: number[];
  readonly warm: number[];
}

/** 100 untimed pings, {@link FRESH_PINGS} timed, pings until {@link WARMUP_MS}, {@link PINGS} timed. */
async function freshAndWarm(stream: Duplex | Socket): Promise<Rtts> {
  const until = performance.now() + WARMUP_MS;
  await pingPong(stream, 100);
  const fresh = await pingPong(stream, FRESH_PINGS);
  while (performance.now() < until) await pingPong(stream, 100);
  return { fresh, warm: await pingPong(stream, PINGS) };
}

async function pingPong(stream: Duplex | Socket, n: number): Promise<number[]> {
  const msg = Buffer.alloc(64, 1);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    let got = 0;
    const done = new Promise<void>((resolve) => {
      const onData = (c: Buffer): void => {
        got += c.length;
        if (got >= 64) {
          stream.off('data', onData);
          resolve();
        }
      };
      stream.on('data', onData);
    });
    stream.write(msg);
    await done;
    out.push(performance.now() - t0);
  }
  return out;
}

async function tcpRtt(): Promise<Rtts> {
  const server = createServer((s) => s.pipe(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const sock = tcpConnect((server.address() as { port: number }).port, '127.0.0.1');
  sock.setNoDelay(true);
  await new Promise((r) => sock.once('connect', r));
  const rtts = await freshAndWarm(sock);
  sock.destroy();
  server.close();
  return rtts;
}

// A process that forwards every connection on `listen` to `target` (unix socket paths), both ways.
const RELAY = `const net = require('node:net');
const [listen, target] = process.argv.slice(1);
net.createServer((s) => { const t = net.connect(target); s.pipe(t).pipe(s); })
  .listen(listen, () => console.log('ready'));`;

/**
 * The process hops of an SDK round trip without the engine: this process → relay A → relay B →
 * echo in this process → B → A → back, over unix sockets. The floor for six hops between Node
 * processes on this machine, so the SDK row's distance from it is what meshd adds.
 */
async function relayRtt(): Promise<Rtts> {
  const sock = (n: string): string => path.join(root, `relay-${n}.sock`);
  const echo = createServer((s) => s.pipe(s));
  await new Promise<void>((r) => echo.listen(sock('echo'), r));
  await start(['-e', RELAY, sock('b'), sock('echo')], (l) => l === 'ready');
  await start(['-e', RELAY, sock('a'), sock('b')], (l) => l === 'ready');
  const conn = tcpConnect(sock('a'));
  await new Promise((r) => conn.once('connect', r));
  const rtts = await freshAndWarm(conn);
  conn.destroy();
  echo.close();
  return rtts;
}

/**
 * The SDK one-way transfer's process shape without the engine: this process → relay A → relay B
 * → back to this process, over unix sockets, no crypto, no UDP. The CPU of moving the bytes
 * through the two daemons' sockets alone, so the SDK row's distance from the engine row can be
 * told apart from the I/O every extra process costs on two cores.
 */
async function relayOneWay(): Promise<number> {
  const sock = (n: string): string => path.join(root, `oneway-${n}.sock`);
  let counted: Promise<number> = Promise.resolve(0);
  const sink = createServer((s) => (counted = countUntilEnd(s)));
  await new Promise<void>((r) => sink.listen(sock('sink'), r));
  const relayB = await start(['-e', RELAY, sock('b'), sock('sink')], (l) => l === 'ready');
  const relayA = await start(['-e', RELAY, sock('a'), sock('b')], (l) => l === 'ready');
  const conn = tcpConnect(sock('a'));
  await new Promise((r) => conn.once('connect', r));
  const t0 = performance.now();
  const got = await cpuOf(
    'the relay transfer',
    [
      ['relay a', relayA.child.pid],
      ['relay b', relayB.child.pid],
    ],
    async () => {
      await writeAll(conn, BYTES);
      return counted;
    },
  );
  const ms = performance.now() - t0;
  sink.close();
  if (got !== BYTES) throw new Error(`relays lost bytes: ${got}`);
  return ms;
}

/**
 * One-way transfer between two peer processes (`engine-peer.ts`, `libp2p-peer.ts`): starts the
 * receiver with `recvArgs`, then the sender with `sendArgs(addr)`, and times from the sender's
 * `start` line to the receiver's `done` line, with both processes' CPU.
 */
async function twoProcessOneWay(
  what: string,
  recvArgs: string[],
  sendArgs: (addr: string) => string[],
): Promise<number> {
  const recv = await start(recvArgs, (l) => l.includes('"addr"'));
  const addr = (JSON.parse(recv.line) as { addr: string }).addr;
  const done = nextJson(recv.child, 'done');
  const send = spawn(process.execPath, sendArgs(addr));
  children.push(send);
  const sent = nextJson(send, 'sent'); // a sender may print it before the receiver is done
  await nextJson(send, 'start');
  const t0 = performance.now();
  const got = await cpuOf(
    `the ${what} transfer`,
    [
      ['sender', send.pid],
      ['receiver', recv.child.pid],
    ],
    async () => (await done)['done'],
  );
  const ms = performance.now() - t0;
  if (got !== BYTES) throw new Error(`${what} lost bytes: ${String(got)}`);
  await sent;
  recv.child.stdin.end();
  send.stdin.end();
  return ms;
}

function engineOneWay(registry: string, beacon: string): Promise<number> {
  const tsx = ['--import', 'tsx', path.join(here, 'engine-peer.ts')];
  return twoProcessOneWay('engine', [...tsx, 'recv', registry, beacon, '6000'], (addr) => [
    ...tsx,
    'send',
    registry,
    beacon,
    addr,
    '6000',
    String(BYTES),
  ]);
}

/** The libp2p transfer with both nodes in this process: its CPU is the whole transfer's. */
function libp2pOneProcessOneWay(): Promise<number> {
  return cpuOf('the js-libp2p transfer (both nodes in the bench)', [], () => libp2pOneWay(BYTES));
}

/** The libp2p transfer with each node in its own process, as the engine row runs. */
function libp2pTwoProcessOneWay(): Promise<number> {
  const tsx = ['--import', 'tsx', path.join(here, 'libp2p-peer.ts')];
  return twoProcessOneWay('js-libp2p (two processes)', [...tsx, 'recv', String(BYTES)], (addr) => [
    ...tsx,
    'send',
    addr,
    String(BYTES),
  ]);
}

/** p50 and p99 of one set of round trips. */
interface Quantiles {
  readonly p50: number;
  readonly p99: number;
}

async function engineRtt(
  registry: string,
  beacon: string,
): Promise<{ fresh: Quantiles; warm: Quantiles }> {
  const tsx = ['--import', 'tsx', path.join(here, 'engine-peer.ts')];
  const echo = await start([...tsx, 'echo', registry, beacon, '6001'], (l) => l.includes('"addr"'));
  const addr = (JSON.parse(echo.line) as { addr: string }).addr;
  const ping = spawn(process.execPath, [
    ...tsx,
    'ping',
    registry,
    beacon,
    addr,
    '6001',
    String(PINGS),
    String(WARMUP_MS),
  ]);
  children.push(ping);
  const rtt = (await nextJson(ping, 'rtt'))['rtt'] as { fresh: Quantiles; warm: Quantiles };
  echo.child.stdin.end();
  ping.stdin.end();
  return rtt;
}

async function sdkOneWay(a: MeshClient, b: MeshClient, bAddr: string): Promise<number> {
  const listener = await b.listen(7000);
  const accepted = listener.accept();
  const stream = await a.dial(bAddr, 7000);
  stream.resume();
  const inbound = (await accepted)!;
  const counted = countUntilEnd(inbound);
  const t0 = performance.now();
  const got = await cpuOf(
    'the SDK transfer',
    [
      ['meshd a', meshdPids[0]],
      ['meshd b', meshdPids[1]],
    ],
    async () => {
      await writeAll(stream, BYTES);
      return counted;
    },
  );
  const ms = performance.now() - t0;
  inbound.end();
  await listener.close();
  if (got !== BYTES) throw new Error(`sdk lost bytes: ${got}`);
  return ms;
}

async function sdkRtt(a: MeshClient, b: MeshClient, bAddr: string): Promise<Rtts> {
  const listener = await b.listen(7001);
  void (async () => {
    for await (const s of listener) s.pipe(s);
  })();
  const stream = await a.dial(bAddr, 7001);
  const rtts = await freshAndWarm(stream);
  stream.end();
  await listener.close();
  return rtts;
}

try {
  const rv = await start(
    [
      RENDEZVOUS,
      '--registry-addr',
      '127.0.0.1:0',
      '--beacon-addr',
      '127.0.0.1:0',
      '--ws-addr',
      '',
      '--store',
      ':memory:',
    ],
    (l) => l.includes('"ready"'),
  );
  const { registry, beacon } = JSON.parse(rv.line) as { registry: string; beacon: string };
  const meshd = async (name: string): Promise<MeshClient> => {
    const home = path.join(root, name);
    const { child } = await start(
      [
        ...(PROF !== undefined ? ['--cpu-prof', `--cpu-prof-dir=${PROF}`] : []),
        MESHD,
        '--registry',
        registry,
        '--beacon',
        beacon,
        '--listen',
        '127.0.0.1:0',
        '--hostname',
        `bench-${name}`,
        '--public',
      ],
      (l) => /\bready\b/.test(l),
      { MESH_HOME: home, MESH_SOCKET: '' },
    );
    meshdPids[name === 'a' ? 0 : 1] = child.pid!;
    return connect(path.join(home, 'mesh.sock'));
  };
  const [a, b] = await Promise.all([meshd('a'), meshd('b')]);
  const bAddr = (await b.info()).address;
  console.log(
    `# node ${process.version}, ${BYTES / MB} MiB one-way, ${PINGS} pings of 64 B after ${WARMUP_MS} ms of warm-up pings, loopback, ${new Date().toISOString().slice(0, 10)}`,
  );

  if (ONLY === 'oneway') console.log(`one-way SDK only: ${mbps(await sdkOneWay(a, b, bAddr))}`);
  if (ONLY === 'rtt') {
    const r = await cpuOf(
      'the SDK round trips',
      [
        ['meshd a', meshdPids[0]],
        ['meshd b', meshdPids[1]],
      ],
      () => sdkRtt(a, b, bAddr),
    );
    const q = (xs: number[]): string =>
      [50, 90, 95, 99, 99.9].map((p) => `p${p} ${pct(xs, p).toFixed(3)}`).join(', ') +
      `, max ${Math.max(...xs).toFixed(3)}`;
    console.log(`SDK 64 B round trip only, ms, fresh: ${q(r.fresh)}`);
    console.log(`SDK 64 B round trip only, ms, warm: ${q(r.warm)}`);
    const e = await engineRtt(registry, beacon);
    const pq = (v: Quantiles): string => `p50 ${v.p50.toFixed(3)}, p99 ${v.p99.toFixed(3)}`;
    console.log(`engine 64 B round trip, ms: fresh ${pq(e.fresh)}; warm ${pq(e.warm)}`);
    const relay = await relayRtt();
    const rq = (xs: number[]): string =>
      `p50 ${pct(xs, 50).toFixed(3)}, p99 ${pct(xs, 99).toFixed(3)}`;
    console.log(`relay 64 B round trip, ms: fresh ${rq(relay.fresh)}; warm ${rq(relay.warm)}`);
  }
  if (ONLY === 'engine-vs-libp2p') {
    const rounds = Number(process.env['BENCH_ROUNDS'] ?? 5);
    const engine: number[] = [];
    const p2p: number[] = [];
    const p2pApart: number[] = [];
    // Each engine row registers two nodes and the registry allows 10 registrations per minute
    // from one address, so rounds start at least 16 s apart.
    let lastRound = 0;
    for (let i = 0; i < rounds; i++) {
      const wait = lastRound + 16_000 - performance.now();
      if (i > 0 && wait > 0) await new Promise((r) => setTimeout(r, wait));
      lastRound = performance.now();
      engine.push(await engineOneWay(registry, beacon));
      p2p.push(await libp2pOneProcessOneWay());
      p2pApart.push(await libp2pTwoProcessOneWay());
    }
    const list = (xs: number[]): string =>
      `${xs.map(mbps).join(', ')} (median ${mbps(pct(xs, 50))})`;
    row('one-way, two engines in their own processes', list(engine));
    row('one-way, js-libp2p (TCP + noise + yamux), one process', list(p2p));
    row('one-way, js-libp2p, each node in its own process', list(p2pApart));
  }
  if (ONLY !== undefined) {
    for (const n of cpuNotes) console.log(n);
    await Promise.all([a.close(), b.close()]);
    process.exitCode = 0;
  }
  const sdk = ONLY === undefined ? await sdkOneWay(a, b, bAddr) : 0;
  if (ONLY === undefined) {
    const engine = await engineOneWay(registry, beacon);
    const relays = await relayOneWay();
    const tcp = await tcpOneWay();
    let libp2p: number | undefined;
    try {
      libp2p = await libp2pOneProcessOneWay();
    } catch (err) {
      console.log(`# js-libp2p row skipped: ${err instanceof Error ? err.message : String(err)}`);
    }
    const libp2pApart = await libp2pTwoProcessOneWay();
    row(
      'one-way, @mesh/client between two meshd processes',
      `${mbps(sdk)} (${(engine / sdk).toFixed(2)} × engine)`,
    );
    row('baseline: one-way, two engines in their own processes (no IPC)', mbps(engine));
    row('baseline: one-way, same 3 processes via plain relays (no engine)', mbps(relays));
    row('baseline: one-way, raw TCP', mbps(tcp));
    if (libp2p !== undefined)
      row('baseline: one-way, js-libp2p (TCP + noise + yamux), one process', mbps(libp2p));
    row('baseline: one-way, js-libp2p, each node in its own process', mbps(libp2pApart));
    for (const n of cpuNotes) console.log(n);

    const rtt = await sdkRtt(a, b, bAddr);
    const engineRtts = await engineRtt(registry, beacon);
    const relayRtts = await relayRtt();
    const tcpRtts = await tcpRtt();
    const ms = (v: number): string => v.toFixed(3);
    const both = (r: Rtts): string =>
      `warm ${ms(pct(r.warm, 50))} / ${ms(pct(r.warm, 99))} ms; fresh ${ms(pct(r.fresh, 50))} / ${ms(pct(r.fresh, 99))} ms`;
    row('64 B round trip through @mesh/client, p50 / p99', both(rtt));
    row(
      'baseline: 64 B round trip, two engines (no IPC), p50 / p99',
      `warm ${ms(engineRtts.warm.p50)} / ${ms(engineRtts.warm.p99)} ms; fresh ${ms(engineRtts.fresh.p50)} / ${ms(engineRtts.fresh.p99)} ms`,
    );
    row(
      'baseline: 64 B round trip, same 6 process hops via plain relays, p50 / p99',
      both(relayRtts),
    );
    row('baseline: 64 B round trip, raw TCP, p50 / p99', both(tcpRtts));
    await Promise.all([a.close(), b.close()]);
  }
} finally {
  await Promise.all(
    children
      .filter((c) => c.exitCode === null && c.signalCode === null)
      .map((c) => {
        const gone = new Promise((r) => c.once('exit', r));
        c.kill('SIGTERM');
        return gone;
      }),
  );
  rmSync(root, { recursive: true, force: true });
}
