// Adapts a RegistryClient from @mesh/registry-client to the BeaconRegistrar the beacon uses.
import { RegistryClient } from '@mesh/registry-client';
import type { BeaconLogger } from '../logging/logger.js';
import type { BeaconListing, BeaconRegistrar } from './registrar.js';
import { hostPortOption } from '../transport/host-port.js';

/** Opens a JSON-mode registry client to `addr` (`host:port`) for beacon calls. */
export function clientRegistrar(
  addr: string,
  adminToken: string,
  logger: BeaconLogger,
): BeaconRegistrar {
  const { host, port } = hostPortOption(addr, '127.0.0.1');
  const client = new RegistryClient({
    host,
    port,
    mode: 'json',
    // Registration repeats on a timer, so one quick attempt per call is enough.
    reconnect: { attempts: 1 },
    timeoutMs: 10_000,
    logger: { debug: (m, f) => logger.debug(m, f), warn: (m, f) => logger.warn(m, f) },
  });
  return {
    beaconRegister: (beaconId, beaconAddr) =>
      client.beaconRegister(beaconId, beaconAddr, adminToken),
    beaconList: async (): Promise<readonly BeaconListing[]> => client.beaconList(),
    nodeKey: async (nodeId) => {
      try {
        const key = Buffer.from((await client.lookup(nodeId)).publicKey, 'base64');
        return key.length === 32 ? new Uint8Array(key) : undefined;
      } catch {
        // Unknown node, or the registry is unreachable: the proof cannot be checked.
        return undefined;
      }
    },
    close: () => client.close(),
  };
}
