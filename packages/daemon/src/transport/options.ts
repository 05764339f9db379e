// Tunables of the stream transport with the reference's values (§B.4–B.5, §L). Tests shrink
// the delays; nothing here changes the wire format.

/** Per-connection stream behaviour. Every field has the reference default. */
export interface StreamTuning {
  /** Payload bytes per data segment we send (receivers accept up to 65535). @default 1152 */
  readonly segmentSize: number;
  /** Receive buffer in segment slots; the advertised window is the free slots. @default 512 */
  readonly receiveWindow: number;
  /** Out-of-order segments buffered per connection. @default 128 */
  readonly maxOutOfOrder: number;
  /** Unacknowledged segments in flight at most (the peer's out-of-order limit). @default 128 */
  readonly maxUnacked: number;
  /** Unsent bytes queued before a write's callback waits (the send buffer). @default 262144 */
  readonly sendBuffer: number;
  /** Initial congestion window in segments (IW10). @default 10 */
  readonly initialCwndSegments: number;
  /** Congestion window cap in bytes. @default 1048576 */
  readonly maxCwnd: number;
  /** Initial slow-start threshold in bytes. @default 524288 */
  readonly initialSsthresh: number;
  /** RTO before the first RTT sample, ms. @default 1000 */
  readonly initialRtoMs: number;
  /** Smallest RTO, ms. @default 200 */
  readonly minRtoMs: number;
  /** Largest RTO (and backoff cap), ms. @default 10000 */
  readonly maxRtoMs: number;
  /** RFC 6298 clock granularity G, ms. @default 10 */
  readonly rtoGranularityMs: number;
  /** Transmissions of one segment before the connection is reset. @default 8 */
  readonly maxRetransmits: number;
  /** Duplicate pure ACKs that trigger fast retransmit. @default 3 */
  readonly dupAckThreshold: number;
  /** Delayed-ACK timer, ms ([N] value; [M] used 40). @default 5 */
  readonly delayedAckMs: number;
  /** In-order segments that force an immediate ACK. @default 2 */
  readonly delayedAckSegments: number;
  /** First segments of a connection that are each ACKed at once. @default 32 */
  readonly quickAckSegments: number;
  /**
   * Combine the ACKs of in-order segments received in one read batch into one ACK sent before
   * the next poll, instead of one per `delayedAckSegments` (after loss the per-2 rule applies
   * for a receive window's worth of segments). @default true
   */
  readonly combinedAcks: boolean;
  /** Disables Nagle (send sub-segment tails at once). @default false */
  readonly noDelay: boolean;
  /** How long Nagle holds a short tail while data is unacknowledged, ms. @default 40 */
  readonly nagleDelayMs: number;
  /** First zero-window probe interval, ms (doubles). @default 500 */
  readonly zeroWindowProbeMs: number;
  /** Probe interval cap, ms. @default 30000 */
  readonly zeroWindowProbeMaxMs: number;
  /** Keepalive probe after this long without hearing from the peer, ms; 0 disables. @default 30000 */
  readonly keepaliveMs: number;
  /** Reset the connection after this long without hearing from the peer, ms; 0 disables. @default 120000 */
  readonly idleTimeoutMs: number;
  /** How long a closed connection lingers in TIME_WAIT, ms. @default 10000 */
  readonly timeWaitMs: number;
  /** First SYN retransmission timeout, ms (doubles). @default 1000 */
  readonly dialRtoMs: number;
  /** SYN retransmission timeout cap, ms. @default 8000 */
  readonly dialRtoMaxMs: number;
  /** SYN transmissions on the direct path before the relay hook runs and the RTO resets. @default 3 */
  readonly dialDirectAttempts: number;
  /** SYN transmissions in total before the dial fails. @default 6 */
  readonly dialMaxAttempts: number;
}

/** Admission limits of the listening side (reference §B.4, §L). */
export interface TransportLimits {
  /** Connections on one local listening port. @default 1024 */
  readonly maxConnectionsPerPort: number;
  /** Connections in total (dialed and accepted, TIME_WAIT excluded). @default 4096 */
  readonly maxConnections: number;
  /** Accepted connections waiting for `accept()` per listener. @default 64 */
  readonly acceptBacklog: number;
  /** Global SYN rate, per second. @default 100 */
  readonly synRate: number;
  /** Global SYN burst. @default 100 */
  readonly synBurst: number;
  /** SYN rate per source node, per second. @default 10 */
  readonly synRatePerSource: number;
  /** SYN burst per source node ([N]). @default 64 */
  readonly synBurstPerSource: number;
  /** Source nodes tracked by the per-source limiter. @default 4096 */
  readonly synSources: number;
}

/** The reference's stream defaults. */
export const DEFAULT_STREAM_TUNING: StreamTuning = Object.freeze({
  segmentSize: 1152,
  receiveWindow: 512,
  maxOutOfOrder: 128,
  maxUnacked: 128,
  sendBuffer: 256 * 1024,
  initialCwndSegments: 10,
  maxCwnd: 1024 * 1024,
  initialSsthresh: 512 * 1024,
  initialRtoMs: 1000,
  minRtoMs: 200,
  maxRtoMs: 10_000,
  rtoGranularityMs: 10,
  maxRetransmits: 8,
  dupAckThreshold: 3,
  delayedAckMs: 5,
  delayedAckSegments: 2,
  quickAckSegments: 32,
  combinedAcks: true,
  noDelay: false,
  nagleDelayMs: 40,
  zeroWindowProbeMs: 500,
  zeroWindowProbeMaxMs: 30_000,
  keepaliveMs: 30_000,
  idleTimeoutMs: 120_000,
  timeWaitMs: 10_000,
  dialRtoMs: 1000,
  dialRtoMaxMs: 8000,
  dialDirectAttempts: 3,
  dialMaxAttempts: 6,
});

/** The reference's admission limits. */
export const DEFAULT_TRANSPORT_LIMITS: TransportLimits = Object.freeze({
  maxConnectionsPerPort: 1024,
  maxConnections: 4096,
  acceptBacklog: 64,
  synRate: 100,
  synBurst: 100,
  synRatePerSource: 10,
  synBurstPerSource: 64,
  synSources: 4096,
});
