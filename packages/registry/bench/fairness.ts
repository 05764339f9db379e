// Fairness benchmark: latency of an honest client's lookups (p50/p99) against a registry in a
// child process, first alone (the baseline), then while 50 clients pipeline ~30 MB of lookups
// and never read the answers. Run: pnpm --filter @mesh/registry exec tsx bench/fairness.ts
// (after `pnpm --filter @mesh/registry... run build`). FLOODERS=… LOOKUPS=… override the sizes.
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { RegistryClient } from '@mesh/registry-client';
import { MAGIC, MsgType, VERSION, encodeFrame, encodeLookupReq } from '@mesh/wire';

const FLOODERS = Number(process.env['FLOODERS'] ?? 50);
const PER_FLOODER = Number(process.env['PER_FLOODER'] ?? 66_000);
const LOOKUPS = Number(process.env['LOOKUPS'] ?? 300);

const dir = mkdtempSync(path.join(tmpdir(), 'mesh-registry-fairness-'));
const child = fork(
  fileURLToPath(new URL('./server-child.ts', import.meta.url)),
  [path.join(dir, 'registry.db')],
  { execArgv: ['--import', 'tsx'] },
);
const sockets: Socket[] = [];
try {
  const { port } = await new Promise<{ port: number }>((resolve) =>
    child.once('message', (m) => resolve(m as { port: number })),
  );
  const honest = new RegistryClient({ port, mode: 'binary', timeoutMs: 120_000 });
  const { nodeId } = await honest.register({
    listenAddr: ':4000',
    publicKey: Buffer.alloc(32, 7).toString('base64'),
  });

  const measure = async (): Promise<{ p50: number; p99: number }> => {
    const ms: number[] = [];
    for (let i = 0; i < LOOKUPS; i++) {
      const t = performance.now();
      await honest.lookup(nodeId);
      ms.push(performance.now() - t);
    }
    ms.sort((a, b) => a - b);
    return { p50: ms[Math.floor(ms.length * 0.5)], p99: ms[Math.floor(ms.length * 0.99)] };
  };

  const baseline = await measure();

  const frame = encodeFrame(MsgType.LOOKUP, encodeLookupReq(nodeId));
  const batch = Buffer.concat(Array.from({ length: 1000 }, () => frame));
  for (let i = 0; i < FLOODERS; i++) {
    const s = connect({ host: '127.0.0.1', port });
    s.on('error', () => {});
    s.pause(); // never reads an answer
    s.write(Buffer.concat([Buffer.from(MAGIC), Buffer.from([VERSION])]));
    for (let sent = 0; sent < PER_FLOODER; sent += 1000) s.write(batch);
    sockets.push(s);
  }
  const flooded = await measure();

  const f = (n: number): string => `${n.toFixed(2)} ms`;
  console.log(`honest lookups: ${LOOKUPS} sequential, binary mode`);
  console.log(`  alone (baseline):     p50 ${f(baseline.p50)}  p99 ${f(baseline.p99)}`);
  console.log(
    `  ${FLOODERS} flooders (${((FLOODERS * PER_FLOODER * frame.length) / 1e6).toFixed(0)} MB unread):` +
      ` p50 ${f(flooded.p50)}  p99 ${f(flooded.p99)}`,
  );
  await honest.close();
} finally {
  for (const s of sockets) s.destroy();
  child.send('close');
  await new Promise((resolve) => child.once('exit', resolve));
  rmSync(dir, { recursive: true, force: true });
}
