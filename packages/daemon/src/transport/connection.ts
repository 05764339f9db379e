// One reliable stream (protocol 0x01) as a Node Duplex: the reference state machine
// (§B.4) plus sliding window, SACK, RFC 6298 RTO, fast retransmit, slow start / congestion
// avoidance, Nagle, delayed ACK, zero-window probes, keepalive and idle close (§B.5).
import { Duplex } from 'node:stream';
import type { Addr, Packet, SackBlock } from '@mesh/protocol';
import {
  Flags,
  Proto,
  decodeSack,
  encodeSack,
  formatAddr,
  seqAdd,
  seqAfter,
  seqAfterOrEqual,
  seqBefore,
  seqBeforeOrEqual,
  seqDiff,
} from '@mesh/protocol';
import type { Deadline, Scheduler } from './clock.js';
import { TransportError } from './errors.js';
import type { StreamTuning } from './options.js';
import { RttEstimator } from './rtt.js';

/** Connection states, named exactly as the reference shows them in `connections`. */
export type ConnectionState =
  | 'CLOSED'
  | 'LISTEN'
  | 'SYN_SENT'
  | 'SYN_RECV'
  | 'ESTABLISHED'
  | 'FIN_WAIT'
  | 'CLOSE_WAIT'
  | 'TIME_WAIT';

/** A snapshot of one connection's state and counters (`connection.info()`). */
export interface ConnectionInfo {
  /** Transport-unique connection id (the `conn_id` of events). */
  readonly id: number;
  /** Current state. */
  readonly state: ConnectionState;
  /** Whether this side dialed (`dialer`) or accepted (`listener`). */
  readonly role: 'dialer' | 'listener';
  /** Local virtual port. */
  readonly localPort: number;
  /** Remote address. */
  readonly remoteAddr: Addr;
  /** Remote address as text. */
  readonly remoteAddrText: string;
  /** Remote virtual port. */
  readonly remotePort: number;
  /** Smoothed RTT in ms (0 before the first sample). */
  readonly srtt: number;
  /** RTT variation in ms. */
  readonly rttvar: number;
  /** Current retransmission timeout in ms. */
  readonly rto: number;
  /** Congestion window in bytes. */
  readonly cwnd: number;
  /** Slow-start threshold in bytes. */
  readonly ssthresh: number;
  /** Loss recovery in progress. */
  readonly recovery: 'none' | 'fast' | 'rto';
  /** Peer's last advertised receive window in segments. */
  readonly peerWindow: number;
  /** Our free receive slots (the window we advertise). */
  readonly receiveWindow: number;
  /** Segments sent and not yet cumulatively acknowledged. */
  readonly inFlight: number;
  /** Bytes written by the application and not yet sent. */
  readonly unsentBytes: number;
  /** In-order segments received and not yet read by the application. */
  readonly receiveQueued: number;
  /** Out-of-order segments held. */
  readonly outOfOrder: number;
  /** Application bytes sent (first transmissions). */
  readonly bytesSent: number;
  /** Application bytes received in order. */
  readonly bytesReceived: number;
  /** Data segments sent (first transmissions). */
  readonly segmentsSent: number;
  /** Data segments received (duplicates included). */
  readonly segmentsReceived: number;
  /** Segments sent again. */
  readonly retransmits: number;
  /** Fast retransmits triggered by duplicate ACKs. */
  readonly fastRetransmits: number;
  /** Retransmission timer expirations. */
  readonly timeouts: number;
  /** Duplicate ACKs received. */
  readonly dupAcks: number;
  /** SACK blocks received. */
  readonly sackBlocksReceived: number;
  /** ACKs we sent carrying SACK blocks. */
  readonly sackAcksSent: number;
  /** Zero-window probes sent. */
  readonly zeroWindowProbes: number;
  /** Keepalive probes sent. */
  readonly keepalives: number;
  /** Packets handed to the engine. */
  readonly packetsSent: number;
  /** Packets received for this connection. */
  readonly packetsReceived: number;
}

/** Per-connection options of `dial()` (and of `listen()` for accepted connections). */
export interface ConnectionOptions {
  /** Disable Nagle for this connection. @default false */
  readonly noDelay?: boolean;
}

/**
 * What a {@link Connection} needs from its transport. Internal seam; the engine never sees it.
 * @internal
 */
export interface ConnectionHost {
  readonly scheduler: Scheduler;
  localAddr(): Addr;
  output(packet: Packet): void;
  event(topic: string, data: Record<string, unknown>): void;
  /** The connection reached CLOSED: remove it from every table and free its port. */
  detach(conn: Connection): void;
  /** The direct SYN attempts were used up (relay fallback point). */
  dialStalled(remote: Addr): void;
  /** Segment size the path to `node` allows now (path MTU probing; else the tuned size). */
  segmentSize(node: number): number;
  /** Segments larger than the tuned size were lost until an RTO: the path may have shrunk. */
  pathLoss(node: number): void;
  /** Sends this connection's ACK once the current batch of received packets is processed. */
  ackSoon(conn: Connection): void;
}

interface Segment {
  seq: number;
  data: Uint8Array;
  fin: boolean;
  /** Transmission order stamp of the latest (re)transmission. */
  xmit: number;
  sentAt: number;
  attempts: number;
  sacked: boolean;
  lost: boolean;
}

const EMPTY = new Uint8Array(0);

/** Sequence number just after a segment (a FIN counts as one). */
function segEnd(s: Segment): number {
  return seqAdd(s.seq, s.data.length + (s.fin ? 1 : 0));
}

/**
 * A reliable, ordered byte stream to one remote port. Reads end with EOF when the peer sends
 * FIN; a reset, an exhausted retransmission limit or an idle timeout destroys the stream with a
 * {@link TransportError}. Backpressure is end to end: an unread receive queue shrinks the
 * advertised window, which stops the peer's sender, whose `write()` then waits.
 *
 * Extra events: `zeroWindow` (the peer advertised a zero window), `zeroWindowProbe` (a probe
 * was sent), `keepalive` (a keepalive probe was sent), `stateChange` (`(state, previous)`).
 */
export class Connection extends Duplex {
  /** Transport-unique id. */
  readonly id: number;
  /** `dialer` or `listener`. */
  readonly role: 'dialer' | 'listener';
  /** Local virtual port. */
  readonly localPort: number;
  /** Remote address. */
  readonly remoteAddr: Addr;
  /** Remote virtual port. */
  readonly remotePort: number;

  private _state: ConnectionState = 'CLOSED';
  private readonly tuning: StreamTuning;
  private readonly host: ConnectionHost;
  private noDelay: boolean;
  private readonly rtt: RttEstimator;
  /** Segment size in use (the path's, refreshed on every flush). */
  private mss: number;

  // Send side.
  private sndUna = 0;
  private sndNxt = 0;
  private readonly unsent: Uint8Array[] = [];
  private unsentHead = 0;
  private unsentBytes = 0;
  private pushTail = false;
  private nagleExpired = false;
  private readonly inflight: Segment[] = [];
  private xmitCounter = 0;
  private rackXmit = 0;
  private peerWindow = 0;
  private cwnd: number;
  private ssthresh: number;
  private recovery: 'none' | 'fast' | 'rto' = 'none';
  private recoveryPoint = 0;
  /** Bytes in flight that are neither SACKed nor marked lost (RFC 6675 "pipe"). */
  private pipeBytes = 0;
  private dupAcks = 0;
  private pendingWrite: ((err?: Error | null) => void) | undefined;
  private finPending = false;
  private finSent = false;
  private finAcked = false;
  private finalCb: ((err?: Error | null) => void) | undefined;
  private probeInterval: number;

  // Receive side.
  private rcvNxt = 0;
  private readonly deliverQ: Uint8Array[] = [];
  private wantRead = false;
  private readonly ooo = new Map<number, Uint8Array>();
  private lastOooSeq = 0;
  private peerFinSeq: number | undefined;
  private finReceived = false;
  private eofPushed = false;
  private segsSinceAck = 0;
  /** Bytes queued for the application (the window is counted in reference-size slots). */
  private deliverBytes = 0;
  /** Received segments still to see before ACKs are combined again (set after loss). */
  private ackEachUntil = 0;
  private ackQueued = false;
  /** Payload bytes of the last in-order segment (a short lone one may wait for an answer). */
  private lastDataLength = 0;
  private lastAdvWindow = 0;
  private lastRecvAt: number;
  private lastKeepaliveAt = 0;

  // Dialing.
  private synAttempts = 0;
  private synRto = 0;
  private synSentAt = 0;
  private dialWaiter: { resolve: () => void; reject: (err: Error) => void } | undefined;

  private readonly rtoTimer: Deadline;
  private readonly delackTimer: Deadline;
  private readonly nagleTimer: Deadline;
  private readonly probeTimer: Deadline;
  private readonly keepaliveTimer: Deadline;
  private readonly timeWaitTimer: Deadline;
  private readonly synTimer: Deadline;
  private readonly rackTimer: Deadline;

  private readonly stats = {
    bytesSent: 0,
    bytesReceived: 0,
    segmentsSent: 0,
    segmentsReceived: 0,
    retransmits: 0,
    fastRetransmits: 0,
    timeouts: 0,
    dupAcks: 0,
    sackBlocksReceived: 0,
    sackAcksSent: 0,
    zeroWindowProbes: 0,
    keepalives: 0,
    packetsSent: 0,
    packetsReceived: 0,
  };

  /** @internal Created by the transport only. */
  constructor(init: {
    id: number;
    role: 'dialer' | 'listener';
    localPort: number;
    remoteAddr: Addr;
    remotePort: number;
    tuning: StreamTuning;
    host: ConnectionHost;
    noDelay?: boolean;
  }) {
    super({
      allowHalfOpen: false,
      readableHighWaterMark: 64 * 1024,
      writableHighWaterMark: 64 * 1024,
    });
    this.id = init.id;
    this.role = init.role;
    this.localPort = init.localPort;
    this.remoteAddr = init.remoteAddr;
    this.remotePort = init.remotePort;
    this.tuning = init.tuning;
    this.host = init.host;
    this.noDelay = init.noDelay ?? init.tuning.noDelay;
    this.rtt = new RttEstimator({
      initialMs: init.tuning.initialRtoMs,
      minMs: init.tuning.minRtoMs,
      maxMs: init.tuning.maxRtoMs,
      granularityMs: init.tuning.rtoGranularityMs,
    });
    this.mss = init.tuning.segmentSize;
    this.cwnd = init.tuning.initialCwndSegments * init.tuning.segmentSize;
    this.ssthresh = init.tuning.initialSsthresh;
    this.probeInterval = init.tuning.zeroWindowProbeMs;
    this.lastRecvAt = this.now();
    const s = this.host.scheduler;
    this.rtoTimer = s.deadline(() => this.onRtoTimer());
    this.delackTimer = s.deadline(() => this.sendAck());
    this.nagleTimer = s.deadline(() => {
      this.nagleExpired = true;
      this.flush();
    });
    this.probeTimer = s.deadline(() => this.onProbeTimer());
    this.keepaliveTimer = s.deadline(() => this.onKeepaliveTimer());
    this.timeWaitTimer = s.deadline(() => this.finish());
    this.synTimer = s.deadline(() => this.onSynTimer());
    this.rackTimer = s.deadline(() => {
      if (this._state === 'CLOSED') return;
      this.detectLoss();
      this.retransmitLost();
      this.flush();
    });
  }

  /** Current state. */
  get state(): ConnectionState {
    return this._state;
  }

  /** Turns Nagle off (`true`) or on (`false`) for this connection, like `net.Socket`. */
  setNoDelay(noDelay = true): this {
    this.noDelay = noDelay;
    if (noDelay) this.flush();
    return this;
  }

  /** A snapshot of state, RTT, windows and counters. */
  info(): ConnectionInfo {
    return {
      id: this.id,
      state: this._state,
      role: this.role,
      localPort: this.localPort,
      remoteAddr: this.remoteAddr,
      remoteAddrText: formatAddr(this.remoteAddr),
      remotePort: this.remotePort,
      srtt: this.rtt.srtt,
      rttvar: this.rtt.rttvar,
      rto: this.rtt.rto,
      cwnd: this.cwnd,
      ssthresh: this.ssthresh,
      recovery: this.recovery,
      peerWindow: this.peerWindow,
      receiveWindow: this.freeSlots(),
      inFlight: this.inflight.length,
      unsentBytes: this.unsentBytes,
      receiveQueued: this.deliverQ.length,
      outOfOrder: this.ooo.size,
      ...this.stats,
    };
  }

  // ---------------------------------------------------------------- opening

  /** @internal Dialer: sends the SYN; resolves once ESTABLISHED. */
  connect(): Promise<void> {
    this.setState('SYN_SENT');
    this.sndUna = 0;
    this.sndNxt = 1; // the SYN consumes sequence number 0
    this.synAttempts = 1;
    this.synRto = this.tuning.dialRtoMs;
    this.synSentAt = this.now();
    this.output(Flags.SYN, 0);
    this.synTimer.set(this.synRto);
    return new Promise<void>((resolve, reject) => {
      this.dialWaiter = { resolve, reject };
    });
  }

  /** @internal Listener: answers a SYN with SYN-ACK and goes straight to ESTABLISHED. */
  accept(syn: Packet): void {
    this.setState('SYN_RECV');
    this.rcvNxt = seqAdd(syn.seq, 1);
    this.peerWindow = syn.window;
    this.sndUna = 1;
    this.sndNxt = 1;
    this.output(Flags.SYN | Flags.ACK, 0);
    this.establish();
  }

  /** @internal Abandons a pending dial (abort signal / transport close) without emitting 'error'. */
  cancelDial(err: TransportError): void {
    if (this._state !== 'SYN_SENT') return;
    this.output(Flags.RST, this.sndNxt);
    this.terminate();
    this.settleDial(err);
    this.destroy();
  }

  private establish(): void {
    this.setState('ESTABLISHED');
    this.lastRecvAt = this.now();
    this.armKeepalive();
  }

  private onSynTimer(): void {
    if (this._state !== 'SYN_SENT') return;
    const t = this.tuning;
    if (this.synAttempts >= t.dialMaxAttempts) {
      this.cancelDial(
        new TransportError(
          'DIAL_TIMEOUT',
          `dial ${formatAddr(this.remoteAddr)}:${this.remotePort} timed out after ${this.synAttempts} SYNs; the peer is unreachable`,
          { retryable: true },
        ),
      );
      return;
    }
    if (this.synAttempts === t.dialDirectAttempts) {
      this.host.dialStalled(this.remoteAddr);
      this.synRto = t.dialRtoMs;
    } else {
      this.synRto = Math.min(this.synRto * 2, t.dialRtoMaxMs);
    }
    this.synAttempts++;
    this.output(Flags.SYN, 0);
    this.synTimer.set(this.synRto);
  }

  private settleDial(err?: Error): void {
    const w = this.dialWaiter;
    this.dialWaiter = undefined;
    if (w === undefined) return;
    if (err === undefined) w.resolve();
    else w.reject(err);
  }

  // ---------------------------------------------------------------- input

  /** @internal Feeds one packet addressed to this connection. */
  receive(p: Packet): void {
    if (this._state === 'CLOSED') return;
    this.stats.packetsReceived++;
    this.lastRecvAt = this.now();
    const f = p.flags;
    if (f & Flags.RST) {
      this.onRst();
      return;
    }
    if (this._state === 'SYN_SENT') {
      if ((f & (Flags.SYN | Flags.ACK)) === (Flags.SYN | Flags.ACK) && p.ack === 1) {
        this.synTimer.clear();
        if (this.synAttempts === 1) this.rtt.sample(this.now() - this.synSentAt);
        // ISN is always 0 (§B.4); a re-sent SYN-ACK may carry another seq (the reference
        // re-sends with SendSeq − 1), so the first byte expected is 1 whatever it says.
        this.rcvNxt = 1;
        this.peerWindow = p.window;
        this.sndUna = 1;
        this.establish();
        this.sendAck();
        this.settleDial();
      }
      return;
    }
    if (f & Flags.SYN) {
      // A retransmitted SYN (our SYN-ACK was lost) or SYN-ACK (our ACK was lost): answer again.
      if (f & Flags.ACK) {
        if (this.role === 'dialer') this.sendAck();
      } else if (this.role === 'listener') {
        this.output(Flags.SYN | Flags.ACK, 0);
      }
      return;
    }

    let sack: SackBlock[] | undefined;
    let data = p.payload;
    if (f === Flags.ACK && data.length >= 5) {
      sack = decodeSack(data);
      if (sack !== undefined) data = EMPTY;
    }
    if (f & Flags.ACK) this.onAck(p, sack, data.length === 0 && !(f & Flags.FIN));
    if (this.isClosed()) return;

    let ackNow = false;
    let gotData = false;
    if (data.length > 0) {
      const r = this.onData(p.seq, data);
      ackNow = r.ackNow;
      gotData = r.inOrder;
    }
    if (f & Flags.FIN) {
      const finSeq = seqAdd(p.seq, data.length);
      if (this.peerFinSeq === undefined) this.peerFinSeq = finSeq;
      if (this.finReceived && seqAdd(finSeq, 1) === this.rcvNxt) {
        // Duplicate FIN: our answer was lost.
        if (this.finSent) this.retransmitFin();
        else ackNow = true;
      } else if (!this.finReceived && seqBefore(this.rcvNxt, finSeq)) {
        ackNow = true; // FIN ahead of missing data: SACK and wait.
      }
    } else if (
      data.length === 0 &&
      sack === undefined &&
      seqBefore(p.seq, this.rcvNxt) &&
      seqDiff(this.rcvNxt, p.seq) <= 1
    ) {
      // Keepalive / zero-window probe (seq one below what we expect): answer with our window.
      ackNow = true;
    }
    if (this.peerFinSeq !== undefined && !this.finReceived && this.rcvNxt === this.peerFinSeq) {
      this.onFin();
      return;
    }
    if (ackNow) {
      this.sendAck();
      // After a hole, ACK the way the reference does for a while (every 2nd segment), so the
      // sender's loss recovery sees progress at its usual granularity.
      if (data.length > 0)
        this.ackEachUntil = this.stats.segmentsReceived + this.tuning.receiveWindow;
    } else if (gotData) {
      this.segsSinceAck++;
      this.lastDataLength = data.length;
      if (this.stats.segmentsReceived <= this.tuning.quickAckSegments) {
        this.sendAck();
      } else if (this.tuning.combinedAcks && this.stats.segmentsReceived > this.ackEachUntil) {
        // One ACK for every segment of this read batch (sent before the next poll): the sender
        // counts acknowledged bytes, so fewer ACKs cost it nothing, and we save sends.
        if (!this.ackQueued) {
          this.ackQueued = true;
          this.host.ackSoon(this);
        }
      } else if (this.segsSinceAck >= this.tuning.delayedAckSegments) {
        this.sendAck();
      } else {
        this.delackTimer.ensure(this.tuning.delayedAckMs);
      }
    }
    this.retransmitLost();
    this.flush();
  }

  /** @internal The transport's end-of-batch ACK for {@link ConnectionHost.ackSoon}. */
  flushAck(): void {
    if (!this.ackQueued) return;
    this.ackQueued = false;
    if (this.segsSinceAck === 0) return;
    // A lone short segment is most likely a request whose answer follows: hold its ACK on the
    // delayed-ACK timer, as the reference does for a single segment, so the answer carries it.
    if (
      this.segsSinceAck < this.tuning.delayedAckSegments &&
      this.lastDataLength < this.tuning.segmentSize
    )
      this.delackTimer.ensure(this.tuning.delayedAckMs);
    else this.sendAck();
  }

  private onRst(): void {
    if (this._state === 'SYN_SENT') {
      this.terminate();
      this.settleDial(
        new TransportError(
          'CONNECTION_REFUSED',
          `connection refused by ${formatAddr(this.remoteAddr)}:${this.remotePort}: nothing listens on that port or the peer is at its connection limit`,
        ),
      );
      this.destroy();
      return;
    }
    this.host.event('conn.rst', this.eventData());
    if (this._state === 'TIME_WAIT') {
      this.finish();
      return;
    }
    this.terminate();
    this.destroy(
      new TransportError(
        'CONNECTION_RESET',
        `connection ${this.id} reset by ${formatAddr(this.remoteAddr)}:${this.remotePort}`,
      ),
    );
  }

  // ---------------------------------------------------------------- ACK processing

  private onAck(p: Packet, sack: SackBlock[] | undefined, pure: boolean): void {
    const ack = p.ack;
    if (seqAfter(ack, this.sndNxt)) return; // acknowledges something we never sent
    const prevWindow = this.peerWindow;
    this.peerWindow = p.window;
    if (seqAfter(ack, this.sndUna)) {
      this.onNewAck(ack);
    } else if (
      ack === this.sndUna &&
      pure &&
      this.inflight.length > 0 &&
      (p.window === prevWindow || sack !== undefined)
    ) {
      this.stats.dupAcks++;
      this.dupAcks++;
      // No per-dup-ACK inflation: SACKed bytes already leave the pipe ([N] fix against
      // double counting them during fast recovery).
      if (this.recovery === 'none' && this.dupAcks === this.tuning.dupAckThreshold) {
        this.enterFastRecovery();
      }
    }
    if (sack !== undefined) this.applySack(sack);
    this.detectLoss();
    if (this.peerWindow > 0) {
      this.probeTimer.clear();
      this.probeInterval = this.tuning.zeroWindowProbeMs;
    } else if (prevWindow !== 0) {
      this.emit('zeroWindow');
    }
  }

  private onNewAck(ack: number): void {
    const now = this.now();
    const acked = seqDiff(ack, this.sndUna);
    let rttSample: number | undefined;
    while (this.inflight.length > 0) {
      const s = this.inflight[0];
      const end = segEnd(s);
      if (seqBeforeOrEqual(end, ack)) {
        this.inflight.shift();
        // Karn: only segments sent once; and only the newest one acknowledged, outside
        // recovery, so time spent waiting behind a hole is not measured as path delay.
        rttSample =
          s.attempts === 1 && !s.sacked && this.recovery === 'none' ? now - s.sentAt : undefined;
        if (s.xmit > this.rackXmit) this.rackXmit = s.xmit;
        if (s.fin) this.finAcked = true;
        if (!s.sacked && !s.lost) this.pipeBytes -= s.data.length;
      } else {
        if (seqAfter(ack, s.seq)) {
          // The peer acknowledged part of a segment: keep only the rest.
          const cut = seqDiff(ack, s.seq);
          if (!s.sacked && !s.lost) this.pipeBytes -= cut;
          s.data = s.data.subarray(cut);
          s.seq = ack;
        }
        break;
      }
    }
    this.sndUna = ack;
    this.dupAcks = 0;
    if (rttSample !== undefined) this.rtt.sample(rttSample);
    else this.rtt.resetBackoff();

    const mss = this.mss;
    if (this.recovery !== 'none' && seqAfterOrEqual(ack, this.recoveryPoint)) {
      if (this.recovery === 'fast') this.cwnd = Math.max(this.ssthresh, mss);
      this.recovery = 'none';
    } else if (this.recovery === 'fast') {
      // Partial ACK (NewReno): the next hole is lost too.
      const head = this.inflight.find((s) => !s.sacked);
      if (head !== undefined && head.xmit < this.rackXmit) this.markSegLost(head);
    } else if (acked > 0) {
      if (this.cwnd < this.ssthresh) this.cwnd += acked;
      else this.cwnd += Math.max(1, Math.floor((mss * acked) / this.cwnd));
      this.cwnd = Math.min(this.cwnd, this.tuning.maxCwnd);
    }
    if (this.inflight.length > 0) this.rtoTimer.set(this.rtt.rto);
    else this.rtoTimer.clear();
    if (this.finAcked && this.finalCb !== undefined) {
      const cb = this.finalCb;
      this.finalCb = undefined;
      cb();
    }
  }

  private applySack(blocks: SackBlock[]): void {
    this.stats.sackBlocksReceived += blocks.length;
    for (const s of this.inflight) {
      if (s.sacked) continue;
      const end = segEnd(s);
      for (const b of blocks) {
        if (seqAfterOrEqual(s.seq, b.left) && seqBeforeOrEqual(end, b.right)) {
          if (!s.lost) this.pipeBytes -= s.data.length;
          s.sacked = true;
          s.lost = false;
          if (s.xmit > this.rackXmit) this.rackXmit = s.xmit;
          break;
        }
      }
    }
  }

  /**
   * RACK-style loss detection: a segment sent before one that has since arrived is lost once
   * it is overdue by an RTT plus a reordering allowance (a timer covers the wait); during
   * recovery any overdue segment is lost while ACKs keep arriving. This finds lost
   * retransmissions and losses in small windows (too few duplicate ACKs) without the RTO.
   */
  private detectLoss(): void {
    if (this.inflight.length === 0 || this.rtt.samples === 0) return;
    const now = this.now();
    const overdue = this.rtt.srtt * 1.25 + Math.max(2, this.rtt.minRtt / 4);
    let wait = Infinity;
    let found = false;
    for (const s of this.inflight) {
      if (s.sacked || s.lost) continue;
      const before = s.xmit < this.rackXmit;
      if (!before && this.recovery === 'none') continue;
      const age = now - s.sentAt;
      if (age >= overdue) {
        if (this.recovery === 'none') this.enterRecovery();
        this.markSegLost(s);
        found = true;
      } else if (before) {
        wait = Math.min(wait, overdue - age);
      }
    }
    if (wait !== Infinity) this.rackTimer.set(wait);
    else if (found) this.rackTimer.clear();
  }

  private markSegLost(s: Segment): void {
    if (s.sacked || s.lost) return;
    s.lost = true;
    this.pipeBytes -= s.data.length;
  }

  private enterFastRecovery(): void {
    this.enterRecovery();
    this.cwnd = this.ssthresh + 3 * this.mss;
    const head = this.inflight.find((s) => !s.sacked);
    if (head !== undefined) this.markSegLost(head);
  }

  private enterRecovery(): void {
    this.stats.fastRetransmits++;
    this.ssthresh = Math.max(Math.floor(this.cwnd / 2), this.mss);
    this.cwnd = this.ssthresh;
    this.recovery = 'fast';
    this.recoveryPoint = this.sndNxt;
  }

  private retransmitLost(): void {
    if (this.recovery === 'none' || this._state === 'CLOSED') return;
    let sent = 0;
    for (const s of this.inflight) {
      if (!s.lost) continue;
      if (sent > 0 && this.pipeBytes >= this.cwnd) break;
      if (!this.retransmit(s)) return;
      sent++;
    }
  }

  /** @returns false when the retransmission limit reset the connection. */
  private retransmit(s: Segment): boolean {
    if (s.attempts >= this.tuning.maxRetransmits) {
      this.abort(
        new TransportError(
          'RETRANSMIT_LIMIT',
          `connection ${this.id} to ${formatAddr(this.remoteAddr)}:${this.remotePort} reset: a segment went unacknowledged after ${s.attempts} transmissions; the peer is gone or unreachable`,
          { retryable: true },
        ),
      );
      return false;
    }
    if (s.data.length > this.tuning.segmentSize) {
      // A large segment lost twice: have the path re-validated now, not only after an RTO —
      // loss detection driven by ACKs can otherwise use up every attempt on a path that
      // stopped carrying large datagrams before any RTO fires.
      if (s.attempts === 2) this.host.pathLoss(this.remoteAddr.node);
      // The path may have shrunk since (path MTU fallback): resend in pieces that fit.
      this.mss = this.host.segmentSize(this.remoteAddr.node);
      if (s.data.length > this.mss) this.split(s);
    }
    s.attempts++;
    if (s.lost) {
      this.pipeBytes += s.data.length;
      s.lost = false;
    }
    s.xmit = ++this.xmitCounter;
    s.sentAt = this.now();
    this.stats.retransmits++;
    this.output(Flags.ACK | (s.fin ? Flags.FIN : 0), s.seq, s.data);
    this.rtoTimer.ensure(this.rtt.rto);
    return true;
  }

  /**
   * Cuts a segment larger than the current segment size into pieces of that size (the path
   * shrank under it), in place in the in-flight list; the pieces keep its flags.
   */
  private split(s: Segment): void {
    const mss = this.mss;
    const idx = this.inflight.indexOf(s);
    if (idx < 0 || s.fin) return;
    const pieces: Segment[] = [];
    for (let off = mss; off < s.data.length; off += mss) {
      pieces.push({ ...s, seq: seqAdd(s.seq, off), data: s.data.subarray(off, off + mss) });
    }
    s.data = s.data.subarray(0, mss);
    this.inflight.splice(idx + 1, 0, ...pieces);
  }

  private onRtoTimer(): void {
    if (this.inflight.length === 0 || this._state === 'CLOSED') return;
    this.stats.timeouts++;
    const head = this.inflight.find((s) => !s.sacked) ?? this.inflight[0];
    if (head.data.length > this.tuning.segmentSize) {
      // Large segments may have met a smaller path MTU: have the path re-validated; if it
      // fails, retransmissions from then on are cut to the smaller size (see retransmit).
      this.host.pathLoss(this.remoteAddr.node);
    }
    const mss = this.mss;
    if (this.recovery !== 'rto') this.ssthresh = Math.max(Math.floor(this.cwnd / 2), mss);
    this.cwnd = this.tuning.initialCwndSegments * mss;
    this.recovery = 'rto';
    this.recoveryPoint = this.sndNxt;
    this.dupAcks = 0;
    for (const s of this.inflight) this.markSegLost(s);
    this.rtt.backoff();
    // One segment per RTO period; the rest follow as ACKs show progress.
    if (!this.retransmit(head)) return;
    this.rtoTimer.set(this.rtt.rto);
  }

  // ---------------------------------------------------------------- data input

  private onData(seq: number, data: Uint8Array): { ackNow: boolean; inOrder: boolean } {
    this.stats.segmentsReceived++;
    if (this.finReceived) return { ackNow: true, inOrder: false };
    const d = seqDiff(seq, this.rcvNxt);
    if (d < 0) {
      if (!seqAfter(seqAdd(seq, data.length), this.rcvNxt)) return { ackNow: true, inOrder: false };
      data = data.subarray(-d);
      seq = this.rcvNxt;
    } else if (d > 0) {
      if (
        !this.ooo.has(seq) &&
        this.ooo.size < this.tuning.maxOutOfOrder &&
        d < this.tuning.receiveWindow * 65536
      ) {
        this.ooo.set(seq, data);
      }
      this.lastOooSeq = seq;
      return { ackNow: true, inOrder: false };
    }
    const hardBound = 4 * this.tuning.receiveWindow + this.tuning.maxOutOfOrder;
    if (
      this.deliverQ.length >= hardBound ||
      this.deliverBytes >= hardBound * Math.max(this.tuning.segmentSize, 4096)
    ) {
      // Hard bound. Some reference builds turn the window into bytes (slots × 4096) while
      // sending 1152-byte segments, so up to ~4× the slots may legitimately arrive; beyond
      // that the peer ignores our window and we drop rather than buffer without bound.
      return { ackNow: true, inOrder: false };
    }
    this.deliver(data);
    let filled = false;
    while (this.ooo.size > 0) {
      const next = this.ooo.get(this.rcvNxt);
      if (next !== undefined) {
        this.ooo.delete(this.rcvNxt);
        this.deliver(next);
        filled = true;
        continue;
      }
      let progressed = false;
      for (const [s, buf] of this.ooo) {
        if (seqAfter(s, this.rcvNxt)) continue;
        this.ooo.delete(s);
        const end = seqAdd(s, buf.length);
        if (seqAfter(end, this.rcvNxt)) {
          this.deliver(buf.subarray(seqDiff(this.rcvNxt, s)));
          progressed = true;
          filled = true;
          break;
        }
      }
      if (!progressed) break;
    }
    return { ackNow: filled, inOrder: true };
  }

  private deliver(data: Uint8Array): void {
    this.rcvNxt = seqAdd(this.rcvNxt, data.length);
    this.stats.bytesReceived += data.length;
    if (this.wantRead && this.deliverQ.length === 0) this.wantRead = this.push(data);
    else {
      this.deliverQ.push(data);
      this.deliverBytes += data.length;
    }
  }

  private freeSlots(): number {
    // Slots of the reference segment size, so larger segments (path MTU probing) do not buffer
    // more unread bytes than the reference window allows.
    const used = Math.max(
      this.deliverQ.length,
      Math.ceil(this.deliverBytes / this.tuning.segmentSize),
    );
    return Math.max(0, Math.min(0xffff, this.tuning.receiveWindow - used));
  }

  private shiftDelivered(): Uint8Array {
    const d = this.deliverQ.shift()!;
    this.deliverBytes -= d.length;
    return d;
  }

  /**
   * Merged out-of-order ranges, at most 4: the block holding the latest arrival first (RFC 2018,
   * so every arrival is reported at least once), then the lowest others.
   */
  private sackBlocks(): SackBlock[] {
    const seqs = [...this.ooo.keys()].sort((a, b) => seqDiff(a, b));
    const blocks: { left: number; right: number }[] = [];
    for (const s of seqs) {
      const end = seqAdd(s, this.ooo.get(s)!.length);
      const last = blocks[blocks.length - 1];
      if (last !== undefined && seqBeforeOrEqual(s, last.right)) {
        if (seqAfter(end, last.right)) last.right = end;
      } else {
        blocks.push({ left: s, right: end });
      }
    }
    const latest = blocks.findIndex(
      (b) => seqAfterOrEqual(this.lastOooSeq, b.left) && seqBefore(this.lastOooSeq, b.right),
    );
    if (latest > 0) blocks.unshift(...blocks.splice(latest, 1));
    return blocks.slice(0, 4);
  }

  /** @internal Readable side: the consumer wants more. */
  override _read(): void {
    this.wantRead = true;
    while (this.wantRead && this.deliverQ.length > 0)
      this.wantRead = this.push(this.shiftDelivered());
    if (this.deliverQ.length === 0 && this.finReceived && !this.eofPushed) {
      this.eofPushed = true;
      this.push(null);
    }
    this.maybeWindowUpdate();
  }

  private maybeWindowUpdate(): void {
    if (
      this._state !== 'ESTABLISHED' &&
      this._state !== 'FIN_WAIT' &&
      this._state !== 'CLOSE_WAIT'
    ) {
      return;
    }
    if (this.finReceived) return;
    const free = this.freeSlots();
    const step = Math.max(1, this.tuning.receiveWindow >> 2);
    if (
      free > this.lastAdvWindow &&
      (this.lastAdvWindow === 0 || free - this.lastAdvWindow >= step)
    ) {
      this.sendAck();
    }
  }

  // ---------------------------------------------------------------- FIN / close

  private onFin(): void {
    this.finReceived = true;
    this.rcvNxt = seqAdd(this.rcvNxt, 1);
    this.host.event('conn.fin', this.eventData());
    if (this.deliverQ.length === 0 && !this.eofPushed) {
      this.eofPushed = true;
      this.push(null);
    }
    if (this.finSent) {
      // We closed first (FIN_WAIT) or both closed at once: acknowledge and linger.
      this.sendAck();
      this.enterTimeWait();
    } else {
      this.setState('CLOSE_WAIT');
      this.sendAck();
      // The reference has no half-close: answer with our own FIN once every write is out
      // (end() runs _final after the writes Node still buffers). An owner that set
      // `allowHalfOpen = true` (meshd for SDK streams) keeps writing until it ends the stream.
      if (!this.writableEnded && !this.allowHalfOpen) this.end();
    }
    this.retransmitLost();
  }

  /** A first transmission of `data` (or the FIN) at `sndNxt`. */
  private newSegment(data: Uint8Array, fin: boolean): Segment {
    return {
      seq: this.sndNxt,
      data,
      fin,
      xmit: ++this.xmitCounter,
      sentAt: this.now(),
      attempts: 1,
      sacked: false,
      lost: false,
    };
  }

  private sendFin(): void {
    const s = this.newSegment(EMPTY, true);
    this.inflight.push(s);
    this.sndNxt = seqAdd(this.sndNxt, 1);
    this.finSent = true;
    this.output(Flags.FIN | Flags.ACK, s.seq);
    this.rtoTimer.ensure(this.rtt.rto);
    if (this._state === 'CLOSE_WAIT') this.enterTimeWait();
    else this.setState('FIN_WAIT');
  }

  private retransmitFin(): void {
    const fin = this.inflight.find((s) => s.fin);
    if (fin !== undefined) this.output(Flags.FIN | Flags.ACK, fin.seq);
    else this.output(Flags.FIN | Flags.ACK, seqAdd(this.sndNxt, -1));
  }

  private enterTimeWait(): void {
    this.setState('TIME_WAIT');
    this.keepaliveTimer.clear();
    this.timeWaitTimer.set(this.tuning.timeWaitMs);
  }

  /** @internal Writable side finished (`end()`): send FIN after the queued data. */
  override _final(cb: (err?: Error | null) => void): void {
    if (this._state === 'CLOSED' || this.finAcked) {
      cb();
      return;
    }
    this.finalCb = cb;
    this.finPending = true;
    this.flush();
  }

  /** @internal */
  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (this._state !== 'CLOSED' && this._state !== 'TIME_WAIT') {
      this.output(Flags.RST, this.sndNxt);
      this.terminate();
      this.settleDial(
        new TransportError('DIAL_ABORTED', `connection ${this.id} destroyed while dialing`),
      );
    }
    const pw = this.pendingWrite;
    this.pendingWrite = undefined;
    pw?.(err ?? new TransportError('NOT_CONNECTED', `connection ${this.id} was destroyed`));
    cb(err);
  }

  /** TIME_WAIT over (or reset while lingering): leave every table. */
  private finish(): void {
    if (this._state === 'CLOSED') return;
    this.terminate();
    const cb = this.finalCb;
    this.finalCb = undefined;
    cb?.();
  }

  /** Resets the connection: RST to the peer, CLOSED, error to the application. */
  private abort(err: TransportError): void {
    if (this._state === 'CLOSED') return;
    this.output(Flags.RST, this.sndNxt);
    this.terminate();
    this.destroy(err);
  }

  /** @internal Transport shutdown: RST and close without an error event. */
  reset(): void {
    if (this._state === 'CLOSED') return;
    if (this._state === 'SYN_SENT') {
      this.cancelDial(
        new TransportError('TRANSPORT_CLOSED', 'the transport was closed while dialing'),
      );
      return;
    }
    if (this._state !== 'TIME_WAIT') this.output(Flags.RST, this.sndNxt);
    this.terminate();
    if (!this.eofPushed) {
      this.eofPushed = true;
      this.push(null);
    }
    this.destroy();
  }

  private terminate(): void {
    this.setState('CLOSED');
    for (const t of [
      this.rtoTimer,
      this.delackTimer,
      this.nagleTimer,
      this.probeTimer,
      this.keepaliveTimer,
      this.timeWaitTimer,
      this.synTimer,
      this.rackTimer,
    ]) {
      t.clear();
    }
    this.host.detach(this);
  }

  private isClosed(): boolean {
    return this._state === 'CLOSED';
  }

  private setState(next: ConnectionState): void {
    const prev = this._state;
    if (prev === next) return;
    this._state = next;
    this.emit('stateChange', next, prev);
  }

  // ---------------------------------------------------------------- output

  /** @internal Writable side. */
  override _write(
    chunk: Buffer | Uint8Array,
    _enc: BufferEncoding,
    cb: (err?: Error | null) => void,
  ): void {
    this.enqueue([chunk], cb);
  }

  /** @internal Writable side, batched. */
  override _writev(
    chunks: { chunk: Buffer | Uint8Array; encoding: BufferEncoding }[],
    cb: (err?: Error | null) => void,
  ): void {
    this.enqueue(
      chunks.map((c) => c.chunk),
      cb,
    );
  }

  private enqueue(chunks: (Buffer | Uint8Array)[], cb: (err?: Error | null) => void): void {
    if (this._state !== 'ESTABLISHED' && this._state !== 'CLOSE_WAIT') {
      cb(new TransportError('NOT_CONNECTED', `connection ${this.id} is ${this._state}`));
      return;
    }
    for (const c of chunks) {
      if (c.length === 0) continue;
      this.unsent.push(c);
      this.unsentBytes += c.length;
      if (c.length >= this.mss) this.pushTail = true;
    }
    this.flush();
    if (this.unsentBytes < this.tuning.sendBuffer || this.isClosed()) cb();
    else this.pendingWrite = cb;
  }

  /** Sends as much queued data as windows, congestion control and Nagle allow. */
  private flush(): void {
    const st = this._state;
    if ((st !== 'ESTABLISHED' && st !== 'CLOSE_WAIT') || this.finSent) return;
    const t = this.tuning;
    if (this.unsentBytes > 0) this.mss = this.host.segmentSize(this.remoteAddr.node);
    const mss = this.mss;
    while (this.unsentBytes > 0) {
      const wnd = Math.min(t.maxUnacked, this.peerWindow);
      if (this.inflight.length >= wnd) {
        if (this.peerWindow === 0 && this.inflight.length === 0)
          this.probeTimer.ensure(this.probeInterval);
        break;
      }
      if (this.pipeBytes >= this.cwnd) break;
      let size = Math.min(mss, this.unsentBytes);
      if (
        size < mss &&
        !this.noDelay &&
        !this.pushTail &&
        !this.nagleExpired &&
        this.inflight.length > 0
      ) {
        this.nagleTimer.ensure(t.nagleDelayMs);
        break;
      }
      size = this.avoidSackLookalike(size);
      this.sendSegment(this.takeUnsent(size));
    }
    if (this.unsentBytes === 0) {
      this.pushTail = false;
      this.nagleExpired = false;
      this.nagleTimer.clear();
      if (this.finPending && !this.finSent) this.sendFin();
    }
    if (this.pendingWrite !== undefined && this.unsentBytes < t.sendBuffer) {
      const cb = this.pendingWrite;
      this.pendingWrite = undefined;
      cb();
    }
  }

  /**
   * A data segment that starts like a SACK payload would be read as one by the peer (both are
   * ACK-flagged with a payload), so such a segment is cut after the 4-byte `SACK` prefix.
   */
  private avoidSackLookalike(size: number): number {
    if (size < 5 || this.peek(0) !== 0x53 || this.peek(1) !== 0x41) return size;
    if (this.peek(2) !== 0x43 || this.peek(3) !== 0x4b) return size;
    const n = this.peek(4);
    return n >= 1 && n <= 4 ? 4 : size;
  }

  private peek(i: number): number {
    let idx = this.unsentHead + i;
    for (const c of this.unsent) {
      if (idx < c.length) return c[idx];
      idx -= c.length;
    }
    return -1;
  }

  private takeUnsent(n: number): Uint8Array {
    const first = this.unsent[0];
    const avail = first.length - this.unsentHead;
    let out: Uint8Array;
    if (avail >= n) {
      out = first.subarray(this.unsentHead, this.unsentHead + n);
      this.unsentHead += n;
      if (this.unsentHead === first.length) {
        this.unsent.shift();
        this.unsentHead = 0;
      }
    } else {
      out = new Uint8Array(n);
      let filled = 0;
      while (filled < n) {
        const c = this.unsent[0];
        const k = Math.min(n - filled, c.length - this.unsentHead);
        out.set(c.subarray(this.unsentHead, this.unsentHead + k), filled);
        filled += k;
        this.unsentHead += k;
        if (this.unsentHead === c.length) {
          this.unsent.shift();
          this.unsentHead = 0;
        }
      }
    }
    this.unsentBytes -= n;
    return out;
  }

  private sendSegment(data: Uint8Array): void {
    const s = this.newSegment(data, false);
    this.inflight.push(s);
    this.pipeBytes += data.length;
    this.sndNxt = seqAdd(this.sndNxt, data.length);
    this.stats.segmentsSent++;
    this.stats.bytesSent += data.length;
    this.output(Flags.ACK, s.seq, data);
    this.rtoTimer.ensure(this.rtt.rto);
  }

  /** A pure ACK (with SACK blocks while out-of-order data is held). */
  private sendAck(): void {
    if (this._state === 'CLOSED' || this._state === 'SYN_SENT') return;
    let payload: Uint8Array = EMPTY;
    if (this.ooo.size > 0) {
      payload = encodeSack(this.sackBlocks());
      this.stats.sackAcksSent++;
    }
    this.output(Flags.ACK, this.sndNxt, payload);
  }

  private output(flags: number, seq: number, payload: Uint8Array = EMPTY): void {
    const window = this.freeSlots();
    const withAck = (flags & Flags.ACK) !== 0;
    if (withAck) {
      this.lastAdvWindow = window;
      this.segsSinceAck = 0;
      this.delackTimer.clear();
    }
    this.stats.packetsSent++;
    this.host.output({
      flags,
      proto: Proto.STREAM,
      src: this.host.localAddr(),
      dst: this.remoteAddr,
      srcPort: this.localPort,
      dstPort: this.remotePort,
      seq,
      ack: withAck ? this.rcvNxt : 0,
      window,
      payload,
    });
  }

  // ---------------------------------------------------------------- probes and liveness

  private onProbeTimer(): void {
    if (this._state !== 'ESTABLISHED' && this._state !== 'CLOSE_WAIT') return;
    if (this.peerWindow > 0 || this.inflight.length > 0) return;
    if (this.unsentBytes === 0 && !this.finPending) return;
    this.stats.zeroWindowProbes++;
    this.output(Flags.ACK, seqAdd(this.sndNxt, -1));
    this.emit('zeroWindowProbe');
    this.probeInterval = Math.min(this.probeInterval * 2, this.tuning.zeroWindowProbeMaxMs);
    this.probeTimer.set(this.probeInterval);
  }

  private armKeepalive(): void {
    const t = this.tuning;
    const periods = [t.keepaliveMs, t.idleTimeoutMs].filter((ms) => ms > 0);
    if (periods.length > 0) this.keepaliveTimer.set(Math.min(...periods));
  }

  private onKeepaliveTimer(): void {
    const st = this._state;
    if (st !== 'ESTABLISHED' && st !== 'CLOSE_WAIT' && st !== 'FIN_WAIT') return;
    const t = this.tuning;
    const now = this.now();
    const silent = now - this.lastRecvAt;
    if (t.idleTimeoutMs > 0 && silent >= t.idleTimeoutMs) {
      this.host.event('conn.idle_timeout', this.eventData());
      this.abort(
        new TransportError(
          'IDLE_TIMEOUT',
          `connection ${this.id} to ${formatAddr(this.remoteAddr)}:${this.remotePort} closed: nothing heard from the peer for ${Math.round(silent)} ms`,
          { retryable: true },
        ),
      );
      return;
    }
    let next = t.idleTimeoutMs > 0 ? this.lastRecvAt + t.idleTimeoutMs - now : Infinity;
    if (t.keepaliveMs > 0) {
      if (silent >= t.keepaliveMs && now - this.lastKeepaliveAt >= t.keepaliveMs) {
        this.lastKeepaliveAt = now;
        this.stats.keepalives++;
        this.output(Flags.ACK, seqAdd(this.sndNxt, -1));
        this.emit('keepalive');
      }
      const nextProbe = Math.max(
        this.lastRecvAt + t.keepaliveMs - now,
        this.lastKeepaliveAt + t.keepaliveMs - now,
      );
      next = Math.min(next, nextProbe);
    }
    if (next !== Infinity) this.keepaliveTimer.set(Math.max(1, next));
  }

  private eventData(): Record<string, unknown> {
    return {
      remote_addr: formatAddr(this.remoteAddr),
      remote_port: this.remotePort,
      local_port: this.localPort,
      conn_id: this.id,
    };
  }

  private now(): number {
    return this.host.scheduler.clock.now();
  }
}
