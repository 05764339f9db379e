// Starts the registry and the beacon from a RendezvousConfig and stops them in order.
import type { BeaconAddress } from '@mesh/beacon';
import { Beacon } from '@mesh/beacon';
import type { RegistryServer } from '@mesh/registry';
import { startRegistry } from '@mesh/registry';
import type { HostPort } from '@mesh/protocol';
import { formatHostPort, parseHostPort } from '@mesh/protocol';
import type { RendezvousConfig } from '../cli/flags.js';
import type { Logger } from '../logging/logger.js';
import { UsageError, parseBeaconId, parseDuration } from '../cli/config.js';

/** The machine-readable line printed on stdout once every listener is bound. */
export interface ReadyLine {
  /** Always `ready`. */
  readonly event: 'ready';
  /** Process id, for supervisors. */
  readonly pid: number;
  /** Registry `host:port`. */
  readonly registry: string;
  /** Beacon UDP `host:port`, or null when disabled. */
  readonly beacon: string | null;
  /** Beacon WebSocket URL, or null when disabled. */
  readonly ws: string | null;
  /** Metrics `host:port`, or null when disabled. */
  readonly metrics: string | null;
  /** Beacon id announced to the registry, or null without a beacon. */
  readonly beaconId: number | null;
  /** Store path (`:memory:` when not persisted). */
  readonly store: string;
}

/** A running registry + beacon. */
export interface Rendezvous {
  /** The ready line describing the bound addresses. */
  readonly ready: ReadyLine;
  /** Closes the beacon, then the registry (which flushes and closes its store). */
  close(): Promise<void>;
}

/** A parsed `host:port` (@mesh/protocol's parser); an empty host means every interface. */
function hostPort(text: string, flag: string): HostPort {
  try {
    return parseHostPort(text, { defaultHost: '0.0.0.0' });
  } catch (err) {
    throw new UsageError(`--${flag} must be host:port or :port: ${(err as Error).message}`);
  }
}

/** Where to dial a listener bound to `host`. */
function dialable(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '::1';
  return host;
}

/**
 * Starts the registry, then the beacon (announcing itself to that registry when an admin token
 * is set, since `beacon_register` is an admin request).
 * @throws UsageError for malformed addresses; the registry's or beacon's error when a bind fails.
 */
export async function startRendezvous(
  config: RendezvousConfig,
  logger: Logger,
): Promise<Rendezvous> {
  const reg = hostPort(config.registryAddr, 'registry-addr');
  const udp = config.beaconAddr === '' ? undefined : hostPort(config.beaconAddr, 'beacon-addr');
  const ws = config.wsAddr === '' ? undefined : hostPort(config.wsAddr, 'ws-addr');
  if (config.metricsAddr !== '') hostPort(config.metricsAddr, 'metrics-addr');
  const peers = config.beaconPeers
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  for (const peer of peers) hostPort(peer, 'beacon-peers');
  if (udp === undefined && ws !== undefined) {
    throw new UsageError('--ws-addr needs the beacon: set --beacon-addr too');
  }
  const persisted = config.store !== ':memory:' && config.store !== '';
  if (!persisted) logger.warn('registry state is kept in memory only (--store :memory:)');

  const registry: RegistryServer = await startRegistry({
    host: reg.host,
    port: reg.port,
    adminToken: config.adminToken,
    staleThresholdMs: parseDuration(config.staleAfter, 'stale-after'),
    logger: logger.child({ component: 'registry' }),
    ...(persisted ? { storePath: config.store } : {}),
    ...(config.metricsAddr !== '' ? { metricsAddr: config.metricsAddr } : {}),
  });
  const regAddr = registry.address();

  let beacon: Beacon | undefined;
  if (udp !== undefined) {
    if (config.adminToken === '') {
      logger.warn('beacon not announced to the registry: beacon_register needs --admin-token');
    }
    beacon = new Beacon({
      udp,
      ws: ws ?? false,
      peers,
      ...(config.beaconId !== '' ? { beaconId: parseBeaconId(config.beaconId) } : {}),
      logger: logger.child({ component: 'beacon' }),
      ...(config.beaconAdvertise !== '' ? { advertiseAddr: config.beaconAdvertise } : {}),
      ...(config.adminToken !== ''
        ? {
            registry: {
              addr: formatHostPort(dialable(regAddr.host), regAddr.port),
              adminToken: config.adminToken,
            },
          }
        : {}),
    });
    try {
      await beacon.listen();
    } catch (err) {
      await registry.close();
      throw err;
    }
    if (config.adminToken !== '') {
      // Announce before reporting ready, so beacon_list already names this beacon.
      await beacon.registerNow().catch(() => {});
    }
  }

  const bAddr: BeaconAddress | undefined = beacon?.address();
  const metrics = registry.metricsAddress();
  const ready: ReadyLine = {
    event: 'ready',
    pid: process.pid,
    registry: formatHostPort(regAddr.host, regAddr.port),
    beacon: bAddr?.udp ? formatHostPort(bAddr.udp.address, bAddr.udp.port) : null,
    ws: bAddr?.ws?.url ?? null,
    metrics: metrics ? formatHostPort(metrics.host, metrics.port) : null,
    beaconId: beacon?.beaconId ?? null,
    store: persisted ? config.store : ':memory:',
  };

  let closing: Promise<void> | undefined;
  return {
    ready,
    close() {
      closing ??= (async () => {
        // Beacon first: it may still be talking to the registry.
        await beacon?.close();
        await registry.close();
      })();
      return closing;
    },
  };
}
