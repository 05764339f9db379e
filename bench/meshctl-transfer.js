// meshd resident memory during a transfer users run: `meshctl send-file` of BENCH_MB (default 100)
// MiB between two meshd daemons on loopback. Both daemons' RSS is sampled every 20 ms while the
// file moves; beside it, in the same run, the same daemons idle before the transfer and an idle
// bare node. Linux only (RSS from /proc). Run: node bench/meshctl-transfer.js
import { spawn } from 'node:child_process';
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

  console.log(`meshd RSS during meshctl send-file of ${SIZE / MB} MiB (node ${process.version})`);
  console.log(`  meshd: ${BINARIES.meshd}`);
  row(
    'send-file wall time (hash + transfer + verify)',
    `${(ms / 1000).toFixed(1)} s, ${(SIZE / MB / (ms / 1000)).toFixed(1)} MiB/s`,
  );
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
