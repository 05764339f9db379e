/**
 * Two local daemons exchanging data through an in-process rendezvous (registry + beacon):
 * encrypted tunnel, a stream to the echo service, a datagram and a data-exchange message.
 * Run: pnpm --filter @mesh/daemon run demo
 */
import { Beacon } from '@mesh/beacon';
import { DataType, encodeDataFrame, formatAddr } from '@mesh/protocol';
import { RegistryServer } from '@mesh/registry';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Daemon } from '../src/index.js';

const registry = new RegistryServer({ host: '127.0.0.1', port: 0 });
const { port: registryPort } = await registry.listen();
const beacon = new Beacon({ udp: { host: '127.0.0.1', port: 0 }, ws: false });
await beacon.listen();
console.log(
  `rendezvous: registry 127.0.0.1:${registryPort}, beacon 127.0.0.1:${beacon.address().udp!.port}`,
);

const dirs: string[] = [];
async function daemon(name: string): Promise<Daemon> {
  const dir = await mkdtemp(path.join(tmpdir(), `mesh-${name}-`));
  dirs.push(dir);
  const d = new Daemon({
    registry: `127.0.0.1:${registryPort}`,
    beacon: `127.0.0.1:${beacon.address().udp!.port}`,
    listen: '127.0.0.1:0',
    identityPath: path.join(dir, 'identity.json'),
    hostname: name,
    public: true,
  });
  d.bus().on('tunnel.established', (e) => console.log(`[${name}] tunnel.established`, e.payload));
  await d.start();
  console.log(
    `[${name}] node ${d.nodeId()} = ${formatAddr(d.addr())}, endpoint ${d.info().endpoint}`,
  );
  return d;
}

const alice = await daemon('alice');
const bob = await daemon('bob');

// A stream to bob's echo service (port 7).
const conn = await alice.dial(bob.addr(), 7);
const echoed = await new Promise<string>((resolve) => {
  let text = '';
  conn.on('data', (c: Buffer) => (text += c.toString()));
  conn.on('end', () => resolve(text));
  conn.end('hello through the mesh');
});
console.log(`[alice] echo replied: "${echoed}"`);

// A datagram.
const got = new Promise<string>((resolve) =>
  bob.onAnyDatagram((d) => resolve(new TextDecoder().decode(d.data))),
);
await alice.sendDatagram(bob.addr(), 4000, new TextEncoder().encode('a datagram'));
console.log(`[bob] datagram: "${await got}"`);

// A data-exchange message (port 1001), saved in bob's inbox.
const saved = new Promise((resolve) => bob.bus().on('message.received', (e) => resolve(e.payload)));
const dx = await alice.dial(bob.addr(), 1001);
dx.write(encodeDataFrame({ type: DataType.TEXT, payload: new TextEncoder().encode('hi bob') }));
console.log('[bob] message.received', await saved);
console.log(`[bob] inbox: ${(await readdir(path.join(dirs[1], 'inbox'))).join(', ')}`);
dx.destroy();

const info = alice.info();
console.log(`[alice] peers: ${JSON.stringify(info.peer_list)}; bytes sent ${info.bytes_sent}`);

await alice.stop();
await bob.stop();
await beacon.close();
await registry.close();
for (const dir of dirs) await rm(dir, { recursive: true, force: true });
