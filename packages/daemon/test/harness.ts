// In-process rendezvous (registry + beacon) and N daemons on OS-assigned loopback ports.
// Everything waits on ready signals (listen() / start() resolving, bus events), never sleeps.
import { Beacon } from '@mesh/beacon';
import { MemoryStore, RegistryServer } from '@mesh/registry';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { Daemon } from '../src/daemon/daemon.js';
import type { DaemonOptions } from '../src/daemon/options.js';

/** A running registry + beacon pair. */
export interface Rendezvous {
  registry: RegistryServer;
  beacon: Beacon;
  registryAddr: string;
  beaconAddr: string;
  beaconWsUrl: string;
  store: MemoryStore;
  /** Stops the registry and starts a new one on the same port over the same store. */
  restartRegistry(): Promise<void>;
  /** Stops only the registry (until `startRegistry`). */
  stopRegistry(): Promise<void>;
  /** Starts the registry again on the same port over the same store (or an empty one). */
  startRegistry(options?: { emptyStore?: boolean }): Promise<void>;
  /**
   * Restarts the whole rendezvous as its process would: registry and beacon stop (dropping every
   * connection and binding), then start again on the same ports, beacon first.
   */
  restart(options?: { emptyStore?: boolean }): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts a registry and a beacon (UDP + WebSocket) on loopback.
 * @param options.requireProof the beacon binds a node only on proof of its registered key
 *   (checked against the registry, as the rendezvous app does), never from a Discover or relay
 */
export async function startRendezvous(
  options: { adminToken?: string; requireProof?: boolean } = {},
): Promise<Rendezvous> {
  let store = new MemoryStore();
  const extra = options.adminToken === undefined ? {} : { adminToken: options.adminToken };
  let registry = new RegistryServer({ host: '127.0.0.1', port: 0, store, ...extra });
  const addr = await registry.listen();
  const proof =
    options.requireProof === true
      ? {
          requireProof: true,
          nodeKey: async (id: number): Promise<Uint8Array | undefined> => {
            const r = await registry.handleMessage({ type: 'lookup', node_id: id }, '127.0.0.1');
            const key =
              typeof r['public_key'] === 'string'
                ? Buffer.from(r['public_key'], 'base64')
                : undefined;
            return key?.length === 32 ? new Uint8Array(key) : undefined;
          },
        }
      : {};
  let beacon = new Beacon({
    udp: { host: '127.0.0.1', port: 0 },
    ws: { host: '127.0.0.1', port: 0 },
    ...proof,
  });
  await beacon.listen();
  const b = beacon.address();
  const r: Rendezvous = {
    registry,
    beacon,
    registryAddr: `127.0.0.1:${addr.port}`,
    beaconAddr: `127.0.0.1:${b.udp!.port}`,
    beaconWsUrl: b.ws!.url,
    store,
    stopRegistry: async () => {
      await registry.close();
    },
    startRegistry: async ({ emptyStore = false } = {}) => {
      if (emptyStore) r.store = store = new MemoryStore();
      registry = new RegistryServer({ host: '127.0.0.1', port: addr.port, store, ...extra });
      await registry.listen();
      r.registry = registry;
    },
    restart: async (restartOptions = {}) => {
      await registry.close();
      await beacon.close();
      beacon = new Beacon({
        udp: { host: '127.0.0.1', port: b.udp!.port },
        ws: { host: '127.0.0.1', port: b.ws!.port },
        ...proof,
      });
      await beacon.listen();
      r.beacon = beacon;
      await r.startRegistry(restartOptions);
    },
    restartRegistry: async () => {
      await r.stopRegistry();
      await r.startRegistry();
    },
    close: async () => {
      await registry.close();
      await beacon.close();
    },
  };
  return r;
}

/** A started daemon plus its temp state directory. */
export interface TestDaemon {
  daemon: Daemon;
  dir: string;
  stop(): Promise<void>;
}

/** Fast timers for tests (the reference values make tests slow, not different). */
export const FAST: Partial<DaemonOptions> = {
  keepaliveMs: 60_000,
};

/** Starts one daemon against the rendezvous with its own temp state directory. */
export async function startDaemon(
  rv: Rendezvous,
  extra: Partial<DaemonOptions> = {},
  beforeStart: (daemon: Daemon) => void = () => {},
): Promise<TestDaemon> {
  const dir = await mkdtemp(path.join(tmpdir(), 'mesh-daemon-'));
  const daemon = new Daemon({
    registry: rv.registryAddr,
    beacon: rv.beaconAddr,
    listen: '127.0.0.1:0',
    identityPath: path.join(dir, 'identity.json'),
    public: true,
    loadPlugins: false,
    ...FAST,
    ...extra,
  });
  beforeStart(daemon);
  await daemon.start();
  return {
    daemon,
    dir,
    stop: async () => {
      await daemon.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Starts `n` daemons. */
export async function startDaemons(
  rv: Rendezvous,
  n: number,
  extra: Partial<DaemonOptions> = {},
): Promise<TestDaemon[]> {
  const out: TestDaemon[] = [];
  for (let i = 0; i < n; i++) out.push(await startDaemon(rv, extra));
  return out;
}

/** A rendezvous and two daemons shared by every test of a file. */
export interface DaemonPair {
  readonly rv: Rendezvous;
  readonly a: TestDaemon;
  readonly b: TestDaemon;
}

/**
 * Starts a rendezvous and two daemons before the file's tests and stops them after.
 * @returns the pair (its fields are set once `beforeAll` ran)
 */
export function useDaemonPair(extra: Partial<DaemonOptions> = {}): DaemonPair {
  const pair = {} as { rv: Rendezvous; a: TestDaemon; b: TestDaemon };
  beforeAll(async () => {
    pair.rv = await startRendezvous();
    [pair.a, pair.b] = await startDaemons(pair.rv, 2, extra);
  });
  afterAll(async () => {
    await pair.a?.stop();
    await pair.b?.stop();
    await pair.rv?.close();
  });
  return pair;
}
