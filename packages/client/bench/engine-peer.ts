/**
 * One engine (`@mesh/daemon`) in its own process, for the engine-level row of sdk-streams.ts:
 * `recv <registry> <beacon> <port>` prints `{"addr": …}`, then `{"done": bytes}` once one stream
 * ended; `send <registry> <beacon> <addr> <port> <bytes>` prints `{"start": true}` when the
 * stream is open and `{"sent": bytes}` when it is closed; `echo <registry> <beacon> <port>` echoes
 * every stream it accepts; `ping <registry> <beacon> <addr> <port> <count> <warmupMs>` times
 * 64-byte round trips on one stream, fresh and after `warmupMs` of pings, and prints
 * `{"rtt": {"fresh": {"p50": ms, "p99": ms}, "warm": {…}}}`. All exit when stdin closes.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Daemon } from '@mesh/daemon';
import { formatAddr, parseAddr } from '@mesh/protocol';

const [role, registry, beacon, ...rest] = process.argv.slice(2);
const dir = await mkdtemp(path.join(tmpdir(), 'mesh-bench-engine-'));
const daemon = new Daemon({
  registry: registry,
  beacon: beacon,
  listen: '127.0.0.1:0',
  identityPath: path.join(dir, 'identity.json'),
  public: true,
  loadPlugins: false,
});
await daemon.start();
const say = (v: object): boolean => process.stdout.write(JSON.stringify(v) + '\n');
process.stdin.on('end', () => void daemon.stop().then(() => process.exit(0)));
process.stdin.resume();

if (role === 'echo') {
  const listener = daemon.listen(Number(rest[0]));
  say({ addr: formatAddr(daemon.addr()) });
  for (;;) {
    const conn = await listener.accept();
    conn.pipe(conn);
  }
} else if (role === 'ping') {
  const [addr, port, count, warmupMs] = rest;
  const conn = await daemon.dial(parseAddr(addr), Number(port));
  const msg = Buffer.alloc(64, 1);
  const once = (): Promise<number> =>
    new Promise((resolve) => {
      const t0 = performance.now();
      let got = 0;
      const onData = (c: Buffer): void => {
        got += c.length;
        if (got < 64) return;
        conn.off('data', onData);
        resolve(performance.now() - t0);
      };
      conn.on('data', onData);
      conn.write(msg);
    });
  // As in sdk-streams.ts: 100 untimed, 2000 timed (fresh process), pings until `warmupMs` after
  // the start, then `count` timed (warm).
  const timed = async (n: number): Promise<{ p50: number; p99: number }> => {
    const rtts: number[] = [];
    for (let i = 0; i < n; i++) rtts.push(await once());
    rtts.sort((x, y) => x - y);
    const at = (p: number): number => rtts[Math.min(rtts.length - 1, Math.floor(p * rtts.length))];
    return { p50: at(0.5), p99: at(0.99) };
  };
  const until = performance.now() + Number(warmupMs);
  for (let i = 0; i < 100; i++) await once();
  const fresh = await timed(2000);
  while (performance.now() < until) for (let i = 0; i < 100; i++) await once();
  say({ rtt: { fresh, warm: await timed(Number(count)) } });
  conn.end();
} else if (role === 'recv') {
  const listener = daemon.listen(Number(rest[0]));
  say({ addr: formatAddr(daemon.addr()) });
  const conn = await listener.accept();
  let got = 0;
  conn.on('data', (c: Buffer) => (got += c.length));
  conn.on('end', () => {
    say({ done: got });
    conn.end();
  });
} else {
  const [addr, port, bytes] = rest;
  const total = Number(bytes);
  const conn = await daemon.dial(parseAddr(addr), Number(port));
  conn.resume();
  const chunk = Buffer.alloc(64 * 1024, 0x5a);
  say({ start: true });
  for (let sent = 0; sent < total; sent += chunk.length)
    if (!conn.write(chunk)) await new Promise((r) => conn.once('drain', r));
  conn.end();
  await new Promise((r) => conn.once('close', r));
  say({ sent: total });
}
