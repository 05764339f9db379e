// `meshctl send-file` of a large file (default 1 GiB, BENCH_MB to change) between two real meshd
// processes on loopback: throughput and the peak RSS (VmHWM) of both daemons beside the file size.
// Baseline in the same run: the daemons' peak RSS after a 1 MiB transfer, so the difference is
// what the large file costs (bounded by chunk size × window, not by the file size).
// Linux only (reads /proc/<pid>/status). Run: pnpm --filter meshctl run bench:send-file
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FILE_STREAM_CHUNK_SIZE, FILE_STREAM_WINDOW } from '@mesh/protocol';
import { BINARIES, assertBuilt, startRendezvous } from '../scripts/local-mesh.js';

const { meshctl: MESHCTL } = BINARIES;
assertBuilt(BINARIES);

const MB = 1024 * 1024;
const SIZE = Number(process.env['BENCH_MB'] ?? 1024) * MB;
const root = mkdtempSync(path.join(tmpdir(), 'meshctl-bench-sendfile-'));
const homes = { a: path.join(root, 'a'), b: path.join(root, 'b') };

function meshctl(home: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      process.execPath,
      [MESHCTL, ...args],
      { env: { ...process.env, MESH_HOME: home, MESH_SOCKET: '' }, maxBuffer: 64 * MB },
      (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out)),
    ),
  );
}

function pidOf(home: string): number {
  return Number(readFileSync(path.join(home, 'meshd.pid'), 'utf8').trim());
}

/** Peak resident set size of a process in MiB. */
function peakRss(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (m === null) throw new Error(`no VmHWM for ${pid}`);
  return Number(m[1]) / 1024;
}

/** Writes `size` bytes of random data without holding the file in memory. */
function writeFile(file: string, size: number): void {
  const fd = openSync(file, 'w');
  const block = randomBytes(4 * MB);
  for (let off = 0; off < size; off += block.length)
    writeSync(fd, block, 0, Math.min(block.length, size - off));
  closeSync(fd);
}

function row(name: string, value: string): void {
  console.log(`${name.padEnd(48)} ${value}`);
}

const rendezvous = await startRendezvous({ cwd: root });
try {
  const common = [
    '--registry',
    rendezvous.registry,
    '--beacon',
    rendezvous.beacon,
    '--listen',
    '127.0.0.1:0',
    '--json',
  ];
  await meshctl(homes.a, 'daemon', 'start', '--hostname', 'bench-sender', ...common);
  await meshctl(homes.b, 'daemon', 'start', '--hostname', 'bench-receiver', '--public', ...common);
  const pids = { sender: pidOf(homes.a), receiver: pidOf(homes.b) };

  const small = path.join(root, 'small.bin');
  writeFile(small, MB);
  await meshctl(homes.a, 'send-file', 'bench-receiver', small, '--json');
  const base = { sender: peakRss(pids.sender), receiver: peakRss(pids.receiver) };

  const big = path.join(root, 'big.bin');
  writeFile(big, SIZE);
  const t0 = performance.now();
  const out = JSON.parse(await meshctl(homes.a, 'send-file', 'bench-receiver', big, '--json')) as {
    data: { bytes: number; sha256: string };
  };
  const ms = performance.now() - t0;
  const after = { sender: peakRss(pids.sender), receiver: peakRss(pids.receiver) };

  row(
    'file size',
    `${(out.data.bytes / MB).toFixed(0)} MiB (sha256 ${out.data.sha256.slice(0, 12)}…)`,
  );
  row(
    'in flight bound (chunk × window)',
    `${(FILE_STREAM_CHUNK_SIZE * FILE_STREAM_WINDOW) / MB} MiB`,
  );
  row(
    'send-file time (hash + transfer + verify)',
    `${(ms / 1000).toFixed(1)} s, ${(SIZE / MB / (ms / 1000)).toFixed(1)} MiB/s`,
  );
  row(
    'sending meshd peak RSS: after 1 MiB / after file',
    `${base.sender.toFixed(0)} MiB / ${after.sender.toFixed(0)} MiB`,
  );
  row(
    'receiving meshd peak RSS: after 1 MiB / after file',
    `${base.receiver.toFixed(0)} MiB / ${after.receiver.toFixed(0)} MiB`,
  );
} finally {
  for (const home of [homes.a, homes.b]) {
    try {
      process.kill(pidOf(home), 'SIGTERM');
    } catch {
      /* not running */
    }
  }
  await rendezvous.stop();
  rmSync(root, { recursive: true, force: true });
}
