/**
 * The ceiling of an encrypted UDP pipe in Node on this machine, beside the engine's one-stream
 * figure, all in one run and each between two processes on loopback:
 * - (a) raw UDP: one process sends datagrams of the engine's 16 KiB segment frame size
 *   (16 454 B: 20 B `PILS` header, 34 B packet header, 16 384 B payload, 16 B tag) as fast as
 *   it can, the other receives them (no crypto, no flow control: what the receiver delivers
 *   is its ceiling; drops are counted);
 * - (b) the same with AES-256-GCM per datagram the way the tunnel does it (node:crypto, a key
 *   object per session, a cipher object per frame, node id as AAD): seal on the sender, open
 *   on the receiver;
 * - (c) (b) with flow control: a sealed ACK back every `ACK_EVERY` datagrams and at most
 *   `WINDOW` datagrams unacknowledged (the engine's 128-segment window) — the fastest reliable
 *   encrypted pipe without any stream logic;
 * - the engine: two daemons in their own processes, one stream, `BENCH_MB` (100) MB one way,
 *   after a warm-up stream (key exchange, path MTU probing up to 16 KiB segments).
 * Every row prints MB/s of payload, datagrams/s and the CPU time each side spent per datagram
 * (its own `process.cpuUsage`, so the figure holds on a loaded machine where wall-clock rates
 * swing). `CEILING_PROF=<dir>` writes a CPU profile of each engine process during the timed
 * transfer only (`engine-send.cpuprofile`, `engine-recv.cpuprofile`, for `bench/profile-summary.ts`);
 * `CEILING_ONLY=engine` or `pipes` runs one part; `CEILING_ROUNDS=n` repeats the rows.
 * `CEILING_BASE=<daemon package dir>` adds an engine row for another copy of the sources (a
 * "before" tree) beside this tree's in every round (order alternating), for comparisons
 * within one run.
 * Run: pnpm --filter @mesh/daemon run bench:ceiling   (needs @mesh/registry and @mesh/beacon built)
 */
import { Beacon } from '@mesh/beacon';
import { formatAddr, parseAddr } from '@mesh/protocol';
import { RegistryServer } from '@mesh/registry';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import {
  createCipheriv,
  createDecipheriv,
  createSecretKey,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Daemon as DaemonClass } from '../src/daemon/daemon.js';

const MB = 1_000_000;
const BYTES = Number(process.env['BENCH_MB'] ?? 100) * MB;
/** Plaintext per datagram: packet header + a 16 KiB segment, as the engine sends it. */
const PLAIN = 34 + 16_384;
const HEADER = 20; // PILS magic, sender, nonce
const TAG = 16;
const FRAME = HEADER + PLAIN + TAG;
const DATAGRAMS = Number(process.env['CEILING_DATAGRAMS'] ?? Math.ceil(BYTES / 16_384));
const WINDOW = 128;
const ACK_EVERY = 16;
const KEY = Buffer.alloc(32, 7); // both processes: a fixed test key
const SENDER = 0x0102_0304;
const here = path.dirname(fileURLToPath(import.meta.url));
const ENGINE = path.join(here, '../src/daemon/daemon.ts');

type Mode = 'raw' | 'aes' | 'aes-ack';
const say = (v: object): void => void process.stdout.write(JSON.stringify(v) + '\n');
const cpuMs = (c: NodeJS.CpuUsage): number => (c.user + c.system) / 1000;

/**
 * AES-256-GCM as the tunnel does it (`TunnelSession`): a key object per session, a cipher object
 * per frame (node:crypto has no nonce reset), the sender's node id as AAD. Sealing returns the
 * frame as pieces for one scatter/gather send, so the ciphertext is never copied.
 */
class Gcm {
  readonly #key: KeyObject = createSecretKey(KEY);
  readonly #prefix = randomBytes(4);
  readonly #aad = Buffer.alloc(4);
  #counter = 0;
  constructor() {
    this.#aad.writeUInt32BE(SENDER);
  }
  seal(plain: Uint8Array): Buffer[] {
    this.#counter += 1;
    const header = Buffer.allocUnsafe(HEADER);
    header.writeUInt32BE(0x50494c53, 0);
    header.writeUInt32BE(SENDER, 4);
    this.#prefix.copy(header, 8);
    header.writeUInt32BE(0, 12);
    header.writeUInt32BE(this.#counter, 16);
    const c = createCipheriv('aes-256-gcm', this.#key, header.subarray(8, HEADER));
    c.setAAD(this.#aad);
    const body = c.update(plain);
    c.final(); // GCM is a stream mode: nothing is held back
    return [header, body, c.getAuthTag()];
  }
  open(frame: Buffer): Buffer | undefined {
    const d = createDecipheriv('aes-256-gcm', this.#key, frame.subarray(8, HEADER));
    d.setAAD(this.#aad);
    d.setAuthTag(frame.subarray(frame.length - TAG));
    const body = d.update(frame.subarray(HEADER, frame.length - TAG));
    try {
      d.final();
    } catch {
      return undefined;
    }
    return body;
  }
}

/** A literal IP needs no DNS: answer at once (dgram's default defers every send a tick). */
function literalLookup(
  host: string,
  family: number,
  cb: (err: Error | null, address: string, family: number) => void,
): void {
  cb(null, host, family);
}

// ---- child roles ---------------------------------------------------------------------------

/** Receives datagrams until `count` arrived or 300 ms pass without one; acks in `aes-ack`. */
async function udpReceiver(mode: Mode, count: number): Promise<void> {
  const sock = createSocket({
    type: 'udp4',
    recvBufferSize: 4 << 20,
    sendBufferSize: 4 << 20,
    lookup: literalLookup as never,
  });
  const gcm = new Gcm();
  let got = 0;
  let bad = 0;
  let first = 0;
  let last = 0;
  let c0: NodeJS.CpuUsage | undefined;
  let idle: NodeJS.Timeout | undefined;
  const ack = Buffer.alloc(8);
  const report = (): void => {
    sock.close();
    say({
      got,
      bad,
      ms: last - first,
      // The idle wait before a report costs no CPU worth counting.
      cpuMs: c0 === undefined ? 0 : cpuMs(process.cpuUsage(c0)),
    });
    process.exit(0);
  };
  sock.on('message', (msg, rinfo) => {
    if (got === 0) {
      first = performance.now();
      c0 = process.cpuUsage();
    }
    if (mode !== 'raw' && gcm.open(msg) === undefined) bad++;
    got++;
    last = performance.now();
    if (mode === 'aes-ack' && got % ACK_EVERY === 0) {
      ack.writeUInt32BE(got, 0);
      sock.send(gcm.seal(ack), rinfo.port, rinfo.address);
    }
    if (got >= count) {
      report();
      return;
    }
    idle?.refresh();
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  idle = setTimeout(function tick() {
    if (got > 0 && performance.now() - last >= 300) report();
    else idle = setTimeout(tick, 300);
  }, 300);
  say({ port: sock.address().port });
}

/** Sends `count` datagrams; `aes-ack` keeps at most WINDOW unacknowledged. */
async function udpSender(mode: Mode, port: number, count: number): Promise<void> {
  const sock: Socket = createSocket({
    type: 'udp4',
    recvBufferSize: 4 << 20,
    sendBufferSize: 4 << 20,
    lookup: literalLookup as never,
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const gcm = new Gcm();
  const plain = Buffer.alloc(PLAIN, 0x5a);
  const raw = Buffer.alloc(FRAME, 0x5a);
  let acked = 0;
  let stalls = 0;
  let wake: (() => void) | undefined;
  sock.on('message', (msg) => {
    const body = gcm.open(msg);
    if (body !== undefined) acked = Math.max(acked, body.readUInt32BE(0));
    wake?.();
  });
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let sent = 0;
  while (sent < count) {
    if (mode === 'aes-ack') {
      while (sent < count && sent - acked < WINDOW) {
        sock.send(gcm.seal(plain), port, '127.0.0.1');
        sent++;
      }
      if (sent >= count) break;
      const timedOut = await new Promise<boolean>((r) => {
        const t = setTimeout(() => r(true), 50);
        wake = () => {
          clearTimeout(t);
          r(false);
        };
      });
      wake = undefined;
      if (timedOut) {
        // A lost datagram or ACK: this pipe does not retransmit; move the window on.
        stalls++;
        acked = sent;
      }
    } else {
      for (let i = 0; i < 32 && sent < count; i++, sent++)
        sock.send(mode === 'raw' ? raw : gcm.seal(plain), port, '127.0.0.1');
      await new Promise((r) => setImmediate(r));
    }
  }
  const ms = performance.now() - t0;
  say({ sent, ms, cpuMs: cpuMs(process.cpuUsage(c0)), stalls });
  await new Promise((r) => setTimeout(r, 100)); // let the last sends leave
  sock.close();
  process.exit(0);
}

/** Profiles the timed transfer only (not start-up or warm-up), when `CEILING_PROF` is set. */
async function profiler(name: string): Promise<{ start(): void; stop(): Promise<void> }> {
  const dir = process.env['CEILING_PROF'];
  if (dir === undefined) return { start: () => {}, stop: async () => {} };
  const { Session } = await import('node:inspector');
  const { writeFile } = await import('node:fs/promises');
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object): Promise<unknown> =>
    new Promise((res, rej) =>
      session.post(method, params, (err, out) => (err === null ? res(out) : rej(err))),
    );
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 100 });
  return {
    start: () => void post('Profiler.start'),
    stop: async () => {
      const out = (await post('Profiler.stop')) as { profile: unknown };
      await writeFile(path.join(dir, `${name}.cpuprofile`), JSON.stringify(out.profile));
    },
  };
}

async function engineRole(role: 'recv' | 'send', args: string[]): Promise<void> {
  const [module, registry, beacon, ...rest] = args;
  const prof = await profiler(`engine-${role}${module === ENGINE ? '' : '-before'}`);
  const { Daemon } = (await import(module)) as { Daemon: typeof DaemonClass };
  const dir = await mkdtemp(path.join(tmpdir(), 'mesh-bench-ceiling-'));
  const daemon = new Daemon({
    registry: registry,
    beacon: beacon,
    listen: '127.0.0.1:0',
    identityPath: path.join(dir, 'identity.json'),
    public: true,
    loadPlugins: false,
    ...(process.env['CEILING_MSS'] === undefined
      ? {}
      : { tunnel: { pathMtu: { maxSegmentSize: Number(process.env['CEILING_MSS']) } } }),
  });
  await daemon.start();
  const stop = async (): Promise<void> => {
    await daemon.stop();
    await rm(dir, { recursive: true, force: true });
    process.exit(0);
  };
  process.stdin.on('end', () => void stop());
  process.stdin.resume();
  if (role === 'recv') {
    const listener = daemon.listen(6000);
    say({ addr: formatAddr(daemon.addr()) });
    let streams = 0;
    for (;;) {
      const conn = await listener.accept().catch(() => undefined);
      if (conn === undefined) return; // closed by stop()
      let got = 0;
      let c0: NodeJS.CpuUsage | undefined;
      let t0 = 0;
      const timed = ++streams === 2;
      conn.on('data', (c: Buffer) => {
        if (got === 0) {
          if (timed) prof.start();
          c0 = process.cpuUsage();
          t0 = performance.now();
        }
        got += c.length;
      });
      conn.on('end', () => {
        const ms = performance.now() - t0;
        const cpu = c0 === undefined ? 0 : cpuMs(process.cpuUsage(c0));
        const info = conn.info();
        conn.end();
        void (timed ? prof.stop() : Promise.resolve()).then(() =>
          say({
            done: got,
            ms,
            cpuMs: cpu,
            segments: info.segmentsReceived,
            packetsSent: info.packetsSent,
          }),
        );
      });
    }
  }
  const [addr, total] = rest;
  const chunk = Buffer.alloc(64 * 1024, 0x5a);
  const send = async (bytes: number, timed: boolean): Promise<void> => {
    const conn = await daemon.dial(parseAddr(addr), 6000);
    conn.resume();
    if (timed) prof.start();
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    for (let sent = 0; sent < bytes; sent += chunk.length) {
      const n = Math.min(chunk.length, bytes - sent);
      if (!conn.write(n === chunk.length ? chunk : chunk.subarray(0, n)))
        await new Promise((r) => conn.once('drain', r));
    }
    conn.end();
    await new Promise((r) => conn.once('close', r));
    const ms = performance.now() - t0;
    const cpu = cpuMs(process.cpuUsage(c0));
    if (timed) await prof.stop();
    const info = conn.info();
    say({
      sent: bytes,
      ms,
      cpuMs: cpu,
      segments: info.segmentsSent,
      retransmits: info.retransmits,
      packetsSent: info.packetsSent,
    });
  };
  await send(4 * MB, false); // warm-up: key exchange, path MTU probing
  await send(Number(total), true);
  say({ finished: true });
}

// ---- parent --------------------------------------------------------------------------------

const children: ChildProcessWithoutNullStreams[] = [];

function child(args: string[]): {
  proc: ChildProcessWithoutNullStreams;
  next: () => Promise<Record<string, number | string>>;
} {
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'ceiling.ts'), ...args]);
  children.push(proc);
  proc.stderr.on('data', (d: Buffer) => process.stderr.write(d));
  const lines = createInterface({ input: proc.stdout });
  const queue: Record<string, number | string>[] = [];
  const waiters: ((v: Record<string, number | string>) => void)[] = [];
  lines.on('line', (l) => {
    const v = JSON.parse(l) as Record<string, number | string>;
    const w = waiters.shift();
    if (w === undefined) queue.push(v);
    else w(v);
  });
  const next = (): Promise<Record<string, number | string>> => {
    const v = queue.shift();
    return v === undefined ? new Promise((r) => waiters.push(r)) : Promise.resolve(v);
  };
  return { proc, next };
}

const fmt = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const row = (name: string, value: string): void => {
  process.stdout.write(`${name.padEnd(44)} ${value}\n`);
};

async function udpPipe(mode: Mode): Promise<void> {
  const rx = child(['udp-recv', mode, String(DATAGRAMS)]);
  const port = (await rx.next())['port'] as number;
  const tx = child(['udp-send', mode, String(port), String(DATAGRAMS)]);
  const s = await tx.next();
  const r = await rx.next();
  const got = r['got'] as number;
  const rms = r['ms'] as number;
  const rate = (got * 16_384) / MB / (rms / 1000);
  row(
    `(${mode === 'raw' ? 'a' : mode === 'aes' ? 'b' : 'c'}) ${mode === 'raw' ? 'raw UDP' : mode === 'aes' ? 'UDP + AES-256-GCM' : `UDP + AES-GCM, ACK/${ACK_EVERY}, window ${WINDOW}`}`,
    `${fmt(rate)} MB/s delivered, ${fmt(got / rms)} k dgram/s (sent ${fmt((s['sent'] as number) / (s['ms'] as number))} k/s, ${(100 * (1 - got / DATAGRAMS)).toFixed(1)} % lost${mode === 'aes-ack' ? `, ${s['stalls']} stalls` : ''}); CPU µs/dgram send ${fmt(((s['cpuMs'] as number) * 1000) / (s['sent'] as number))}, recv ${fmt(((r['cpuMs'] as number) * 1000) / got)}`,
  );
}

async function engine(
  label: string,
  module: string,
  registry: string,
  beacon: string,
): Promise<void> {
  const rx = child(['engine-recv', module, registry, beacon]);
  const addr = (await rx.next())['addr'] as string;
  const tx = child(['engine-send', module, registry, beacon, addr, String(BYTES)]);
  await tx.next(); // warm-up sent
  await rx.next(); // warm-up received
  const s = await tx.next();
  const r = await rx.next();
  await tx.next(); // finished
  const rate = BYTES / MB / ((r['ms'] as number) / 1000);
  const segs = r['segments'] as number;
  row(
    `${label}: 1 stream, ${BYTES / MB} MB, 2 procs`,
    `${fmt(rate)} MB/s, ${fmt(segs / (r['ms'] as number))} k seg/s (${s['retransmits']} retransmits, ${((r['packetsSent'] as number) / segs).toFixed(3)} ACKs/seg); CPU µs/seg send ${fmt(((s['cpuMs'] as number) * 1000) / (s['segments'] as number))}, recv ${fmt(((r['cpuMs'] as number) * 1000) / segs)}`,
  );
  rx.proc.stdin.end();
  tx.proc.stdin.end();
  await Promise.all([rx.proc, tx.proc].map((p) => new Promise((res) => p.once('exit', res))));
}

async function parent(): Promise<void> {
  const registry = new RegistryServer({
    host: '127.0.0.1',
    port: 0,
    registrationsPerMinute: 0, // two engines per row, every row: no limit
  });
  const raddr = await registry.listen();
  const beacon = new Beacon({ udp: { host: '127.0.0.1', port: 0 }, ws: false });
  await beacon.listen();
  const rounds = Number(process.env['CEILING_ROUNDS'] ?? 1);
  process.stdout.write(
    `# node ${process.version}, loopback, 2 processes per row, ${DATAGRAMS} datagrams of ${FRAME} B (${PLAIN - 34} B payload each), load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}\n`,
  );
  const only = process.env['CEILING_ONLY'];
  for (let i = 0; i < rounds; i++) {
    if (only !== 'engine') {
      await udpPipe('raw');
      await udpPipe('aes');
      await udpPipe('aes-ack');
    }
    if (only === 'pipes') continue;
    const r = `127.0.0.1:${raddr.port}`;
    const b = `127.0.0.1:${beacon.address().udp!.port}`;
    const base = process.env['CEILING_BASE'];
    const before = (): Promise<void> =>
      engine('engine (before)', path.join(base!, 'src/daemon/daemon.ts'), r, b);
    const now = (): Promise<void> =>
      engine(base === undefined ? 'engine' : 'engine (now)', ENGINE, r, b);
    // Alternate the order per round: the machine's load drifts within a round.
    if (base !== undefined && i % 2 === 0) await before();
    await now();
    if (base !== undefined && i % 2 === 1) await before();
  }
  process.stdout.write(
    `# load average after: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}\n`,
  );
  await beacon.close();
  await registry.close();
}

const [role, ...args] = process.argv.slice(2);
try {
  if (role === 'udp-recv') await udpReceiver(args[0] as Mode, Number(args[1]));
  else if (role === 'udp-send') await udpSender(args[0] as Mode, Number(args[1]), Number(args[2]));
  else if (role === 'engine-recv') await engineRole('recv', args);
  else if (role === 'engine-send') await engineRole('send', args);
  else await parent();
} finally {
  if (role === undefined) for (const c of children) c.kill();
}
