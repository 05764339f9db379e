// Relay throughput through the beacon, next to direct UDP between the same two sockets as the
// baseline, measured in the same run. Run: pnpm --filter @mesh/beacon run bench
import type { Socket } from 'node:dgram';
import { createSocket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { encodeBeaconMessage } from '@mesh/protocol';
import { WebSocket } from 'ws';
import { Beacon } from '@mesh/beacon';

const DURATION_MS = 1_000;
const ROUNDS = 5;
const WINDOW = 64;
const FRAME = new Uint8Array(1_000).fill(7);

async function udpSocket(): Promise<Socket> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  return s;
}

/**
 * Keeps WINDOW messages in flight: every arrival sends one more; a stall (lost datagrams) refills
 * the window. Returns messages delivered per second.
 */
async function pump(send: () => void, onArrival: (cb: () => void) => void): Promise<number> {
  let delivered = 0;
  let last = performance.now();
  const start = performance.now();
  await new Promise<void>((resolve) => {
    let done = false;
    onArrival(() => {
      if (done) return;
      delivered++;
      last = performance.now();
      if (last - start >= DURATION_MS) {
        done = true;
        resolve();
        return;
      }
      send();
    });
    const refill = setInterval(() => {
      if (done) return clearInterval(refill);
      if (performance.now() - last > 50) for (let i = 0; i < WINDOW; i++) send();
    }, 50);
    for (let i = 0; i < WINDOW; i++) send();
  });
  return delivered / ((performance.now() - start) / 1000);
}

async function direct(): Promise<number> {
  const a = await udpSocket();
  const b = await udpSocket();
  const port = b.address().port;
  const rate = await pump(
    () => a.send(FRAME, port, '127.0.0.1'),
    (cb) => b.on('message', cb),
  );
  a.close();
  b.close();
  return rate;
}

async function viaBeaconUdp(beacon: Beacon): Promise<number> {
  const port = beacon.address().udp!.port;
  const a = await udpSocket();
  const b = await udpSocket();
  for (const [s, id] of [
    [a, 1],
    [b, 2],
  ] as const) {
    const replied = new Promise((resolve) => s.once('message', resolve));
    s.send(encodeBeaconMessage({ kind: 'discover', node: id }), port, '127.0.0.1');
    await replied;
  }
  const relay = encodeBeaconMessage({ kind: 'relay', sender: 1, dest: 2, frame: FRAME });
  const rate = await pump(
    () => a.send(relay, port, '127.0.0.1'),
    (cb) => b.on('message', cb),
  );
  a.close();
  b.close();
  return rate;
}

async function viaBeaconWs(beacon: Beacon): Promise<number> {
  const port = beacon.address().udp!.port;
  const ws = new WebSocket(beacon.address().ws!.url);
  await new Promise((resolve) => ws.once('open', resolve));
  const wsReplied = new Promise((resolve) => ws.once('message', resolve));
  ws.send(encodeBeaconMessage({ kind: 'discover', node: 3 }));
  await wsReplied;
  const b = await udpSocket();
  const replied = new Promise((resolve) => b.once('message', resolve));
  b.send(encodeBeaconMessage({ kind: 'discover', node: 4 }), port, '127.0.0.1');
  await replied;
  const relay = encodeBeaconMessage({ kind: 'relay', sender: 3, dest: 4, frame: FRAME });
  const rate = await pump(
    () => ws.send(relay),
    (cb) => b.on('message', cb),
  );
  ws.close();
  b.close();
  return rate;
}

const beacon = new Beacon({
  udp: { host: '127.0.0.1', port: 0 },
  ws: { host: '127.0.0.1', port: 0 },
});
await beacon.listen();
// Interleaved rounds, so background load hits every path alike; medians reported.
const results = { baseline: [] as number[], udp: [] as number[], ws: [] as number[] };
for (let round = 0; round < ROUNDS; round++) {
  results.baseline.push(await direct());
  results.udp.push(await viaBeaconUdp(beacon));
  results.ws.push(await viaBeaconWs(beacon));
}
await beacon.close();

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const baseline = median(results.baseline);
const udp = median(results.udp);
const ws = median(results.ws);
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US').padStart(9);
console.log(
  `1000-byte frames, ${WINDOW} in flight, median of ${ROUNDS} interleaved ${DURATION_MS / 1000} s rounds, one process:`,
);
console.log(`  direct UDP (baseline)       ${fmt(baseline)} msg/s`);
console.log(
  `  relay UDP → beacon → UDP    ${fmt(udp)} msg/s  (${((udp / baseline) * 100).toFixed(0)} % of baseline)`,
);
console.log(
  `  relay WS  → beacon → UDP    ${fmt(ws)} msg/s  (${((ws / baseline) * 100).toFixed(0)} % of baseline)`,
);
