// Out-of-process plugin call latency and throughput, beside an in-process call and a bare
// grpc-js unary call on the same socket, in the same run. Needs built packages (pnpm build).
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { noopLogger } from '@mesh/daemonapi';
import { MemoryNetwork } from '@mesh/plugin-testkit';
import { MESH_PLUGIN_COOKIE, MESH_PROTOCOL_VERSIONS, ProcessPlugin, unary } from '../src/index.js';
// @ts-expect-error -- the plain JS test fixture
import { createEchoPlugin } from '../test/fixtures/echo.mjs';
import { fixtureExecutable } from '../test/helpers.js';
import type { Plugin } from '@mesh/daemonapi';

const CALLS = Number(process.env['CALLS'] ?? 5000);
const CONCURRENCY = 32;

interface Figures {
  p50: number;
  p99: number;
  perSecond: number;
}

async function measure(call: () => Promise<unknown>): Promise<Figures> {
  for (let i = 0; i < 500; i++) await call(); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const t = performance.now();
    await call();
    samples.push((performance.now() - t) * 1000);
  }
  samples.sort((a, b) => a - b);
  const start = performance.now();
  let issued = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (issued++ < CALLS) await call();
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  return {
    p50: samples[Math.floor(samples.length * 0.5)] ?? 0,
    p99: samples[Math.floor(samples.length * 0.99)] ?? 0,
    perSecond: CALLS / seconds,
  };
}

const row = (name: string, f: Figures): string =>
  `${name.padEnd(44)} p50 ${f.p50.toFixed(0).padStart(5)} µs   p99 ${f.p99.toFixed(0).padStart(6)} µs   ${f.perSecond.toFixed(0).padStart(7)} calls/s`;

const exe = fixtureExecutable();
const network = new MemoryNetwork();
try {
  const inProcess = network.createDaemon({ name: 'in' });
  await inProcess.loadPlugins([(createEchoPlugin as () => Plugin)()]);
  const outOfProcess = network.createDaemon({ name: 'out' });
  const plugin = new ProcessPlugin({
    name: 'echo',
    path: exe.path,
    cookie: MESH_PLUGIN_COOKIE,
    versions: MESH_PROTOCOL_VERSIONS,
    logger: noopLogger,
  });
  await outOfProcess.loadPlugins([plugin]);
  const proc = plugin.process!;
  const plaintext = network.createDaemon({ name: 'plain' });
  await plaintext.loadPlugins([
    new ProcessPlugin({
      name: 'echo',
      path: exe.path,
      cookie: MESH_PLUGIN_COOKIE,
      versions: MESH_PROTOCOL_VERSIONS,
      logger: noopLogger,
      autoMTLS: false,
    }),
  ]);

  const results = [
    [
      'in-process plugin method (baseline)',
      await measure(() => inProcess.callMethod('echo.ping', 1)),
    ],
    [
      'out-of-process plugin method (AutoMTLS)',
      await measure(() => outOfProcess.callMethod('echo.ping', 1)),
    ],
    [
      'out-of-process plugin method (plaintext)',
      await measure(() => plaintext.callMethod('echo.ping', 1)),
    ],
    [
      'bare grpc-js unary, same socket (Describe)',
      await measure(() => unary(proc.plugin, 'Describe', {})),
    ],
  ] as const;
  console.log(
    `${CALLS} calls each; throughput with ${CONCURRENCY} calls in flight; node ${process.version}; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  for (const [name, f] of results) console.log(row(name, f));
  await outOfProcess.unloadPlugins({ timeoutMs: 3000 });
  await plaintext.unloadPlugins({ timeoutMs: 3000 });
  await inProcess.unloadPlugins({ timeoutMs: 3000 });
} finally {
  await network.close();
  exe.cleanup();
}
