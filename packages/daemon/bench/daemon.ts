/**
 * Engine benchmarks on loopback, each beside a baseline measured in the same run:
 * - single-stream encrypted throughput between two daemons vs raw Node TCP and js-libp2p
 *   (TCP + noise + yamux, bench/libp2p.ts);
 * - datagram rate through the encrypted tunnel vs raw UDP;
 * - dial latency (stream open + echo round trip) vs a raw TCP connect.
 * Run: pnpm --filter @mesh/daemon run bench:daemon   (needs @mesh/registry and @mesh/beacon built)
 */
import { Beacon } from '@mesh/beacon';
import { RegistryServer } from '@mesh/registry';
import { createSocket } from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Daemon } from '../src/daemon/daemon.js';
import { libp2pThroughput } from './libp2p.js';

const MB = 1024 * 1024;
const STREAM_BYTES = Number(process.env['BENCH_MB'] ?? 32) * MB;
const CHUNK = Buffer.alloc(64 * 1024, 0x5a);

function mbps(bytes: number, ms: number): string {
  return `${((bytes / MB) * 1000) / ms >= 100 ? (((bytes / MB) * 1000) / ms).toFixed(0) : (((bytes / MB) * 1000) / ms).toFixed(1)} MB/s`;
}

function row(name: string, value: string): void {
  console.log(`${name.padEnd(58)} ${value}`);
}

async function writeAll(
  stream: NodeJS.WritableStream & { end(): void },
  total: number,
): Promise<void> {
  let sent = 0;
  while (sent < total) {
    const ok = stream.write(CHUNK);
    sent += CHUNK.length;
    if (!ok) await new Promise((r) => stream.once('drain', r));
  }
  stream.end();
}

async function tcpThroughput(): Promise<number> {
  let received = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((r) => (done = r));
  const server = createServer((s) => {
    s.on('data', (c: Buffer) => (received += c.length));
    s.on('end', () => done());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const sock = connect(port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  const t0 = performance.now();
  await writeAll(sock, STREAM_BYTES);
  await finished;
  const ms = performance.now() - t0;
  server.close();
  if (received !== STREAM_BYTES) throw new Error('tcp baseline lost bytes');
  return ms;
}

async function tcpConnectLatency(n: number): Promise<number[]> {
  const server = createServer((s) => s.pipe(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const sock = connect(port, '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    sock.write('x');
    await new Promise((r) => sock.once('data', r));
    out.push(performance.now() - t0);
    sock.destroy();
  }
  server.close();
  return out;
}

async function udpRate(ms: number, size: number): Promise<{ sent: number; received: number }> {
  const rx = createSocket('udp4');
  const tx = createSocket('udp4');
  let received = 0;
  rx.on('message', () => received++);
  await new Promise<void>((r) => rx.bind(0, '127.0.0.1', () => r()));
  const port = rx.address().port;
  const payload = Buffer.alloc(size);
  let sent = 0;
  const end = performance.now() + ms;
  while (performance.now() < end) {
    for (let i = 0; i < 64; i++) {
      tx.send(payload, port, '127.0.0.1');
      sent++;
    }
    await new Promise((r) => setImmediate(r));
  }
  await new Promise((r) => setTimeout(r, 100));
  rx.close();
  tx.close();
  return { sent, received };
}

function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main(): Promise<void> {
  const registry = new RegistryServer({ host: '127.0.0.1', port: 0 });
  const raddr = await registry.listen();
  const beacon = new Beacon({ udp: { host: '127.0.0.1', port: 0 }, ws: false });
  await beacon.listen();
  const dirs: string[] = [];
  const start = async (): Promise<Daemon> => {
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
      // 200 back-to-back dials from one source would hit the per-source SYN limit (10/s after a
      // burst of 64) and measure the limiter, not the dial: lift it for the bench.
      limits: {
        synRate: 100_000,
        synBurst: 100_000,
        synRatePerSource: 100_000,
        synBurstPerSource: 100_000,
      },
      ...(process.env['BENCH_SEG'] === undefined
        ? {}
        : { streams: { segmentSize: Number(process.env['BENCH_SEG']) } }),
    });
    await d.start();
    return d;
  };
  const a = await start();
  const b = await start();
  console.log(`# node ${process.version}, ${STREAM_BYTES / MB} MB single stream, loopback`);

  // Dial latency: the first dial includes the PILA key exchange and registry lookups.
  const echoOnce = async (): Promise<number> => {
    const t0 = performance.now();
    const conn = await a.dial(b.addr(), 7);
    conn.write('x');
    await new Promise((r) => conn.once('data', r));
    const ms = performance.now() - t0;
    conn.destroy();
    return ms;
  };
  const first = await echoOnce();
  const dials: number[] = [];
  const dialCount = Number(process.env['BENCH_DIALS'] ?? 200);
  for (let i = 0; i < dialCount; i++) dials.push(await echoOnce());
  const tcpDials = await tcpConnectLatency(200);
  row('dial + echo, first (incl. key exchange)', `${first.toFixed(2)} ms`);
  row(
    'dial + echo, warm tunnel p50 / p99 (200 dials, SYN limits lifted)',
    `${pct(dials, 50).toFixed(2)} / ${pct(dials, 99).toFixed(2)} ms`,
  );
  row(
    'baseline: TCP connect + echo p50 / p99',
    `${pct(tcpDials, 50).toFixed(2)} / ${pct(tcpDials, 99).toFixed(2)} ms`,
  );

  // Single-stream throughput: reference defaults (1152-byte segments, Nagle on), then no-delay.
  const streamRun = async (port: number, noDelay: boolean): Promise<number> => {
    const listener = b.listen(port);
    const accepted = listener.accept();
    const conn = await a.dial(b.addr(), port, { noDelay });
    const server = await accepted;
    let received = 0;
    const finished = new Promise<void>((r) => {
      server.on('data', (c: Buffer) => (received += c.length));
      server.on('end', () => r());
    });
    const t0 = performance.now();
    await writeAll(conn, STREAM_BYTES);
    await finished;
    const ms = performance.now() - t0;
    if (received !== STREAM_BYTES) throw new Error(`mesh stream lost bytes: ${received}`);
    if (conn.info().retransmits > 0) console.log(`  (retransmits: ${conn.info().retransmits})`);
    listener.close();
    return ms;
  };
  const meshMs = await streamRun(5001, false);
  const meshNoDelayMs = await streamRun(5002, true);
  const tcpMs = await tcpThroughput();
  const mode =
    process.env['BENCH_PLAIN'] === undefined
      ? 'encrypted tunnel (AES-256-GCM)'
      : 'PLAINTEXT tunnel';
  row(`mesh stream, ${mode}, 64 KiB writes`, mbps(STREAM_BYTES, meshMs));
  row(`mesh stream, ${mode}, no-delay`, mbps(STREAM_BYTES, meshNoDelayMs));
  row('baseline: raw Node TCP on loopback', mbps(STREAM_BYTES, tcpMs));
  const libp2pMs = await libp2pThroughput(STREAM_BYTES, CHUNK);
  row('baseline: js-libp2p, TCP + noise + yamux, one stream', mbps(STREAM_BYTES, libp2pMs));

  // Datagram rate, 1 KiB payloads for 2 s.
  let got = 0;
  b.onAnyDatagram(() => got++);
  const payload = new Uint8Array(1024);
  let sent = 0;
  const dgStart = performance.now();
  const end = dgStart + 2000;
  while (performance.now() < end) {
    for (let i = 0; i < 64; i++) {
      await a.sendDatagram(b.addr(), 6000, payload);
      sent++;
    }
    await new Promise((r) => setImmediate(r));
  }
  await new Promise((r) => setTimeout(r, 200));
  const dgMs = performance.now() - dgStart - 200;
  const raw = await udpRate(2000, 1024 + 34 + 36);
  row(
    'mesh datagrams (1 KiB) sent / delivered per second',
    `${Math.round((sent * 1000) / dgMs)} / ${Math.round((got * 1000) / dgMs)}`,
  );
  row(
    'baseline: raw UDP (same frame size) sent / received per second',
    `${Math.round(raw.sent / 2)} / ${Math.round(raw.received / 2)}`,
  );

  await a.stop();
  await b.stop();
  await beacon.close();
  await registry.close();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
}

await main();
