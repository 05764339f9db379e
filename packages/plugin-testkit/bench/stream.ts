// Throughput of an in-memory stream between two MemoryDaemons (dial, write, read through the
// ConnReadWriter adapters) beside a bare AsyncQueue carrying the same chunks, in the same run.
// Run: pnpm --filter @mesh/plugin-testkit run bench   (BENCH_MB sets the volume, default 512)
import { AsyncQueue, MemoryNetwork } from '../src/index.js';

const TOTAL = Number(process.env.BENCH_MB ?? 512) * 1024 * 1024;
const CHUNK = new Uint8Array(64 * 1024).fill(7);

async function memoryStream(): Promise<number> {
  const network = new MemoryNetwork();
  const a = network.createDaemon();
  const b = network.createDaemon();
  const listener = b.ports().bind(1001);
  const start = performance.now();
  const client = a.newConnReadWriter(await a.dialConnection(b.addr(), 1001));
  const server = b.newConnReadWriter((await listener.accept())!);
  const reading = (async () => {
    let received = 0;
    for await (const chunk of server) {
      received += chunk.length;
      if (received >= TOTAL) break;
    }
    return received;
  })();
  for (let sent = 0; sent < TOTAL; sent += CHUNK.length) await client.write(CHUNK);
  const received = await reading;
  const seconds = (performance.now() - start) / 1000;
  await network.close();
  return received / seconds / 1024 / 1024;
}

async function bareQueue(): Promise<number> {
  const queue = new AsyncQueue<Uint8Array>();
  const start = performance.now();
  const reading = (async () => {
    let received = 0;
    for await (const chunk of queue) {
      received += chunk.length;
      if (received >= TOTAL) break;
    }
    return received;
  })();
  for (let sent = 0; sent < TOTAL; sent += CHUNK.length) {
    queue.push(CHUNK.slice());
    await Promise.resolve(); // yield like an awaited write does
  }
  const received = await reading;
  return received / ((performance.now() - start) / 1000) / 1024 / 1024;
}

await memoryStream(); // warm up
const ours = await memoryStream();
const base = await bareQueue();
console.log(
  `in-memory stream, 64 KiB chunks   ${ours.toFixed(0).padStart(6)} MB/s   baseline (bare queue + copy) ${base.toFixed(0).padStart(6)} MB/s`,
);
