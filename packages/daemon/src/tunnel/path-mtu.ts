// Packetization-layer path MTU probing (in the spirit of RFC 8899, DPLPMTUD) per direct peer:
// streams start at the reference segment size; padded probes, each as large as a full data
// segment of the candidate size, climb a ladder of sizes; a size is used only once the peer
// confirmed that such a datagram arrived. A peer that does not know probes (the Go daemon drops
// inner packets of an unknown protocol) never confirms, so it keeps the reference size.
import { type Addr, type Packet, encodePacket } from '@mesh/protocol';

/**
 * Inner packet protocol of path probes and their confirmations. Unknown to the reference, which
 * ignores packets of protocols it does not handle (its `handlePacket` switch has no default).
 */
export const PATH_PROBE_PROTO = 0x50;

/** Flag bit of a confirmation (the probe itself carries no flags). */
const CONFIRM = 0x2;

/** Settings of {@link PathMtu}. */
export interface PathMtuOptions {
  /** The reference segment size every path starts at (and relay paths keep). */
  readonly baseSegmentSize: number;
  /** Largest segment size probed. @default 16384 */
  readonly maxSegmentSize?: number;
  /** How long a probe waits for its confirmation, ms. @default 500 */
  readonly probeTimeoutMs?: number;
  /** Probes of one size before the size counts as not passing. @default 3 */
  readonly probeAttempts?: number;
  /** After a size failed, how long before it is probed again, ms. @default 600000 */
  readonly raiseIntervalMs?: number;
  /** Hands one encoded inner packet to the tunnel for `node` (sealed like any other). */
  send(node: number, packet: Uint8Array): void;
  /** This node's address (the probe's source). */
  localAddr(): Addr;
}

/** Probing state of one peer, for `info` and tests. */
export interface PathMtuInfo {
  /** Segment size streams to this peer use now. */
  readonly segmentSize: number;
  /** Size being probed, 0 when idle. */
  readonly probing: number;
  /** Probes sent so far. */
  readonly probesSent: number;
  /** Confirmations received. */
  readonly confirmations: number;
  /** Times the size fell back after loss of large segments. */
  readonly fallbacks: number;
}

interface PathState {
  address: string;
  port: number;
  segmentSize: number;
  /** Candidate being probed; 0 when idle. */
  probing: number;
  attempts: number;
  timer: NodeJS.Timeout | undefined;
  /** Smallest size that did not pass (not probed again before `retryAt`). */
  ceiling: number;
  retryAt: number;
  /** Size in use before a loss report, probed again to confirm or give it up. */
  revalidating: number;
  probesSent: number;
  confirmations: number;
  fallbacks: number;
}

/** The sizes probed above the base, smallest first. */
function ladder(base: number, max: number): number[] {
  const out: number[] = [];
  for (const size of [4096, 8192, 16384, 32768, 65000])
    if (size > base && size <= max) out.push(size);
  if (out[out.length - 1] !== max && max > base) out.push(max);
  return out;
}

/**
 * Per-peer segment sizes, raised by confirmed probes and lowered after loss of large segments.
 * Paths are keyed by the peer's direct UDP endpoint: a new endpoint (route change, NAT rebind)
 * or the relay starts from the base size again.
 */
export class PathMtu {
  readonly #opts: PathMtuOptions;
  readonly #base: number;
  readonly #ladder: number[];
  readonly #paths = new Map<number, PathState>();
  readonly #padding = new Map<number, Uint8Array>();
  #seq = 0;
  #closed = false;

  /** @param options see {@link PathMtuOptions} */
  constructor(options: PathMtuOptions) {
    this.#opts = options;
    this.#base = options.baseSegmentSize;
    // Bounded by the largest UDP payload (65507) less tunnel and packet headers.
    const max = Math.min(options.maxSegmentSize ?? 16384, 65_400);
    this.#ladder = ladder(this.#base, max);
  }

  /**
   * The segment size for streams to `node` over `route` (its direct endpoint; `undefined` for
   * the relay or while no session exists), starting a probe when the path may allow more.
   * @param node the peer
   * @param route the direct endpoint in use, or `undefined`
   * @returns bytes of stream payload per segment
   */
  segmentSize(node: number, route: { address: string; port: number } | undefined): number {
    if (route === undefined || this.#ladder.length === 0 || this.#closed) {
      if (route === undefined) this.forget(node);
      return this.#base;
    }
    let st = this.#paths.get(node);
    if (st === undefined || st.address !== route.address || st.port !== route.port) {
      if (st !== undefined) clearTimeout(st.timer);
      st = {
        address: route.address,
        port: route.port,
        segmentSize: this.#base,
        probing: 0,
        attempts: 0,
        timer: undefined,
        ceiling: Infinity,
        retryAt: 0,
        revalidating: 0,
        probesSent: 0,
        confirmations: 0,
        fallbacks: 0,
      };
      this.#paths.set(node, st);
    }
    if (st.probing === 0) this.#probeNext(node, st);
    return st.segmentSize;
  }

  /**
   * Large segments to `node` went unanswered until a retransmission timeout: probe the size in
   * use again. The size stays while the probe runs (a timeout is usually plain loss, or a
   * spurious one on a busy host, and cutting every segment in flight into reference-size pieces
   * then only floods the peer with duplicates); if the probe is not confirmed, streams fall back
   * to the base size and the ladder is searched again below the failed size.
   * @param node the peer
   */
  lossReported(node: number): void {
    const st = this.#paths.get(node);
    if (st === undefined || st.segmentSize <= this.#base || this.#closed) return;
    if (st.revalidating === st.segmentSize) return; // already being checked
    st.revalidating = st.segmentSize;
    clearTimeout(st.timer);
    st.probing = 0;
    this.#startProbe(node, st, st.revalidating);
  }

  /**
   * Handles an inbound probe or confirmation (an inner packet of {@link PATH_PROBE_PROTO}).
   * @param packet the decoded packet
   * @param node the authenticated peer it came from
   * @param relay whether it came through the relay (never answered: relay paths keep the base)
   */
  receive(packet: Packet, node: number, relay: boolean): void {
    if (this.#closed) return;
    if ((packet.flags & CONFIRM) === 0) {
      // A probe: confirm the size that arrived (its padding is exactly the probed segment size).
      if (relay || packet.payload.length !== packet.ack) return;
      this.#opts.send(node, this.#encode(packet.src, CONFIRM, packet.seq, packet.ack, 0));
      return;
    }
    const st = this.#paths.get(node);
    if (st === undefined || st.probing === 0 || packet.ack !== st.probing) return;
    clearTimeout(st.timer);
    st.timer = undefined;
    st.confirmations += 1;
    st.segmentSize = Math.max(st.segmentSize, st.probing);
    if (st.revalidating === st.probing) st.revalidating = 0;
    st.probing = 0;
    st.attempts = 0;
    this.#probeNext(node, st);
  }

  /**
   * Probing state of one peer.
   * @param node the peer
   * @returns the state, or `undefined` when no direct path was probed
   */
  info(node: number): PathMtuInfo | undefined {
    const st = this.#paths.get(node);
    if (st === undefined) return undefined;
    return {
      segmentSize: st.segmentSize,
      probing: st.probing,
      probesSent: st.probesSent,
      confirmations: st.confirmations,
      fallbacks: st.fallbacks,
    };
  }

  /**
   * Drops the state of one peer (peer removed, or it moved to the relay).
   * @param node the peer
   */
  forget(node: number): void {
    const st = this.#paths.get(node);
    if (st === undefined) return;
    clearTimeout(st.timer);
    this.#paths.delete(node);
  }

  /** Cancels every timer. */
  close(): void {
    this.#closed = true;
    for (const st of this.#paths.values()) clearTimeout(st.timer);
    this.#paths.clear();
  }

  #probeNext(node: number, st: PathState): void {
    const now = Date.now();
    if (st.ceiling !== Infinity && now >= st.retryAt) st.ceiling = Infinity;
    const next = this.#ladder.find((size) => size > st.segmentSize && size < st.ceiling);
    if (next !== undefined) this.#startProbe(node, st, next);
  }

  #startProbe(node: number, st: PathState, size: number): void {
    st.probing = size;
    st.attempts = 0;
    this.#sendProbe(node, st);
  }

  #sendProbe(node: number, st: PathState): void {
    const size = st.probing;
    st.attempts += 1;
    st.probesSent += 1;
    this.#seq = (this.#seq + 1) >>> 0;
    this.#opts.send(node, this.#encode({ network: 0, node }, 0, this.#seq, size, size));
    const timeout = this.#opts.probeTimeoutMs ?? 500;
    st.timer = setTimeout(() => {
      st.timer = undefined;
      if (this.#closed || this.#paths.get(node) !== st || st.probing !== size) return;
      if (st.attempts < (this.#opts.probeAttempts ?? 3)) {
        this.#sendProbe(node, st);
        return;
      }
      // The size does not pass: stay below it for a while.
      st.probing = 0;
      st.attempts = 0;
      st.ceiling = Math.min(st.ceiling, size);
      st.retryAt = Date.now() + (this.#opts.raiseIntervalMs ?? 600_000);
      if (st.revalidating === size) {
        // The size in use no longer passes: back to the base size at once.
        st.revalidating = 0;
        st.segmentSize = this.#base;
        st.fallbacks += 1;
      }
      this.#probeNext(node, st);
    }, timeout);
    st.timer.unref();
  }

  #encode(dst: Addr, flags: number, seq: number, size: number, padding: number): Uint8Array {
    let pad = this.#padding.get(padding);
    if (pad === undefined) {
      pad = new Uint8Array(padding);
      this.#padding.set(padding, pad);
    }
    return encodePacket({
      flags,
      proto: PATH_PROBE_PROTO,
      src: this.#opts.localAddr(),
      dst,
      srcPort: 0,
      dstPort: 0,
      seq,
      ack: size,
      window: 0,
      payload: pad,
    });
  }
}
