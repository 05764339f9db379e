/**
 * Streams, datagrams and ports of one node (reference §B.2–B.7). The transport never touches a
 * socket or a key: the engine owns the tunnel and hands packets across this seam.
 *
 * ## The seam to the engine
 *
 * ```ts
 * const transport = new Transport({
 *   localAddr: () => identity.addr,              // Addr (or a getter, re-read per packet)
 *   send: (packet) => tunnels.send(packet),       // engine encodes (@mesh/protocol encodePacket),
 *                                                 // encrypts and routes by packet.dst.node;
 *                                                 // must not throw, a lost packet is fine
 *   clock,                                        // optional TransportClock (default systemClock:
 *                                                 // performance.now + unref'd timers)
 *   tuning: { segmentSize: 1152 },                // optional Partial<StreamTuning> (§B.5, §L)
 *   limits: { maxConnections: 4096 },             // optional Partial<TransportLimits> (§B.4)
 *   onEvent: (topic, data) => bus.publish(topic, data),   // §E.4 names, must not throw
 *   onDialStalled: (peer) => tunnels.useRelay(peer.node), // after 3 direct SYNs (§B.4)
 * });
 *
 * // Inbound: every decoded packet from the tunnel; fromNode = the authenticated peer, so a
 * // packet whose inner source node differs is dropped (counted in stats().spoofedDropped).
 * transport.receive(packet, fromNode);
 * // Trust / policy gate: the engine inspects SYNs (flags === Flags.SYN, proto STREAM) and
 * // datagrams before receive(); to reject a SYN call transport.refuse(packet) (answers RST)
 * // or just drop it, and publish syn.rejected / datagram.rejected itself.
 *
 * const conn = await transport.dial(addr, port, { noDelay, signal, timeoutMs }); // Connection
 * const listener = transport.listen(port, { backlog, noDelay });                  // Listener
 * for await (const c of listener) { … }  // or await listener.accept(), or 'connection' events
 * transport.sendDatagram(addr, port, bytes);   // best effort, fresh ephemeral source port
 * transport.on('datagram', ({ src, srcPort, dst, dstPort, data }) => …);
 * transport.connections();                     // ConnectionInfo[] for `connections` / info
 * transport.stats();                           // TransportStats
 * await transport.close({ graceMs });          // FIN (within graceMs), then RST + stop all timers
 * ```
 *
 * A {@link Connection} is a Node `Duplex` (`allowHalfOpen: false`): `end()` sends FIN after the
 * queued data, the peer's FIN is EOF, errors carry a {@link TransportError} `code`
 * (`CONNECTION_RESET`, `RETRANSMIT_LIMIT`, `IDLE_TIMEOUT`). `conn.info()` returns state, srtt,
 * rttvar, rto, cwnd, ssthresh, windows and byte/segment/retransmit counters;
 * `conn.setNoDelay()` toggles Nagle. Broadcast fan-out (node 0xFFFFFFFF) is the engine's job:
 * `send` receives the packet with the broadcast destination as given.
 *
 * Every timer goes through `transport.scheduler` (one {@link Scheduler}); `close()` stops all.
 * @module
 */
export type { TimerHandle, TransportClock } from './clock.js';
export { Deadline, Scheduler, systemClock } from './clock.js';
export type { ConnectionInfo, ConnectionOptions, ConnectionState } from './connection.js';
export { Connection } from './connection.js';
export type { TransportErrorCode } from './errors.js';
export { TransportError, isTransportError } from './errors.js';
export type { ListenOptions } from './listener.js';
export { Listener } from './listener.js';
export type { StreamTuning, TransportLimits } from './options.js';
export { DEFAULT_STREAM_TUNING, DEFAULT_TRANSPORT_LIMITS } from './options.js';
export { KeyedRateLimiter, TokenBucket } from './rate-limit.js';
export type { RtoBounds } from './rtt.js';
export { RttEstimator } from './rtt.js';
export type {
  Datagram,
  DatagramOptions,
  DialOptions,
  TransportOptions,
  TransportStats,
} from './transport.js';
export { Transport } from './transport.js';
