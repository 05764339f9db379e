/**
 * The mesh beacon: UDP endpoint discovery (Discover → DiscoverReply with the observed endpoint),
 * hole-punch coordination (PunchRequest → PunchCommand to both sides), and relay (Relay →
 * RelayDeliver) between nodes, over UDP and over WebSocket for hosts whose UDP is blocked.
 * Beacons announce themselves to the registry (`beacon_register`) and gossip with peer beacons.
 * Messages are encoded by `@mesh/protocol`.
 *
 * @example
 * ```ts
 * import { Beacon } from '@mesh/beacon';
 * const beacon = new Beacon({
 *   udp: { host: '0.0.0.0', port: 9001 },
 *   ws: { host: '0.0.0.0', port: 9002 },
 *   registry: { addr: '127.0.0.1:9000', adminToken: process.env.ADMIN_TOKEN ?? '' },
 * });
 * await beacon.listen();
 * console.log(beacon.address()); // { udp: { port: 9001, … }, ws: { url: 'ws://…/v1/compat', … } }
 * await beacon.close();
 * ```
 *
 * @packageDocumentation
 */
export { Beacon } from './beacon/beacon.js';
export type { BeaconAddress, BeaconEvents, BoundAddress, BoundWsAddress } from './beacon/beacon.js';
export type { BeaconOptions, BeaconUdpOptions, BeaconWsOptions } from './beacon/options.js';
export type { BeaconStats } from './beacon/stats.js';
export { BeaconError, isBeaconError } from './errors/beacon-error.js';
export type { BeaconErrorCode } from './errors/beacon-error.js';
export { silentLogger } from './logging/logger.js';
export type { BeaconLogger } from './logging/logger.js';
export type { BeaconListing, BeaconRegistrar } from './registry/registrar.js';
