// IPC calls per second on one connection: one at a time vs many in flight (request ids).
// Baseline in the same run: a bare newline echo over the same kind of unix socket.
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { IpcClient, IpcServer, MethodRegistry } from '@mesh/ipc';

const dir = mkdtempSync(path.join(tmpdir(), 'ipc-bench-'));
const CALLS = Number(process.env['CALLS'] ?? 20_000);

async function rawEchoRoundTrips(n: number): Promise<number> {
  const sock = path.join(dir, 'raw.sock');
  const server = createServer((s) => s.pipe(s));
  await new Promise<void>((r) => server.listen(sock, r));
  const c = createConnection(sock);
  await new Promise((r) => c.once('connect', r));
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const got = new Promise((r) => c.once('data', r));
    c.write('{"x":1}\n');
    await got;
  }
  const ms = performance.now() - t0;
  c.destroy();
  await new Promise((r) => server.close(r));
  return (n / ms) * 1000;
}

const registry = new MethodRegistry();
registry.register('echo', (p) => p);
const server = new IpcServer({
  socketPath: path.join(dir, 'mesh.sock'),
  registry,
  daemonVersion: 'bench',
});
await server.listen();
const client = await IpcClient.connect({ socketPath: path.join(dir, 'mesh.sock') });

async function sequential(n: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await client.callRaw('echo', { i });
  return (n / (performance.now() - t0)) * 1000;
}

async function pipelined(n: number, depth: number): Promise<number> {
  const t0 = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      next++;
      await client.callRaw('echo', { i: next });
    }
  };
  await Promise.all(Array.from({ length: depth }, worker));
  return (n / (performance.now() - t0)) * 1000;
}

await sequential(1000); // warm-up
const raw = await rawEchoRoundTrips(CALLS);
const seq = await sequential(CALLS);
const p16 = await pipelined(CALLS, 16);
const p64 = await pipelined(CALLS, 64);
await client.close();
await server.close();
rmSync(dir, { recursive: true, force: true });

const f = (n: number): string => `${Math.round(n).toLocaleString('en-US')} /s`.padStart(12);
console.log(`@mesh/ipc throughput, ${CALLS} calls on one connection (node ${process.version})`);
console.log(`  baseline: raw newline echo, 1 in flight ${f(raw)}`);
console.log(`  JSON-RPC call, 1 in flight             ${f(seq)}`);
console.log(`  JSON-RPC call, 16 in flight            ${f(p16)}`);
console.log(`  JSON-RPC call, 64 in flight            ${f(p64)}`);
