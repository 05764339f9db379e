// Starts the registry and the beacon from a RendezvousConfig and stops them in order.
import { readFileSync } from 'node:fs';
import type { BeaconAddress, BeaconListing, BeaconRegistrar } from '@mesh/beacon';
import { Beacon } from '@mesh/beacon';
import type { RegistryServer } from '@mesh/registry';
import {
  certificateFingerprint,
  generateSelfSignedCertificate,
  startRegistry,
} from '@mesh/registry';
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
  /** SHA-256 (hex) of the registry's TLS certificate, which clients pin; null without TLS. */
  readonly tlsFingerprint: string | null;
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

  const tls = loadTls(config, logger);
  const registry: RegistryServer = await startRegistry({
    ...(tls ? { tls } : {}),
    host: reg.host,
    port: reg.port,
    adminToken: config.adminToken,
    staleThresholdMs: parseDuration(config.staleAfter, 'stale-after'),
    logger: logger.child({ component: 'registry' }),
    ...(persisted ? { storePath: config.store, acceptDataLoss: config.acceptDataLoss } : {}),
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
      // The beacon checks registration proofs against this registry's keys.
      nodeKey: (nodeId) => registeredKey(registry, nodeId),
      answerShortRequests: config.beaconShortReplies,
      requireProof: config.beaconRequireProof,
      ...(config.beaconId !== '' ? { beaconId: parseBeaconId(config.beaconId) } : {}),
      logger: logger.child({ component: 'beacon' }),
      ...(config.beaconAdvertise !== '' ? { advertiseAddr: config.beaconAdvertise } : {}),
      ...(config.adminToken !== ''
        ? {
            registry: tls
              ? // The beacon lives in this process: announce it directly, no TLS client needed.
                inProcessRegistrar(registry, config.adminToken)
              : {
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
    store: persisted ? config.store.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@') : ':memory:',
    tlsFingerprint: tls ? tls.fingerprint : null,
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

/** The TLS certificate to serve, from files or generated; undefined without TLS. */
function loadTls(
  config: RendezvousConfig,
  logger: Logger,
): { cert: string; key: string; fingerprint: string } | undefined {
  if ((config.tlsCert === '') !== (config.tlsKey === '')) {
    throw new UsageError('--tls-cert and --tls-key go together: give both, or neither');
  }
  if (config.tlsCert !== '') {
    let cert: string;
    let key: string;
    try {
      cert = readFileSync(config.tlsCert, 'utf8');
      key = readFileSync(config.tlsKey, 'utf8');
    } catch (cause) {
      throw new UsageError(`cannot read the TLS files: ${(cause as Error).message}`, { cause });
    }
    let fingerprint: string;
    try {
      fingerprint = certificateFingerprint(cert);
    } catch (cause) {
      throw new UsageError(`--tls-cert ${config.tlsCert} is not a PEM certificate`, { cause });
    }
    logger.info('registry TLS certificate loaded', { fingerprint });
    return { cert, key, fingerprint };
  }
  if (!config.tls) return undefined;
  const generated = generateSelfSignedCertificate();
  logger.info('registry TLS: generated a self-signed certificate; clients pin its SHA-256', {
    fingerprint: generated.fingerprint,
  });
  return generated;
}

/** The Ed25519 key (raw 32 bytes) the in-process registry holds for `nodeId`, if any. */
async function registeredKey(
  registry: RegistryServer,
  nodeId: number,
): Promise<Uint8Array | undefined> {
  const r = await registry.handleMessage({ type: 'lookup', node_id: nodeId }, '127.0.0.1');
  const key =
    typeof r['public_key'] === 'string' ? Buffer.from(r['public_key'], 'base64') : undefined;
  return key?.length === 32 ? new Uint8Array(key) : undefined;
}

/** Announces the co-located beacon through the registry object itself. */
function inProcessRegistrar(registry: RegistryServer, adminToken: string): BeaconRegistrar {
  return {
    beaconRegister(beaconId: number, addr: string): Promise<void> {
      registry.registerBeacon(beaconId, addr);
      return Promise.resolve();
    },
    async beaconList(): Promise<readonly BeaconListing[]> {
      const r = await registry.handleMessage(
        { type: 'beacon_list', admin_token: adminToken },
        '127.0.0.1',
      );
      const list = Array.isArray(r['beacons']) ? (r['beacons'] as unknown[]) : [];
      return list.flatMap((b) => {
        const o = b as { id?: unknown; addr?: unknown };
        return typeof o.id === 'number' && typeof o.addr === 'string'
          ? [{ id: o.id, addr: o.addr }]
          : [];
      });
    },
  };
}
