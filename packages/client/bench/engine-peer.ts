/**
 * One engine (`@mesh/daemon`) in its own process, for the engine-level row of sdk-streams.ts:
 * `recv <registry> <beacon> <port>` prints `{"addr": …}`, then `{"done": bytes}` once one stream
 * ended; `send <registry> <beacon> <addr> <port> <bytes>` prints `{"start": true}` when the
 * stream is open and `{"sent": bytes}` when it is closed. Both exit when stdin closes.
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

if (role === 'recv') {
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
