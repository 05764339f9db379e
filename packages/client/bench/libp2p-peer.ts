/**
 * One js-libp2p node in its own process, for the two-process libp2p row of sdk-streams.ts (the
 * engine row runs each engine in its own process too): `recv <bytes>` prints `{"addr": multiaddr}`,
 * then `{"done": bytes}` once that many bytes arrived on one stream; `send <multiaddr> <bytes>`
 * prints `{"start": true}` when the stream is open and `{"sent": bytes}` when all are written.
 * Both exit when stdin closes.
 */
import { multiaddr } from '@multiformats/multiaddr';
import { createBenchNode, PROTOCOL } from './libp2p.js';

const [role, ...rest] = process.argv.slice(2);
const node = await createBenchNode();
const say = (v: object): boolean => process.stdout.write(JSON.stringify(v) + '\n');
process.stdin.on('end', () => void Promise.resolve(node.stop()).then(() => process.exit(0)));
process.stdin.resume();

if (role === 'recv') {
  const total = Number(rest[0]);
  let got = 0;
  await node.handle(PROTOCOL, (stream) => {
    stream.addEventListener('message', (e) => {
      const before = got;
      got += e.data.byteLength;
      // Once, when the count reaches the total; the bench checks that it equals the total.
      if (before < total && got >= total) say({ done: got });
    });
  });
  say({ addr: node.getMultiaddrs()[0].toString() });
} else {
  const [addr, bytes] = rest;
  const total = Number(bytes);
  const stream = await node.dialProtocol(multiaddr(addr), PROTOCOL);
  const chunk = new Uint8Array(64 * 1024).fill(0x5a);
  say({ start: true });
  for (let sent = 0; sent < total; sent += chunk.length)
    if (!stream.send(chunk)) await stream.onDrain();
  say({ sent: total });
}
