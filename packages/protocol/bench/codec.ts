// Packet encode/decode rates and CRC-32 throughput, beside Node's zlib.crc32 and a plain
// allocate-and-copy baseline measured in the same run. Run: pnpm --filter @mesh/protocol bench
import { performance } from 'node:perf_hooks';
import { crc32 as zlibCrc32 } from 'node:zlib';
import type { PacketInit } from '../src/index.js';
import { Flags, Proto, crc32, decodePacket, encodePacket, makeAddr } from '../src/index.js';

const DURATION_MS = Number(process.env['BENCH_MS'] ?? 1000);
let sink = 0;

/** Runs `fn` repeatedly for DURATION_MS (after a warm-up) and returns calls per second. */
function rate(fn: () => number): number {
  const warmUntil = performance.now() + DURATION_MS / 4;
  while (performance.now() < warmUntil) sink ^= fn();
  let calls = 0;
  const start = performance.now();
  let now = start;
  while (now - start < DURATION_MS) {
    for (let i = 0; i < 64; i++) sink ^= fn();
    calls += 64;
    now = performance.now();
  }
  return (calls * 1000) / (now - start);
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const packetRows: string[][] = [];
const crcRows: string[][] = [];

for (const size of [0, 1152, 4096]) {
  const packet: PacketInit = {
    flags: Flags.ACK,
    proto: Proto.STREAM,
    src: makeAddr(0, 1),
    dst: makeAddr(0, 2),
    srcPort: 49152,
    dstPort: 1000,
    seq: 1,
    ack: 1,
    window: 512,
    payload: new Uint8Array(size).map((_, i) => i & 0xff),
  };
  const bytes = encodePacket(packet);
  const payload = packet.payload!;
  const encode = rate(() => encodePacket(packet).length);
  const decode = rate(() => decodePacket(bytes).seq);
  const copy = rate(() => {
    const out = new Uint8Array(34 + size);
    out.set(payload, 34);
    return out.length;
  });
  packetRows.push([`${size} B`, fmt(encode), fmt(decode), fmt(copy)]);
}

for (const size of [64, 1500, 1 << 20]) {
  const data = new Uint8Array(size).map((_, i) => (i * 31) & 0xff);
  const ours = rate(() => crc32(data));
  const zlib = rate(() => zlibCrc32(data));
  const mb = (r: number): string => ((r * size) / 1e6).toFixed(0);
  crcRows.push([`${size} B`, mb(ours), mb(zlib)]);
}

console.log(`node ${process.version}, ${DURATION_MS} ms per measurement`);
console.log('\n| packet payload | encodePacket /s | decodePacket /s | baseline: alloc + copy /s |');
console.log('| --- | --- | --- | --- |');
for (const r of packetRows) console.log(`| ${r.join(' | ')} |`);
console.log('\n| CRC-32 input | this package MB/s | baseline: zlib.crc32 MB/s |');
console.log('| --- | --- | --- |');
for (const r of crcRows) console.log(`| ${r.join(' | ')} |`);
if (sink === 0.5) console.log(sink);
