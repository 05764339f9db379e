// The transfers users run with meshctl, between two meshd daemons on loopback: `meshctl send-file`
// of BENCH_MB (default 100) MiB and `meshctl bench` (the same amount through the peer's echo
// service) and `meshctl ping` (BENCH_PINGS, default 2000, round trips in one new meshctl
// process), each beside the same over raw TCP between two node processes in the same run. Both daemons' RSS is sampled every 20 ms while the file moves; beside it the same daemons
// idle before the transfer and an idle bare node. Linux only (RSS from /proc).
// Run: node bench/meshctl-transfer.js
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  BINARIES,
  assertBuilt,
  loadClient,
  row,
  rssOf,
  startMeshd,
  startRendezvous,
  track,
  stopChild,
  timeNode,
} from './lib/mesh.js';

const MB = 1024 * 1024;
const SIZE = Number(process.env.BENCH_MB ?? 100) * MB;
const SETTLE_MS = Number(process.env.SETTLE_MS ?? 3000);
assertBuilt();
const client = await loadClient();
const dir = mkdtempSync(path.join(tmpdir(), 'mesh-bench-transfer-'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Raw TCP baseline: a server process (sink that answers the byte count at FIN, or echo) and a
// client process that writes `size` bytes in 64 KiB writes, as meshctl does.
const TCP_SERVER = `
const net = require('node:net');
const s = net.createServer((c) => {
  c.once('data', (first) => {
    if (first[0] === 0x65) { c.pipe(c); c.unshift(first.subarray(1)); return; } // 'e': echo
    let n = first.length - 1;
    c.on('data', (d) => { n += d.length; });
    c.on('end', () => c.end(String(n)));
  });
});
s.listen(0, '127.0.0.1', () => console.log(s.address().port));
`;
const TCP_CLIENT = `
const net = require('node:net');
const [port, size, mode] = process.argv.slice(1).map((a, i) => (i < 2 ? Number(a) : a));
const block = Buffer.alloc(64 * 1024, 7);
const c = net.connect(port, '127.0.0.1', async () => {
  const t0 = performance.now();
  let back = 0;
  const done = new Promise((r) => c.on('data', (d) => { back += d.length; if (mode === 'echo' && back >= size) r(); }).on('end', r));
  c.write(mode === 'echo' ? 'e' : 's');
  for (let off = 0; off < size; off += block.length)
    if (!c.write(block.subarray(0, Math.min(block.length, size - off)))) await new Promise((r) => c.once('drain', r));
  if (mode !== 'echo') c.end();
  await done;
  console.log(performance.now() - t0);
  c.destroy();
});
`;

// Raw TCP ping baseline: an echo server process and a client process timing `n` round trips of
// 32 bytes (meshctl ping's probe size) on one connection, the first after the connect.
const TCP_PING = `
const net = require('node:net');
const [port, n] = process.argv.slice(1).map(Number);
const c = net.connect(port, '127.0.0.1', async () => {
  c.setNoDelay(true);
  c.write('e');
  const out = [];
  const probe = Buffer.alloc(32, 0x2e);
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await new Promise((r) => { let got = 0; const on = (d) => { got += d.length; if (got >= 32) { c.off('data', on); r(); } }; c.on('data', on); c.write(probe); });
    out.push(performance.now() - t0);
  }
  console.log(JSON.stringify(out));
  c.destroy();
});
`;

/** Starts the raw TCP server process, runs `script` against its port with `args`, returns its stdout. */
async function againstTcpServer(script, args) {
  const server = spawn(process.execPath, ['-e', TCP_SERVER], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  track(server);
  const port = await new Promise((r) => server.stdout.once('data', (d) => r(String(d).trim())));
  try {
    return await new Promise((resolve, reject) =>
      execFile(
        process.execPath,
        ['-e', script, port, ...args],
        { maxBuffer: 64 << 20 },
        (err, stdout) => (err ? reject(err) : resolve(stdout)),
      ),
    );
  } finally {
    await stopChild(server);
  }
}

/** Round-trip times (ms) of `n` 32-byte pings over raw TCP between two fresh processes. */
async function rawTcpPing(n) {
  return JSON.parse(await againstTcpServer(TCP_PING, [String(n)]));
}

/** p50 / p99 of round-trip times, formatted. */
function quantiles(rtts) {
  const xs = [...rtts].sort((a, b) => a - b);
  const at = (p) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))].toFixed(3);
  return `p50 ${at(0.5)} / p99 ${at(0.99)} ms`;
}

/** Milliseconds for `size` bytes one way (`sink`) or there and back (`echo`) over raw TCP. */
async function rawTcp(mode, size) {
  return Number((await againstTcpServer(TCP_CLIENT, [String(size), mode])).trim());
}

/** Runs meshctl with `--json` and returns its parsed output. */
function meshctlJson(args, env) {
  return new Promise((resolve, reject) =>
    execFile(
      process.execPath,
      [BINARIES.meshctl, ...args, '--json'],
      { env, maxBuffer: 64 << 20 },
      (err, out, errOut) =>
        err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(JSON.parse(out).data),
    ),
  );
}

/** Writes `size` random bytes without holding the file in memory. */
function writeFile(file, size) {
  const fd = openSync(file, 'w');
  const block = randomBytes(4 * MB);
  for (let off = 0; off < size; off += block.length)
    writeSync(fd, block, 0, Math.min(block.length, size - off));
  closeSync(fd);
}

const rendezvous = await startRendezvous();
const daemons = [];
try {
  const sender = await startMeshd(client, {
    home: path.join(dir, 'a'),
    rendezvous,
    args: ['--hostname', 'bench-sender'],
  });
  daemons.push(sender);
  const receiver = await startMeshd(client, {
    home: path.join(dir, 'b'),
    rendezvous,
    args: ['--hostname', 'bench-receiver', '--public'],
  });
  daemons.push(receiver);
  const node = spawn(process.execPath, ['-e', "setInterval(() => {}, 1e9); console.log('up')"], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  track(node);
  await new Promise((r) => node.stdout.once('data', r));
  await sleep(SETTLE_MS);
  const idle = {
    sender: rssOf(sender.proc.pid).rss,
    receiver: rssOf(receiver.proc.pid).rss,
    node: rssOf(node.pid).rss,
  };
  await stopChild(node);

  const file = path.join(dir, 'big.bin');
  writeFile(file, SIZE);
  const peak = { sender: 0, receiver: 0 };
  const sample = setInterval(() => {
    peak.sender = Math.max(peak.sender, rssOf(sender.proc.pid).rss);
    peak.receiver = Math.max(peak.receiver, rssOf(receiver.proc.pid).rss);
  }, 20);
  const ms = await timeNode(
    [BINARIES.meshctl, 'send-file', 'bench-receiver', file, '--json'],
    sender.env,
  );
  clearInterval(sample);
  const hwm = { sender: rssOf(sender.proc.pid).peak, receiver: rssOf(receiver.proc.pid).peak };
  const echo = await meshctlJson(['bench', 'bench-receiver', String(SIZE / MB)], sender.env);
  const tcpSink = await rawTcp('sink', SIZE);
  const tcpEcho = await rawTcp('echo', SIZE);
  const pings = Number(process.env.BENCH_PINGS ?? 2000);
  const meshPing = await meshctlJson(
    ['ping', 'bench-receiver', '--count', String(pings)],
    sender.env,
  );
  const tcpPing = await rawTcpPing(pings);
  const mibps = (bytes, ms) => (bytes / MB / (ms / 1000)).toFixed(1);

  console.log(
    `meshctl transfers of ${SIZE / MB} MiB between two meshd on loopback (node ${process.version})`,
  );
  console.log(`  meshd: ${BINARIES.meshd}`);
  row(
    'meshctl send-file, wall time (hash + transfer + verify)',
    `${(ms / 1000).toFixed(2)} s, ${mibps(SIZE, ms)} MiB/s`,
  );
  row(
    'baseline: raw TCP one way, two processes',
    `${(tcpSink / 1000).toFixed(2)} s, ${mibps(SIZE, tcpSink)} MiB/s`,
  );
  row(
    'meshctl bench (echo): send / round trip',
    `${mibps(SIZE, echo.send_duration_ms)} MiB/s / ${(echo.total_duration_ms / 1000).toFixed(2)} s, ${mibps(SIZE, echo.total_duration_ms)} MiB/s echoed`,
  );
  row(
    'baseline: raw TCP echo, two processes',
    `${(tcpEcho / 1000).toFixed(2)} s, ${mibps(SIZE, tcpEcho)} MiB/s echoed`,
  );
  row(
    `meshctl ping, ${pings} round trips of 32 B`,
    quantiles(meshPing.results.map((r) => r.rtt_ms)),
  );
  row(`baseline: raw TCP, ${pings} round trips, two new processes`, quantiles(tcpPing));
  row(
    'sending meshd RSS: idle / sampled peak / VmHWM',
    `${idle.sender.toFixed(1)} / ${peak.sender.toFixed(1)} / ${hwm.sender.toFixed(1)} MB`,
  );
  row(
    'receiving meshd RSS: idle / sampled peak / VmHWM',
    `${idle.receiver.toFixed(1)} / ${peak.receiver.toFixed(1)} / ${hwm.receiver.toFixed(1)} MB`,
  );
  row('baseline: bare node, idle', `${idle.node.toFixed(1)} MB`);
} finally {
  for (const d of daemons) await d.stop();
  await rendezvous.stop();
  rmSync(dir, { recursive: true, force: true });
}
