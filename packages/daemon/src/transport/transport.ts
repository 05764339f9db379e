// The endpoint that owns every stream, listener and datagram of one node: demultiplexes
// incoming packets, admits SYNs (limits, rate limits, accept queue) and answers pings.
import { EventEmitter } from 'node:events';
import type { Addr, Packet } from '@mesh/protocol';
import { Flags, MAX_PACKET_PAYLOAD, Proto, formatAddr, isValidPort, seqAdd } from '@mesh/protocol';
import { PortAllocator } from '../ports/allocator.js';
import type { TransportClock } from './clock.js';
import { Scheduler, systemClock } from './clock.js';
import type { ConnectionHost, ConnectionInfo, ConnectionOptions } from './connection.js';
import { Connection } from './connection.js';
import { TransportError } from './errors.js';
import type { ListenOptions } from './listener.js';
import { Listener } from './listener.js';
import type { StreamTuning, TransportLimits } from './options.js';
import { DEFAULT_STREAM_TUNING, DEFAULT_TRANSPORT_LIMITS } from './options.js';
import { KeyedRateLimiter, TokenBucket } from './rate-limit.js';

/** Construction options of {@link Transport}. */
export interface TransportOptions {
  /** This node's address (source of every packet); a function is read per packet. */
  readonly localAddr: Addr | (() => Addr);
  /**
   * Hands one outgoing packet to the engine, which encodes, encrypts and routes it by
   * `packet.dst.node`. Must not throw; a packet it cannot deliver is simply lost.
   */
  send(packet: Packet): void;
  /** Time source and timers. @default systemClock */
  readonly clock?: TransportClock;
  /** Stream tunables; unset fields take the reference defaults. */
  readonly tuning?: Partial<StreamTuning>;
  /** Admission limits; unset fields take the reference defaults. */
  readonly limits?: Partial<TransportLimits>;
  /** Port bookkeeping to share (e.g. with services). @default a new PortAllocator */
  readonly ports?: PortAllocator;
  /**
   * Receives the reference's event names (§E.4) with their data: `conn.syn_received`,
   * `conn.established`, `conn.fin`, `conn.rst`, `conn.idle_timeout`,
   * `security.syn_rate_limited`, `data.datagram`. Must not throw.
   */
  onEvent?(topic: string, data: Record<string, unknown>): void;
  /** A dial used up its direct SYN attempts: switch the peer to the relay now. */
  onDialStalled?(peer: Addr): void;
  /**
   * Segment size the path to `node` allows now (the engine's path MTU probing); read on every
   * flush. @default the tuned `segmentSize`
   */
  pathSegmentSize?(node: number): number;
  /** Segments larger than the tuned size to `node` were lost until an RTO (path re-check). */
  onPathLoss?(node: number): void;
}

/** Options of {@link Transport.dial}. */
export interface DialOptions extends ConnectionOptions {
  /** Aborts the dial (rejects with `DIAL_ABORTED`). */
  readonly signal?: AbortSignal;
  /** Overall dial deadline in ms (rejects with `DIAL_TIMEOUT`); the SYN schedule still applies. */
  readonly timeoutMs?: number;
}

/** One received datagram. */
export interface Datagram {
  /** Sender address. */
  readonly src: Addr;
  /** Sender port (ephemeral, fresh per datagram). */
  readonly srcPort: number;
  /** Destination address as sent (may be a broadcast address). */
  readonly dst: Addr;
  /** Destination port. */
  readonly dstPort: number;
  /** Payload (a view into the received packet). */
  readonly data: Uint8Array;
}

/** Options of {@link Transport.sendDatagram}. */
export interface DatagramOptions {
  /** Source port to use instead of a fresh ephemeral one. */
  readonly srcPort?: number;
}

/** Transport-wide counters (`transport.stats()`). */
export interface TransportStats {
  /** Connections in the table, TIME_WAIT included. */
  readonly connections: number;
  /** Connections that count against the limits (not TIME_WAIT). */
  readonly activeConnections: number;
  /** Open listeners. */
  readonly listeners: number;
  /** Packets handed to `send`. */
  readonly packetsSent: number;
  /** Packets given to `receive`. */
  readonly packetsReceived: number;
  /** SYNs answered with RST because nothing listens on the port. */
  readonly synRefused: number;
  /** SYNs dropped by the global or per-source rate limit. */
  readonly synRateLimited: number;
  /** SYNs answered with RST because of the per-port or total connection limit. */
  readonly connectionLimitRejected: number;
  /** Accepted connections reset because the accept queue was full. */
  readonly acceptQueueOverflows: number;
  /** RSTs sent for packets of unknown connections. */
  readonly strayResets: number;
  /** Packets whose inner source node differed from the tunnel's peer. */
  readonly spoofedDropped: number;
  /** Datagrams sent. */
  readonly datagramsSent: number;
  /** Datagrams received. */
  readonly datagramsReceived: number;
  /** Ping requests answered. */
  readonly pingsAnswered: number;
  /** Packets the engine's `send` threw on (treated as lost). */
  readonly sendErrors: number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Reliable streams, datagrams and ports of one node over an engine-provided packet path.
 * See `index.ts` for the seam. Events: `datagram` ({@link Datagram}), `pong` (a control reply
 * packet), `connection` (every new connection, dialed or accepted).
 */
export class Transport extends EventEmitter<{
  datagram: [Datagram];
  pong: [Packet];
  connection: [Connection];
}> {
  /** Effective stream tunables. */
  readonly tuning: StreamTuning;
  /** Effective admission limits. */
  readonly limits: TransportLimits;
  /** Port bookkeeping. */
  readonly ports: PortAllocator;
  /** Owner of every timer; stopped by `close()`. */
  readonly scheduler: Scheduler;

  private localAddrSource: Addr | (() => Addr);
  private readonly sendFn: (packet: Packet) => void;
  private readonly onEventFn: (topic: string, data: Record<string, unknown>) => void;
  private readonly onDialStalledFn: (peer: Addr) => void;
  private readonly conns = new Map<string, Connection>();
  private readonly byId = new Map<number, Connection>();
  private readonly listenersByPort = new Map<number, Listener>();
  private readonly synGlobal: TokenBucket;
  private readonly synPerSource: KeyedRateLimiter;
  private readonly host: ConnectionHost;
  private nextId = 1;
  private readonly ackQueue: Connection[] = [];
  private ackFlushScheduled = false;
  private closed = false;
  private readonly counters: Mutable<
    Omit<TransportStats, 'connections' | 'activeConnections' | 'listeners'>
  > = {
    packetsSent: 0,
    packetsReceived: 0,
    synRefused: 0,
    synRateLimited: 0,
    connectionLimitRejected: 0,
    acceptQueueOverflows: 0,
    strayResets: 0,
    spoofedDropped: 0,
    datagramsSent: 0,
    datagramsReceived: 0,
    pingsAnswered: 0,
    sendErrors: 0,
  };

  /** @param options - see {@link TransportOptions}. */
  constructor(options: TransportOptions) {
    super();
    this.tuning = Object.freeze({ ...DEFAULT_STREAM_TUNING, ...options.tuning });
    this.limits = Object.freeze({ ...DEFAULT_TRANSPORT_LIMITS, ...options.limits });
    this.ports = options.ports ?? new PortAllocator();
    this.scheduler = new Scheduler(options.clock ?? systemClock);
    this.localAddrSource = options.localAddr;
    this.sendFn = (p) => options.send(p);
    this.onEventFn = (topic, data) => options.onEvent?.(topic, data);
    this.onDialStalledFn = (peer) => options.onDialStalled?.(peer);
    const now = this.scheduler.clock.now();
    this.synGlobal = new TokenBucket(this.limits.synRate, this.limits.synBurst, now);
    this.synPerSource = new KeyedRateLimiter(
      this.limits.synRatePerSource,
      this.limits.synBurstPerSource,
      this.limits.synSources,
    );
    this.host = {
      scheduler: this.scheduler,
      localAddr: () => this.localAddr,
      output: (p) => this.output(p),
      event: (topic, data) => this.event(topic, data),
      detach: (c) => this.detach(c),
      dialStalled: (peer) => this.onDialStalledFn(peer),
      segmentSize:
        options.pathSegmentSize === undefined
          ? () => this.tuning.segmentSize
          : (node) => options.pathSegmentSize!(node),
      pathLoss: (node) => options.onPathLoss?.(node),
      ackSoon: (conn) => {
        this.ackQueue.push(conn);
        if (!this.ackFlushScheduled) {
          this.ackFlushScheduled = true;
          // setImmediate runs after the poll phase, i.e. after every datagram of this read batch.
          setImmediate(() => this.flushAcks());
        }
      },
    };
  }

  /** This node's current address. */
  get localAddr(): Addr {
    const s = this.localAddrSource;
    return typeof s === 'function' ? s() : s;
  }

  /** Changes the source address of future packets (e.g. after re-registration). */
  setLocalAddr(addr: Addr | (() => Addr)): void {
    this.localAddrSource = addr;
  }

  // ---------------------------------------------------------------- engine → transport

  /**
   * Feeds one decoded packet from the tunnel. When `fromNode` (the authenticated tunnel peer) is
   * given and differs from `packet.src.node`, the packet is dropped as spoofed.
   */
  receive(packet: Packet, fromNode?: number): void {
    if (this.closed) return;
    this.counters.packetsReceived++;
    if (fromNode !== undefined && packet.src.node !== fromNode) {
      this.counters.spoofedDropped++;
      return;
    }
    switch (packet.proto) {
      case Proto.STREAM:
        this.receiveStream(packet);
        return;
      case Proto.DATAGRAM:
        this.receiveDatagram(packet);
        return;
      case Proto.CONTROL:
        this.receiveControl(packet);
        return;
      default:
        return;
    }
  }

  /**
   * Answers a SYN with RST without creating anything — for the engine's trust or policy gate
   * after it decided to reject the SYN instead of passing it to {@link Transport.receive}.
   */
  refuse(syn: Packet): void {
    if (!this.closed) this.sendReset(syn);
  }

  // ---------------------------------------------------------------- application API

  /**
   * Opens a stream to `dst:port`.
   * @returns the connection once ESTABLISHED.
   * @throws TransportError `CONNECTION_REFUSED` (RST: nothing listens or the peer is full),
   *   `DIAL_TIMEOUT`, `DIAL_ABORTED`, `CONNECTION_LIMIT`, `PORTS_EXHAUSTED`, `INVALID_PORT`,
   *   `TRANSPORT_CLOSED`.
   */
  async dial(dst: Addr, port: number, options: DialOptions = {}): Promise<Connection> {
    this.assertOpen();
    if (!isValidPort(port) || port === 0) {
      throw new TransportError('INVALID_PORT', `cannot dial port ${port}: use 1..65535`);
    }
    if (this.activeCount() >= this.limits.maxConnections) {
      throw new TransportError(
        'CONNECTION_LIMIT',
        `connection limit reached (${this.limits.maxConnections}); close connections first`,
        { retryable: true },
      );
    }
    if (options.signal?.aborted === true) {
      throw new TransportError('DIAL_ABORTED', `dial ${formatAddr(dst)}:${port} aborted`);
    }
    const localPort = this.ports.allocate();
    const conn = this.createConnection('dialer', localPort, dst, port, options);
    const established = conn.connect();
    const onAbort = (): void =>
      conn.cancelDial(
        new TransportError('DIAL_ABORTED', `dial ${formatAddr(dst)}:${port} aborted`),
      );
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const deadline =
      options.timeoutMs === undefined
        ? undefined
        : this.scheduler.deadline(() =>
            conn.cancelDial(
              new TransportError(
                'DIAL_TIMEOUT',
                `dial ${formatAddr(dst)}:${port} timed out after ${options.timeoutMs} ms`,
                { retryable: true },
              ),
            ),
          );
    deadline?.set(options.timeoutMs ?? 0);
    try {
      await established;
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      deadline?.clear();
    }
    return conn;
  }

  /**
   * Listens on `port` (1–65535), or on a free ephemeral port when `port` is 0 (read it from
   * `listener.port`); the port is freed when the listener closes.
   * @throws TransportError `PORT_IN_USE`, `INVALID_PORT`, `PORTS_EXHAUSTED`, `TRANSPORT_CLOSED`.
   */
  listen(port: number, options: ListenOptions = {}): Listener {
    this.assertOpen();
    if (port === 0) port = this.ports.allocateListening();
    else this.ports.bind(port);
    const listener = new Listener(
      port,
      { ...options, backlog: options.backlog ?? this.limits.acceptBacklog },
      (l) => {
        if (this.listenersByPort.get(l.port) === l) {
          this.listenersByPort.delete(l.port);
          this.ports.unbind(l.port);
        }
      },
    );
    this.listenersByPort.set(port, listener);
    return listener;
  }

  /**
   * Sends one best-effort datagram from a fresh ephemeral port (released at once).
   * @throws TransportError `INVALID_PORT`, `TRANSPORT_CLOSED`; RangeError for a payload over
   *   65535 bytes.
   */
  sendDatagram(dst: Addr, dstPort: number, data: Uint8Array, options: DatagramOptions = {}): void {
    this.assertOpen();
    if (!isValidPort(dstPort)) {
      throw new TransportError('INVALID_PORT', `invalid datagram port ${dstPort}`);
    }
    if (data.length > MAX_PACKET_PAYLOAD) {
      throw new RangeError(`datagram too large: ${data.length} bytes (max ${MAX_PACKET_PAYLOAD})`);
    }
    let srcPort = options.srcPort;
    if (srcPort === undefined) {
      srcPort = this.ports.allocate();
      this.ports.release(srcPort);
    }
    this.counters.datagramsSent++;
    this.output({
      flags: 0,
      proto: Proto.DATAGRAM,
      src: this.localAddr,
      dst,
      srcPort,
      dstPort,
      seq: 0,
      ack: 0,
      window: 0,
      payload: data,
    });
  }

  /** A connection by id. */
  connection(id: number): Connection | undefined {
    return this.byId.get(id);
  }

  /** Snapshots of every connection in the table (for `connections` / `info`). */
  connections(): ConnectionInfo[] {
    return [...this.byId.values()].map((c) => c.info());
  }

  /** Transport-wide counters. */
  stats(): TransportStats {
    return {
      ...this.counters,
      connections: this.byId.size,
      activeConnections: this.activeCount(),
      listeners: this.listenersByPort.size,
    };
  }

  /**
   * Shuts down: closes listeners, ends open connections with FIN and waits up to `graceMs` for
   * them to finish, then resets what is left and cancels every timer. Idempotent.
   */
  async close(options: { readonly graceMs?: number } = {}): Promise<void> {
    if (this.closed) return;
    for (const l of [...this.listenersByPort.values()]) l.close();
    const grace = options.graceMs ?? 0;
    if (grace > 0) {
      const open = [...this.byId.values()].filter(
        (c) => c.state === 'ESTABLISHED' || c.state === 'CLOSE_WAIT',
      );
      await new Promise<void>((resolve) => {
        let left = open.length;
        const timer = this.scheduler.start(resolve, grace);
        const done = (): void => {
          if (--left === 0) {
            this.scheduler.cancel(timer);
            resolve();
          }
        };
        if (left === 0) {
          this.scheduler.cancel(timer);
          resolve();
        }
        for (const c of open) {
          const check = (state: string): void => {
            if (state === 'TIME_WAIT' || state === 'CLOSED') {
              c.off('stateChange', check);
              done();
            }
          };
          c.on('stateChange', check);
          c.end();
        }
      });
    }
    this.closed = true;
    for (const c of [...this.byId.values()]) c.reset();
    this.scheduler.stopAll();
  }

  // ---------------------------------------------------------------- internals

  private receiveStream(p: Packet): void {
    const key = connKey(p.src.node, p.srcPort, p.dstPort);
    const conn = this.conns.get(key);
    const isSyn = (p.flags & (Flags.SYN | Flags.ACK | Flags.RST)) === Flags.SYN;
    if (conn !== undefined) {
      if (isSyn && conn.state === 'TIME_WAIT') {
        // The peer reuses the 4-tuple for a new connection: retire the old one now.
        conn.reset();
      } else {
        conn.receive(p);
        return;
      }
    }
    if (isSyn) {
      this.onSyn(p);
      return;
    }
    if ((p.flags & Flags.RST) === 0) {
      this.counters.strayResets++;
      this.sendReset(p);
    }
  }

  private onSyn(p: Packet): void {
    const listener = this.listenersByPort.get(p.dstPort);
    if (listener === undefined || listener.closed) {
      this.counters.synRefused++;
      this.event('syn.rejected', { src_node_id: p.src.node, dst_port: p.dstPort, reason: 'port' });
      this.sendReset(p);
      return;
    }
    const now = this.scheduler.clock.now();
    if (!this.synGlobal.take(now) || !this.synPerSource.take(String(p.src.node), now)) {
      this.counters.synRateLimited++;
      this.event('security.syn_rate_limited', {
        src_addr: formatAddr(p.src),
        src_port: p.srcPort,
      });
      return;
    }
    let onPort = 0;
    for (const c of listener.connections) if (counts(c)) onPort++;
    if (
      onPort >= this.limits.maxConnectionsPerPort ||
      this.activeCount() >= this.limits.maxConnections
    ) {
      this.counters.connectionLimitRejected++;
      this.event('syn.rejected', { src_node_id: p.src.node, dst_port: p.dstPort, reason: 'limit' });
      this.sendReset(p);
      return;
    }
    const info = { src_addr: formatAddr(p.src), src_port: p.srcPort, dst_port: p.dstPort };
    this.event('conn.syn_received', info);
    const conn = this.createConnection('listener', p.dstPort, p.src, p.srcPort, listener.options);
    this.ports.retain(p.dstPort);
    listener.connections.add(conn);
    conn.accept(p);
    this.event('conn.established', { ...info, conn_id: conn.id });
    if (!listener.offer(conn)) {
      this.counters.acceptQueueOverflows++;
      conn.destroy();
    }
  }

  private createConnection(
    role: 'dialer' | 'listener',
    localPort: number,
    remote: Addr,
    remotePort: number,
    options: ConnectionOptions,
  ): Connection {
    const conn = new Connection({
      id: this.nextId++,
      role,
      localPort,
      remoteAddr: remote,
      remotePort,
      tuning: this.tuning,
      host: this.host,
      ...(options.noDelay === undefined ? {} : { noDelay: options.noDelay }),
    });
    this.conns.set(connKey(remote.node, remotePort, localPort), conn);
    this.byId.set(conn.id, conn);
    this.emit('connection', conn);
    return conn;
  }

  private detach(conn: Connection): void {
    const key = connKey(conn.remoteAddr.node, conn.remotePort, conn.localPort);
    if (this.conns.get(key) === conn) this.conns.delete(key);
    if (this.byId.delete(conn.id)) this.ports.release(conn.localPort);
    this.listenersByPort.get(conn.localPort)?.connections.delete(conn);
  }

  private receiveDatagram(p: Packet): void {
    if (p.payload.length === 0) return;
    this.counters.datagramsReceived++;
    this.event('data.datagram', {
      src_addr: formatAddr(p.src),
      src_port: p.srcPort,
      dst_port: p.dstPort,
      size: p.payload.length,
    });
    this.emit('datagram', {
      src: p.src,
      srcPort: p.srcPort,
      dst: p.dst,
      dstPort: p.dstPort,
      data: p.payload,
    });
  }

  private receiveControl(p: Packet): void {
    if (p.flags & Flags.ACK) {
      this.emit('pong', p);
      return;
    }
    if (p.dstPort !== 0) return;
    this.counters.pingsAnswered++;
    this.output({
      flags: Flags.ACK,
      proto: Proto.CONTROL,
      src: this.localAddr,
      dst: p.src,
      srcPort: 0,
      dstPort: p.srcPort,
      seq: p.seq,
      ack: seqAdd(p.seq, 1),
      window: 0,
      payload: p.payload,
    });
  }

  private sendReset(p: Packet): void {
    this.output({
      flags: Flags.RST,
      proto: Proto.STREAM,
      src: this.localAddr,
      dst: p.src,
      srcPort: p.dstPort,
      dstPort: p.srcPort,
      seq: p.ack,
      ack: seqAdd(p.seq, p.payload.length + (p.flags & Flags.SYN ? 1 : 0)),
      window: 0,
      payload: new Uint8Array(0),
    });
  }

  private flushAcks(): void {
    this.ackFlushScheduled = false;
    const queued = this.ackQueue.splice(0);
    for (const c of queued) c.flushAck();
  }

  private output(p: Packet): void {
    if (this.closed && (p.flags & Flags.RST) === 0) return;
    this.counters.packetsSent++;
    if (p.dst.node === this.localAddr.node) {
      // A connection to ourselves never reaches the tunnel; deliver on a later turn (and copy,
      // since the payload may alias an application buffer).
      const local: Packet = { ...p, payload: p.payload.slice() };
      setImmediate(() => this.receive(local, local.src.node));
      return;
    }
    try {
      this.sendFn(p);
    } catch {
      this.counters.sendErrors++;
    }
  }

  private event(topic: string, data: Record<string, unknown>): void {
    this.onEventFn(topic, data);
  }

  private activeCount(): number {
    let n = 0;
    for (const c of this.byId.values()) if (counts(c)) n++;
    return n;
  }

  private assertOpen(): void {
    if (this.closed) throw new TransportError('TRANSPORT_CLOSED', 'the transport is closed');
  }
}

/** Whether a connection counts against the limits (TIME_WAIT does not). */
function counts(c: Connection): boolean {
  return c.state !== 'TIME_WAIT' && c.state !== 'CLOSED';
}

/** Demultiplexing key: remote node, remote port, local port. */
function connKey(node: number, remotePort: number, localPort: number): string {
  return `${node}/${remotePort}/${localPort}`;
}
