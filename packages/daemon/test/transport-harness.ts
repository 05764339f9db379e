// Test harness: Transport endpoints wired through real UDP sockets on loopback (plaintext
// packet framing via @mesh/protocol), plus a lossy UDP proxy that drops, duplicates, reorders
// and delays datagrams. Everything it opens is closed by closeAll().
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import type { Addr, Packet } from '@mesh/protocol';
import { decodePacket, encodePacket, makeAddr } from '@mesh/protocol';
import type {
  Connection,
  Listener,
  StreamTuning,
  TransportLimits,
  TransportOptions,
} from '../src/transport/index.js';
import { Transport } from '../src/transport/index.js';
import { mulberry32 } from './helpers.js';

/** Short timers so loss recovery and closing take milliseconds, not seconds. */
export const FAST_TUNING: Partial<StreamTuning> = {
  initialRtoMs: 100,
  minRtoMs: 20,
  maxRtoMs: 500,
  dialRtoMs: 100,
  dialRtoMaxMs: 400,
  timeWaitMs: 100,
  zeroWindowProbeMs: 20,
  zeroWindowProbeMaxMs: 200,
  keepaliveMs: 0,
  idleTimeoutMs: 0,
};

const BIG_BUFFER = 4 * 1024 * 1024;

async function bindSocket(): Promise<Socket> {
  const s = createSocket({ type: 'udp4', recvBufferSize: BIG_BUFFER, sendBufferSize: BIG_BUFFER });
  s.bind(0, '127.0.0.1');
  await once(s, 'listening');
  return s;
}

/** A Transport on its own UDP socket; `routes` maps node ids to UDP ports. */
export interface Endpoint {
  readonly addr: Addr;
  readonly transport: Transport;
  readonly socket: Socket;
  readonly port: number;
  readonly routes: Map<number, number>;
  readonly events: { topic: string; data: Record<string, unknown> }[];
  /** Drop everything this endpoint sends (the peer seems gone). */
  mute: boolean;
}

/** Options for {@link Harness.endpoint}. */
export interface EndpointOptions {
  readonly node: number;
  readonly tuning?: Partial<StreamTuning>;
  readonly limits?: Partial<TransportLimits>;
  readonly onDialStalled?: TransportOptions['onDialStalled'];
}

/** Lossy proxy behaviour; rates are probabilities per datagram. */
export interface ProxyOptions {
  readonly drop?: number;
  readonly duplicate?: number;
  readonly reorder?: number;
  /** Extra delay of a reordered datagram, ms. @default 2 */
  readonly reorderDelayMs?: number;
  /** Delay of every datagram, ms. @default 0 */
  readonly delayMs?: number;
  /** Deterministic PRNG seed. @default 1 */
  readonly seed?: number;
  /** Datagrams held for later delivery at most (bounded). @default 4096 */
  readonly maxHeld?: number;
  /** The proxy closes itself after this long, ms. @default 60000 */
  readonly lifetimeMs?: number;
  /** Per-datagram override: return 'drop' to drop it, 'pass' to forward untouched. */
  readonly filter?: (packet: Packet, direction: 'ab' | 'ba') => 'drop' | 'pass' | undefined;
}

/** Two-socket UDP proxy between endpoint A and endpoint B. */
export class LossyProxy {
  readonly stats = { forwarded: 0, dropped: 0, duplicated: 0, reordered: 0, overflow: 0 };
  /** When true every datagram is dropped. */
  blackhole = false;
  private held = 0;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private readonly rand: () => number;
  private closed = false;
  private readonly lifetime: ReturnType<typeof setTimeout>;

  constructor(
    readonly sideA: Socket,
    readonly sideB: Socket,
    portA: number,
    portB: number,
    private readonly options: ProxyOptions,
  ) {
    this.rand = mulberry32(options.seed ?? 1);
    // Datagrams from A arrive on sideA and leave through sideB towards B, and vice versa.
    sideA.on('message', (msg) => this.relay(msg, sideB, portB, 'ab'));
    sideB.on('message', (msg) => this.relay(msg, sideA, portA, 'ba'));
    this.lifetime = setTimeout(() => this.close(), options.lifetimeMs ?? 60_000);
    this.lifetime.unref();
  }

  private relay(msg: Buffer, out: Socket, port: number, dir: 'ab' | 'ba'): void {
    if (this.closed) return;
    const o = this.options;
    if (this.blackhole) {
      this.stats.dropped++;
      return;
    }
    if (o.filter !== undefined) {
      const verdict = o.filter(decodePacket(msg), dir);
      if (verdict === 'drop') {
        this.stats.dropped++;
        return;
      }
      if (verdict === 'pass') {
        this.send(out, msg, port, 0);
        return;
      }
    }
    if (this.rand() < (o.drop ?? 0)) {
      this.stats.dropped++;
      return;
    }
    let delay = o.delayMs ?? 0;
    if (this.rand() < (o.reorder ?? 0)) {
      this.stats.reordered++;
      delay += o.reorderDelayMs ?? 2;
    }
    this.send(out, msg, port, delay);
    if (this.rand() < (o.duplicate ?? 0)) {
      this.stats.duplicated++;
      this.send(out, msg, port, delay + 1);
    }
  }

  private send(out: Socket, msg: Buffer, port: number, delay: number): void {
    this.stats.forwarded++;
    if (delay <= 0) {
      out.send(msg, port, '127.0.0.1');
      return;
    }
    if (this.held >= (this.options.maxHeld ?? 4096)) {
      this.stats.overflow++;
      return;
    }
    this.held++;
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.held--;
      if (!this.closed) out.send(msg, port, '127.0.0.1');
    }, delay);
    this.timers.add(t);
  }

  /** Stops forwarding and closes both sockets. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.lifetime);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.sideA.close();
    this.sideB.close();
  }
}

/** Creates endpoints and proxies and closes them all at the end of a test. */
export class Harness {
  private readonly endpoints: Endpoint[] = [];
  private readonly proxies: LossyProxy[] = [];

  /** Starts a Transport for `node` on a fresh loopback UDP socket. */
  async endpoint(options: EndpointOptions): Promise<Endpoint> {
    const socket = await bindSocket();
    const routes = new Map<number, number>();
    const events: Endpoint['events'] = [];
    const addr = makeAddr(0, options.node);
    const ep: Endpoint = {
      addr,
      socket,
      port: socket.address().port,
      routes,
      events,
      mute: false,
      transport: new Transport({
        localAddr: addr,
        send: (packet) => {
          if (ep.mute) return;
          const port = routes.get(packet.dst.node);
          if (port !== undefined) socket.send(encodePacket(packet), port, '127.0.0.1');
        },
        tuning: { ...FAST_TUNING, ...options.tuning },
        limits: options.limits ?? {},
        onEvent: (topic, data) => events.push({ topic, data }),
        ...(options.onDialStalled === undefined ? {} : { onDialStalled: options.onDialStalled }),
      }),
    };
    socket.on('message', (msg) => {
      let packet: Packet;
      try {
        packet = decodePacket(msg);
      } catch {
        return;
      }
      ep.transport.receive(packet, packet.src.node);
    });
    this.endpoints.push(ep);
    return ep;
  }

  /** Routes a and b to each other directly. */
  connect(a: Endpoint, b: Endpoint): void {
    a.routes.set(b.addr.node, b.port);
    b.routes.set(a.addr.node, a.port);
  }

  /** Routes a and b to each other through a new lossy proxy. */
  async proxy(a: Endpoint, b: Endpoint, options: ProxyOptions = {}): Promise<LossyProxy> {
    const sideA = await bindSocket();
    const sideB = await bindSocket();
    const proxy = new LossyProxy(sideA, sideB, a.port, b.port, options);
    a.routes.set(b.addr.node, sideA.address().port);
    b.routes.set(a.addr.node, sideB.address().port);
    this.proxies.push(proxy);
    return proxy;
  }

  /** Two endpoints (nodes 1 and 2) wired directly. */
  async pair(
    a: Omit<EndpointOptions, 'node'> = {},
    b: Omit<EndpointOptions, 'node'> = {},
  ): Promise<[Endpoint, Endpoint]> {
    const ea = await this.endpoint({ ...a, node: 1 });
    const eb = await this.endpoint({ ...b, node: 2 });
    this.connect(ea, eb);
    return [ea, eb];
  }

  /** A pair with a listener on `port` of the second endpoint and one connection to it. */
  async connected(port: number): Promise<{
    a: Endpoint;
    b: Endpoint;
    listener: Listener;
    client: Connection;
    server: Connection;
  }> {
    const [a, b] = await this.pair();
    const listener = b.transport.listen(port);
    const accepted = listener.accept();
    const client = await a.transport.dial(b.addr, port);
    return { a, b, listener, client, server: await accepted };
  }

  /** Closes every transport, proxy and socket. */
  async closeAll(): Promise<void> {
    for (const p of this.proxies.splice(0)) p.close();
    for (const ep of this.endpoints.splice(0)) {
      await ep.transport.close();
      ep.socket.close();
    }
  }
}

/** Reads a stream to its end. */
export async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks);
}

/** Deterministic pseudo-random bytes. */
export function randomBytesSeeded(size: number, seed = 7): Buffer {
  const rand = mulberry32(seed);
  const out = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i += 4) {
    const v = (rand() * 4294967296) >>> 0;
    out[i] = v & 0xff;
    if (i + 1 < size) out[i + 1] = (v >>> 8) & 0xff;
    if (i + 2 < size) out[i + 2] = (v >>> 16) & 0xff;
    if (i + 3 < size) out[i + 3] = v >>> 24;
  }
  return out;
}
