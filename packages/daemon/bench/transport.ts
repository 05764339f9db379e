// Stream transport throughput on loopback: two Transport endpoints over real UDP sockets
// (plaintext packet framing, no tunnel crypto), beside raw Node TCP on loopback in the same
// run; plus dial latency and datagram rate. Run: pnpm --filter @mesh/daemon run bench:transport
import { createHash } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { createServer, connect, type AddressInfo } from 'node:net';
import type { Packet } from '@mesh/protocol';
import { decodePacket, encodePacket, makeAddr } from '@mesh/protocol';
import type { StreamTuning, TransportLimits } from '../src/transport/index.js';
import { Transport } from '../src/transport/index.js';

const MB = 1024 * 1024;
const SIZE = Number(process.env.BENCH_MB ?? 64) * MB;
const payload = Buffer.alloc(SIZE, 0x5a);
for (let i = 0; i < SIZE; i += 4096) payload[i] = i & 0xff;

interface Pair {
  a: Transport;
  b: Transport;
  close(): Promise<void>;
}

async function udpPair(
  tuning: Partial<StreamTuning>,
  limits: Partial<TransportLimits> = {},
): Promise<Pair> {
  const sockets: Socket[] = [];
  const bind = async (): Promise<Socket> => {
    const s = createSocket({ type: 'udp4', recvBufferSize: 8 * MB, sendBufferSize: 8 * MB });
    s.bind(0, '127.0.0.1');
    await once(s, 'listening');
    sockets.push(s);
    return s;
  };
  const sa = await bind();
  const sb = await bind();
  const make = (node: number, own: Socket, peer: Socket): Transport => {
    const peerPort = peer.address().port;
    const t = new Transport({
      localAddr: makeAddr(0, node),
      send: (p) => own.send(encodePacket(p), peerPort, '127.0.0.1'),
      tuning,
      limits,
    });
    own.on('message', (msg) => {
      let p: Packet;
      try {
        p = decodePacket(msg);
      } catch {
        return;
      }
      t.receive(p, p.src.node);
    });
    return t;
  };
  const a = make(1, sa, sb);
  const b = make(2, sb, sa);
  return {
    a,
    b,
    close: async () => {
      await a.close();
      await b.close();
      for (const s of sockets) s.close();
    },
  };
}

async function meshThroughput(tuning: Partial<StreamTuning>): Promise<string> {
  const pair = await udpPair(tuning);
  const listener = pair.b.listen(1001);
  const accepted = listener.accept();
  const client = await pair.a.dial(makeAddr(0, 2), 1001);
  const server = await accepted;
  const hash = createHash('sha256');
  let received = 0;
  const done = new Promise<void>((resolve) => {
    server.on('data', (c: Buffer) => {
      received += c.length;
      hash.update(c);
    });
    server.on('end', resolve);
  });
  const start = performance.now();
  for (let off = 0; off < SIZE; off += 256 * 1024) {
    if (!client.write(payload.subarray(off, off + 256 * 1024))) await once(client, 'drain');
  }
  client.end();
  await done;
  const secs = (performance.now() - start) / 1000;
  if (received !== SIZE) throw new Error(`received ${received} of ${SIZE}`);
  const info = client.info();
  await pair.close();
  const rate = (SIZE / MB / secs).toFixed(1);
  return `${rate} MiB/s (${info.segmentsSent} segments, ${info.retransmits} retransmits)`;
}

async function tcpThroughput(): Promise<number> {
  const server = createServer();
  let received = 0;
  const done = new Promise<void>((resolve) => {
    server.on('connection', (s) => {
      s.on('data', (c: Buffer) => (received += c.length));
      s.on('end', resolve);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const sock = connect((server.address() as AddressInfo).port, '127.0.0.1');
  await once(sock, 'connect');
  const start = performance.now();
  for (let off = 0; off < SIZE; off += 256 * 1024) {
    if (!sock.write(payload.subarray(off, off + 256 * 1024))) await once(sock, 'drain');
  }
  sock.end();
  await done;
  const secs = (performance.now() - start) / 1000;
  server.close();
  if (received !== SIZE) throw new Error(`tcp received ${received}`);
  return SIZE / MB / secs;
}

async function dialLatency(n: number): Promise<string> {
  // Lift the per-source SYN rate limit (10/s, burst 64), which this loop would otherwise hit.
  const pair = await udpPair({}, { synRatePerSource: 1e6, synBurstPerSource: 1e6 });
  pair.b.listen(7).on('connection', (c) => {
    c.on('error', () => {}); // the client resets each connection
    c.pipe(c);
  });
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    const c = await pair.a.dial(makeAddr(0, 2), 7);
    c.write('x');
    await once(c, 'data');
    samples.push(performance.now() - start);
    c.destroy();
  }
  await pair.close();
  return summary(samples);
}

function summary(samples: number[]): string {
  const sorted = [...samples].sort((x, y) => x - y);
  const mean = samples.reduce((s, x) => s + x, 0) / samples.length;
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  const p99 = sorted[Math.floor(sorted.length * 0.99)] ?? 0;
  return `median ${median.toFixed(3)} ms, mean ${mean.toFixed(3)} ms, p99 ${p99.toFixed(3)} ms`;
}

async function tcpDialLatency(n: number): Promise<string> {
  const server = createServer((s) => {
    s.on('error', () => {});
    s.pipe(s);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    const s = connect(port, '127.0.0.1');
    await once(s, 'connect');
    s.write('x');
    await once(s, 'data');
    samples.push(performance.now() - start);
    s.destroy();
  }
  server.close();
  return summary(samples);
}

async function datagramRate(n: number): Promise<string> {
  const pair = await udpPair({});
  let got = 0;
  let last = 0;
  const data = Buffer.alloc(512, 1);
  pair.b.on('datagram', () => {
    got++;
    last = performance.now();
  });
  const start = performance.now();
  // Paced in bursts below libuv's 32 reads per poll, so the kernel socket buffer is not what
  // gets measured.
  for (let i = 0; i < n; i += 25) {
    for (let k = 0; k < 25; k++) pair.a.sendDatagram(makeAddr(0, 2), 5000, data);
    await new Promise((r) => setImmediate(r));
  }
  const sent = performance.now();
  while (got < n && performance.now() - Math.max(last, sent) < 500) {
    await new Promise((r) => setTimeout(r, 20));
  }
  await pair.close();
  const rate = got / ((Math.max(last, sent) - start) / 1000);
  return `${Math.round(rate)} /s received (${got} of ${n} delivered)`;
}

const row = (name: string, value: string): void => {
  process.stdout.write(`${name.padEnd(52)} ${value}\n`);
};

const only = process.env.BENCH_ONLY; // 'stream' to profile the default stream case alone
process.stdout.write(`single stream, ${SIZE / MB} MiB, loopback, Node ${process.version}\n`);
if (only === 'stream') {
  row('mesh stream over UDP, segment 1152 B (default)', await meshThroughput({}));
} else {
  row('raw Node TCP (baseline)', `${(await tcpThroughput()).toFixed(1)} MiB/s`);
  row('mesh stream over UDP, segment 1152 B (default)', await meshThroughput({}));
  row('mesh stream over UDP, segment 4096 B', await meshThroughput({ segmentSize: 4096 }));
  row('raw Node TCP dial + 1-byte echo (baseline)', await tcpDialLatency(200));
  row('mesh dial + 1-byte echo', await dialLatency(200));
  row('mesh datagrams, 512 B', await datagramRate(50_000));
}
