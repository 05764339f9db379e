/**
 * Events out of the daemon, each path beside a baseline measured in the same run:
 * - bus only: engine EventBus → one async-iterating subscriber vs Node's EventEmitter;
 * - IPC subscription: bus → events.subscribe → @mesh/client iterable vs raw NDJSON on a unix socket;
 * - webhook: @mesh/plugin-webhook's dispatcher → a local node:http sink vs bare sequential POSTs;
 * - NATS: @mesh/plugin-nats's bridge → nats-server → a subscriber vs raw `nc.publish`;
 * - the engine's single-stream throughput with and without the webhook and NATS plugins loaded.
 * Run: pnpm --filter meshd run bench   (after `pnpm run build`; needs nats-server on PATH)
 */
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { createServer as createNetServer, connect as netConnect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect as connectClient } from '@mesh/client';
import { Daemon, EventBus } from '@mesh/daemon';
import { IpcServer, MethodRegistry } from '@mesh/ipc';
import { NatsBridge, ConnectionStateRing } from '@mesh/plugin-nats';
import { WebhookDispatcher } from '@mesh/plugin-webhook';
import { MemoryStore, RegistryServer } from '@mesh/registry';
import { connect as natsConnect } from 'nats';
import { registerEventsHandlers } from '../src/ipc/handlers/events.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'mesh-events-bench-'));
const row = (name: string, value: string): void => console.log(`${name.padEnd(62)} ${value}`);
const rate = (n: number, ms: number): string =>
  `${Math.round((n * 1000) / ms).toLocaleString('en-US')} events/s`;
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
const ev = (i: number) => ({ topic: 'bench.event', nodeId: 1, time: Date.now(), payload: { i } });

async function busOnly(n: number): Promise<[number, number]> {
  const bus = new EventBus(() => 1);
  const sub = bus.subscribe('bench.*', { bufferSize: n });
  let t0 = performance.now();
  for (let i = 0; i < n; i++) bus.publish('bench.event', { i });
  let got = 0;
  for await (const _ of sub) if (++got === n) break;
  const meshMs = performance.now() - t0;
  const emitter = new EventEmitter();
  let seen = 0;
  emitter.on('bench.event', () => seen++);
  t0 = performance.now();
  for (let i = 0; i < n; i++)
    emitter.emit('bench.event', {
      topic: 'bench.event',
      nodeId: 1,
      time: Date.now(),
      payload: { i },
    });
  const baseMs = performance.now() - t0;
  if (seen !== n) throw new Error('emitter lost events');
  return [meshMs, baseMs];
}

async function ipcSubscription(n: number): Promise<[number, number, number]> {
  const bus = new EventBus(() => 1);
  const registry = new MethodRegistry();
  registerEventsHandlers(registry, bus);
  const socketPath = path.join(tmp, 'ipc.sock');
  const server = new IpcServer({ socketPath, registry, daemonVersion: 'bench' });
  await server.listen();
  const client = await connectClient(socketPath);
  const stream = await client.events('bench.*', { bufferSize: 65_536 });
  const t0 = performance.now();
  let got = 0;
  const done = (async () => {
    for await (const _ of stream) if (++got === n) break;
  })();
  for (let i = 0; i < n; i++) {
    bus.publish('bench.event', { i });
    if (i % 500 === 499) await tick();
  }
  await done;
  const meshMs = performance.now() - t0;
  const dropped = stream.dropped;
  await client.close();
  await server.close();
  // Baseline: the same JSON-RPC notification lines written straight to a unix socket and parsed.
  const raw = path.join(tmp, 'raw.sock');
  let received = 0;
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  const srv = createNetServer((s) => {
    (async () => {
      for (let i = 0; i < n; i++) {
        const line =
          JSON.stringify({
            jsonrpc: '2.0',
            method: 'events.event',
            params: {
              subscription: 'ev-1',
              topic: 'bench.event',
              node_id: 1,
              time: Date.now(),
              payload: { i },
              dropped: 0,
            },
          }) + '\n';
        if (!s.write(line)) await new Promise((r) => s.once('drain', r));
      }
    })().catch(() => {});
  });
  await new Promise<void>((r) => srv.listen(raw, r));
  const t1 = performance.now();
  const sock = netConnect(raw);
  let buf = '';
  sock.on('data', (c: Buffer) => {
    buf += c.toString('utf8');
    let nl: number;
    while ((nl = buf.indexOf('\n')) !== -1) {
      JSON.parse(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
      if (++received === n) finish();
    }
  });
  await finished;
  const baseMs = performance.now() - t1;
  sock.destroy();
  srv.close();
  return [meshMs, baseMs, dropped];
}

async function webhook(n: number): Promise<[number, number]> {
  let count = 0;
  const sink = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      count++;
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/hook`;
  const d = new WebhookDispatcher({ queueSize: n });
  d.setUrl(url);
  d.setSecret('bench-secret');
  const t0 = performance.now();
  for (let i = 0; i < n; i++) d.enqueue(ev(i));
  await d.drain(600_000);
  const meshMs = performance.now() - t0;
  if (d.stats().delivered !== n) throw new Error(`webhook delivered ${d.stats().delivered}`);
  count = 0;
  const t1 = performance.now();
  for (let i = 0; i < n; i++) {
    const body = JSON.stringify({
      event: 'bench.event',
      event_id: i + 1,
      node_id: 1,
      timestamp: new Date().toISOString(),
      data: { i },
    });
    await new Promise<void>((resolve, reject) => {
      const req = request(url, {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json' },
      });
      req.on('response', (res) => {
        res.resume();
        resolve();
      });
      req.on('error', reject);
      req.end(body);
    });
  }
  const baseMs = performance.now() - t1;
  sink.close();
  if (count !== n) throw new Error(`baseline sink saw ${count} POSTs`);
  return [meshMs, baseMs];
}

async function startNats(): Promise<{ url: string; stop: () => void }> {
  const child = spawn('nats-server', ['-a', '127.0.0.1', '-p', '-1'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let log = '';
    child.stderr.on('data', (c: Buffer) => {
      log += c.toString('utf8');
      const m = /Listening for client connections on [\d.]+:(\d+)/.exec(log);
      if (m && /Server is ready/.test(log)) resolve(Number(m[1]));
    });
    child.once('exit', () => reject(new Error(`nats-server exited:\n${log}`)));
  });
  return { url: `nats://127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') };
}

async function nats(url: string, n: number): Promise<[number, number]> {
  const sub = await natsConnect({ servers: url });
  let got = 0;
  let done!: () => void;
  let finished = new Promise<void>((r) => (done = r));
  sub.subscribe('mesh.1.>', {
    callback: () => {
      if (++got === n) done();
    },
  });
  await sub.flush();
  const bridge = new NatsBridge({
    servers: [url],
    nodeId: () => 1,
    credential: () => undefined,
    ring: new ConnectionStateRing(),
    bufferSize: n,
  });
  bridge.start();
  while (bridge.stats().state !== 'connected') await new Promise((r) => setTimeout(r, 5));
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    bridge.publish(ev(i));
    if (i % 1000 === 999) await tick();
  }
  await finished;
  const meshMs = performance.now() - t0;
  await bridge.close();
  got = 0;
  finished = new Promise<void>((r) => (done = r));
  const pub = await natsConnect({ servers: url });
  const enc = new TextEncoder();
  const t1 = performance.now();
  for (let i = 0; i < n; i++) {
    pub.publish(
      'mesh.1.bench.event',
      enc.encode(
        JSON.stringify({
          event: 'bench.event',
          node_id: 1,
          timestamp: new Date().toISOString(),
          data: { i },
        }),
      ),
    );
    if (i % 1000 === 999) await tick();
  }
  await finished;
  const baseMs = performance.now() - t1;
  await pub.close();
  await sub.close();
  return [meshMs, baseMs];
}

async function streamThroughput(
  natsUrl: string,
  rounds: number,
  mb: number,
): Promise<[number, number]> {
  await import('@mesh/plugin-webhook');
  await import('@mesh/plugin-nats');
  const registry = new RegistryServer({ host: '127.0.0.1', port: 0, store: new MemoryStore() });
  const { port } = await registry.listen();
  const sink = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/hook`;
  const start = async (plugins: boolean): Promise<Daemon> => {
    const dir = mkdtempSync(path.join(tmp, 'd-'));
    if (plugins) {
      mkdirSync(path.join(dir, 'plugins', 'webhook'), { recursive: true });
      mkdirSync(path.join(dir, 'plugins', 'nats'), { recursive: true });
      writeFileSync(
        path.join(dir, 'plugins', 'webhook', 'webhook.json'),
        JSON.stringify({ url: sinkUrl, topics: [], secret: 'x' }),
      );
      writeFileSync(
        path.join(dir, 'plugins', 'nats', 'nats.json'),
        JSON.stringify({ servers: [natsUrl] }),
      );
    }
    const d = new Daemon({
      registry: `127.0.0.1:${port}`,
      listen: '127.0.0.1:0',
      identityPath: path.join(dir, 'identity.json'),
      stateDir: dir,
      public: true,
      loadPlugins: plugins,
    });
    await d.start();
    return d;
  };
  const CHUNK = Buffer.alloc(64 * 1024, 0x5a);
  const total = mb * 1024 * 1024;
  const once = async (a: Daemon, b: Daemon, p: number): Promise<number> => {
    const listener = b.listen(p);
    const accepted = listener.accept();
    const conn = await a.dial(b.addr(), p);
    const server = await accepted;
    let received = 0;
    const finished = new Promise<void>((r) => {
      server.on('data', (c: Buffer) => (received += c.length));
      server.on('end', () => r());
    });
    const t0 = performance.now();
    for (let sent = 0; sent < total; sent += CHUNK.length)
      if (!conn.write(CHUNK)) await new Promise((r) => conn.once('drain', r));
    conn.end();
    await finished;
    const ms = performance.now() - t0;
    listener.close();
    if (received !== total) throw new Error('stream lost bytes');
    return ms;
  };
  const plain = [await start(false), await start(false)] as const;
  const loaded = [await start(true), await start(true)] as const;
  const without: number[] = [];
  const withPlugins: number[] = [];
  let p = 6000;
  for (let r = 0; r < rounds; r++) {
    without.push(await once(plain[0], plain[1], p++));
    withPlugins.push(await once(loaded[0], loaded[1], p++));
  }
  for (const d of [...plain, ...loaded]) await d.stop();
  sink.close();
  await registry.close();
  return [Math.min(...without), Math.min(...withPlugins)];
}

async function main(): Promise<void> {
  console.log(`# node ${process.version}, loopback, one process`);
  const [busMs, emitterMs] = await busOnly(200_000);
  row('bus only: EventBus → async subscriber (200k)', rate(200_000, busMs));
  row('  baseline: EventEmitter.emit → listener', rate(200_000, emitterMs));
  const [ipcMs, rawMs, dropped] = await ipcSubscription(50_000);
  row(`IPC: events.subscribe → client iterable (50k, ${dropped} dropped)`, rate(50_000, ipcMs));
  row('  baseline: raw NDJSON lines on a unix socket', rate(50_000, rawMs));
  const [hookMs, postMs] = await webhook(2_000);
  row('webhook: dispatcher → local HTTP sink, signed (2k)', rate(2_000, hookMs));
  row('  baseline: sequential bare POSTs, new connection each', rate(2_000, postMs));
  const server = await startNats();
  try {
    const [natsMs, rawNatsMs] = await nats(server.url, 100_000);
    row('NATS: bridge → nats-server → subscriber (100k)', rate(100_000, natsMs));
    row('  baseline: raw nc.publish of the same JSON', rate(100_000, rawNatsMs));
    const mb = Number(process.env['BENCH_MB'] ?? 16);
    const [plainMs, loadedMs] = await streamThroughput(server.url, 3, mb);
    const mbps = (ms: number): string => `${((mb * 1000) / ms).toFixed(1)} MB/s`;
    row(`stream, webhook + NATS plugins loaded (${mb} MB, best of 3)`, mbps(loadedMs));
    row('  baseline: same daemons without plugins', mbps(plainMs));
    row('  cost of the plugins', `${(((loadedMs - plainMs) / plainMs) * 100).toFixed(1)} %`);
  } finally {
    server.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
process.exit(0);
