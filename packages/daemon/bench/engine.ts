/**
 * Engine-level data path on loopback (two meshd daemons in one process, encrypted tunnel), each
 * row beside baselines measured in the same run:
 * - raw Node TCP one-way (the kernel's stream ceiling here) and raw UDP sends per second at the
 *   reference frame size and at 16 KiB (Node's datagram ceiling: every segment is one send);
 * - one stream, one-way, `BENCH_MB` (100) MB: throughput, segment size reached by path-MTU
 *   probing, ACK packets per data segment;
 * - the same transfer through a lossy UDP proxy at 1 % and 5 % seeded drops (`BENCH_LOSS_MB`);
 * - four parallel streams between the same two daemons: aggregate and fairness.
 * Run: pnpm --filter @mesh/daemon run bench:engine   (needs @mesh/registry and @mesh/beacon built)
 * `BENCH_ONLY=stream` runs the single stream alone (for `node --cpu-prof`); `BENCH_MAX_SEG=1152`
 * turns path MTU probing off (the reference segment size throughout).
 */
import { Beacon } from '@mesh/beacon';
import { RegistryServer } from '@mesh/registry';
import { createSocket } from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Daemon } from '../src/daemon/daemon.js';
import type { DaemonOptions } from '../src/daemon/options.js';
import type { Connection } from '../src/transport/index.js';
import { startLossyProxy, type LossyProxy } from '../test/lossy-udp-proxy.js';

const MB = 1_000_000;
const BYTES = Number(process.env['BENCH_MB'] ?? 100) * MB;
const LOSS_BYTES = Number(process.env['BENCH_LOSS_MB'] ?? 100) * MB;
const CHUNK = Buffer.alloc(64 * 1024, 0x5a);

const rate = (bytes: number, ms: number): string =>
  `${((bytes / MB) * 1000) / ms >= 100 ? (((bytes / MB) * 1000) / ms).toFixed(0) : (((bytes / MB) * 1000) / ms).toFixed(1)} MB/s`;
/**
 * CPU cost, load-independent: the machine is shared, so wall-clock rates swing with the load
 * while CPU time per MB (both daemons, one process) holds; `cpu-bound` is what one idle core
 * would reach at that cost.
 */
const cpu = (bytes: number, cpuMs: number): string =>
  `${((cpuMs / bytes) * MB).toFixed(1)} CPU ms/MB (cpu-bound ${rate(bytes, cpuMs)})`;
const row = (name: string, value: string): void => {
  process.stdout.write(`${name.padEnd(60)} ${value}\n`);
};

async function writeAll(stream: NodeJS.WritableStream, total: number): Promise<void> {
  let sent = 0;
  while (sent < total) {
    const n = Math.min(CHUNK.length, total - sent);
    const ok = stream.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n));
    sent += n;
    if (!ok) await new Promise((r) => stream.once('drain', r));
  }
  stream.end();
}

async function tcpOneWay(total: number): Promise<{ ms: number; cpuMs: number }> {
  let received = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((r) => (done = r));
  const server = createServer((s) => {
    s.on('data', (c: Buffer) => (received += c.length));
    s.on('end', () => done());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const sock = connect((server.address() as { port: number }).port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await writeAll(sock, total);
  await finished;
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  server.close();
  if (received !== total) throw new Error('tcp baseline lost bytes');
  return { ms, cpuMs: (c.user + c.system) / 1000 };
}

/** Datagrams one socket hands to the kernel per second (sends, not deliveries), 1 s. */
async function udpSendRate(size: number): Promise<number> {
  const rx = createSocket({ type: 'udp4', recvBufferSize: 8 << 20 });
  const tx = createSocket({ type: 'udp4', sendBufferSize: 8 << 20 });
  rx.on('message', () => {});
  await new Promise<void>((r) => rx.bind(0, '127.0.0.1', () => r()));
  const port = rx.address().port;
  const payload = Buffer.alloc(size);
  let sent = 0;
  const t0 = performance.now();
  const end = t0 + 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 64; i++) tx.send(payload, port, '127.0.0.1');
    sent += 64;
    await new Promise((r) => setImmediate(r));
  }
  const ms = performance.now() - t0;
  rx.close();
  tx.close();
  return (sent * 1000) / ms;
}

interface Run {
  ms: number;
  /** CPU time of this process (both daemons) during the run, ms. */
  cpuMs: number;
  sender: ReturnType<Connection['info']>;
  receiver: ReturnType<Connection['info']>;
}

async function oneWay(a: Daemon, b: Daemon, port: number, total: number): Promise<Run> {
  const listener = b.listen(port);
  const accepted = listener.accept();
  const conn = await a.dial(b.addr(), port);
  const server = await accepted;
  let received = 0;
  const finished = new Promise<void>((r) => {
    server.on('data', (c: Buffer) => (received += c.length));
    server.on('end', () => r());
  });
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await writeAll(conn, total);
  await finished;
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  if (received !== total) throw new Error(`stream lost bytes: ${received} of ${total}`);
  const run = {
    ms,
    cpuMs: (c.user + c.system) / 1000,
    sender: conn.info(),
    receiver: server.info(),
  };
  listener.close();
  return run;
}

const describeRun = (r: Run): string => {
  const segs = r.sender.segmentsSent;
  const avg = segs === 0 ? 0 : Math.round(r.sender.bytesSent / segs);
  const acks = r.receiver.packetsSent / Math.max(1, r.receiver.segmentsReceived);
  return `segments ${segs} (avg ${avg} B), ACKs/segment ${acks.toFixed(3)}, retransmits ${r.sender.retransmits}, timeouts ${r.sender.timeouts}, final cwnd ${r.sender.cwnd} B, srtt ${r.sender.srtt.toFixed(1)} ms`;
};

async function main(): Promise<void> {
  const registry = new RegistryServer({ host: '127.0.0.1', port: 0 });
  const raddr = await registry.listen();
  const beacon = new Beacon({ udp: { host: '127.0.0.1', port: 0 }, ws: false });
  await beacon.listen();
  const dirs: string[] = [];
  const started: Daemon[] = [];
  const start = async (extra: Partial<DaemonOptions> = {}): Promise<Daemon> => {
    const dir = await mkdtemp(path.join(tmpdir(), 'mesh-bench-'));
    dirs.push(dir);
    const d = new Daemon({
      registry: `127.0.0.1:${raddr.port}`,
      beacon: `127.0.0.1:${beacon.address().udp!.port}`,
      listen: '127.0.0.1:0',
      identityPath: path.join(dir, 'identity.json'),
      public: true,
      loadPlugins: false,
      encrypt: process.env['BENCH_PLAIN'] === undefined,
      ...(process.env['BENCH_MAX_SEG'] === undefined
        ? {}
        : { tunnel: { pathMtu: { maxSegmentSize: Number(process.env['BENCH_MAX_SEG']) } } }),
      ...extra,
    });
    await d.start();
    started.push(d);
    return d;
  };
  const a = await start();
  const b = await start();
  process.stdout.write(
    `# node ${process.version}, loopback, both daemons in one process, ${process.env['BENCH_PLAIN'] === undefined ? 'encrypted' : 'PLAINTEXT'} tunnel\n`,
  );
  // Warm up: key exchange and path probing happen on the first stream.
  await oneWay(a, b, 4999, 4 * MB);

  const single = await oneWay(a, b, 5001, BYTES);
  row(
    `engine, 1 stream one-way ${BYTES / MB} MB`,
    `${rate(BYTES, single.ms)}; ${cpu(BYTES, single.cpuMs)}`,
  );
  row('  ', describeRun(single));
  if (process.env['BENCH_ONLY'] === 'stream') {
    for (const d of started) await d.stop();
    await beacon.close();
    await registry.close();
    return;
  }
  const tcp = await tcpOneWay(BYTES);
  row(
    `baseline: raw Node TCP one-way ${BYTES / MB} MB`,
    `${rate(BYTES, tcp.ms)}; ${cpu(BYTES, tcp.cpuMs)}`,
  );
  const udpSmall = await udpSendRate(1152 + 34 + 36);
  const udpLarge = await udpSendRate(16 * 1024);
  row(
    'baseline: raw UDP sends/s, 1222 B / 16 KiB datagrams',
    `${Math.round(udpSmall / 1000)} k/s (${rate(udpSmall * 1222, 1000)}) / ${Math.round(udpLarge / 1000)} k/s (${rate(udpLarge * 16384, 1000)})`,
  );

  // Four parallel streams, same two daemons.
  {
    const n = 4;
    const per = Math.floor(BYTES / n);
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const ends: number[] = [];
    await Promise.all(
      Array.from({ length: n }, (_, i) =>
        oneWay(a, b, 5100 + i, per).then(() => ends.push(performance.now() - t0)),
      ),
    );
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    const rates = ends.map((e) => per / e);
    const jain = rates.reduce((s, x) => s + x, 0) ** 2 / (n * rates.reduce((s, x) => s + x * x, 0));
    row(
      `engine, ${n} parallel streams × ${per / MB} MB, aggregate`,
      `${rate(per * n, ms)}; ${cpu(per * n, (c.user + c.system) / 1000)}`,
    );
    row(
      '  fairness (per-stream completion ms; Jain index)',
      `${ends
        .sort((x, y) => x - y)
        .map((e) => e.toFixed(0))
        .join(' / ')} ms; ${jain.toFixed(3)}`,
    );
  }

  // Loss: B behind a seeded lossy proxy.
  for (const loss of [0.01, 0.05]) {
    let proxy: LossyProxy | undefined;
    proxy = await startLossyProxy({
      drop: loss,
      duplicate: 0,
      reorder: 0,
      reorderDelayMs: 0,
      seed: Math.round(loss * 1000),
    });
    const lb = await start({ endpoint: `127.0.0.1:${proxy.port}` });
    proxy.setServerPort(lb.tunnels().localEndpoint.port);
    const la = await start();
    const r = await oneWay(la, lb, 6000, LOSS_BYTES);
    row(
      `engine, 1 stream ${LOSS_BYTES / MB} MB, ${loss * 100} % loss (seeded)`,
      `${rate(LOSS_BYTES, r.ms)}; ${cpu(LOSS_BYTES, r.cpuMs)}`,
    );
    row('  ', `${describeRun(r)}, dropped ${proxy.dropped()}`);
    await la.stop();
    await lb.stop();
    await proxy.close();
    proxy = undefined;
  }

  for (const d of started) await d.stop().catch(() => {});
  await beacon.close();
  await registry.close();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
}

await main();
