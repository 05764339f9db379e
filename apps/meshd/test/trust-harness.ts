// The trust plugins on real engines in this process: an in-memory registry and a beacon on
// loopback, daemons with real UDP tunnels, the plugins initialised the way loadAll does it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Beacon } from '@mesh/beacon';
import { Daemon, type DaemonOptions } from '@mesh/daemon';
import { noopLogger, type Daemon as ApiDaemon } from '@mesh/daemonapi';
import {
  HandshakePlugin,
  type HandshakeManager,
  type HandshakeOptions,
} from '@mesh/plugin-handshake';
import { TrustedAgentsPlugin, type TrustedAgentsOptions } from '@mesh/plugin-trustedagents';
import { MemoryStore, RegistryServer } from '@mesh/registry';

/** A registry + beacon pair on loopback. */
export interface Rendezvous {
  readonly registryAddr: string;
  readonly beaconAddr: string;
  readonly adminToken: string;
  close(): Promise<void>;
}

/** Starts a registry (in-memory store, admin token set) and a UDP beacon. */
export async function startRendezvous(): Promise<Rendezvous> {
  const adminToken = 'trust-test-admin';
  const registry = new RegistryServer({
    host: '127.0.0.1',
    port: 0,
    store: new MemoryStore(),
    adminToken,
    registrationsPerMinute: 10_000,
  });
  const addr = await registry.listen();
  const beacon = new Beacon({ udp: { host: '127.0.0.1', port: 0 } });
  await beacon.listen();
  return {
    registryAddr: `127.0.0.1:${addr.port}`,
    beaconAddr: `127.0.0.1:${beacon.address().udp!.port}`,
    adminToken,
    close: async () => {
      await registry.close();
      await beacon.close();
    },
  };
}

/** Options of {@link startNode}. */
export interface NodeOptions {
  /** Engine options (private by default). */
  readonly engine?: Partial<DaemonOptions>;
  /** Load the handshake plugin. @defaultValue true */
  readonly handshake?: boolean | HandshakeOptions;
  /** Load the trusted-agents plugin with these options. */
  readonly agents?: TrustedAgentsOptions;
  /** Reuse this state directory (restart tests). */
  readonly dir?: string;
}

/** A running daemon with its plugins. */
export interface TrustNode {
  readonly daemon: Daemon;
  readonly dir: string;
  readonly handshake: HandshakeManager | undefined;
  readonly agents: TrustedAgentsPlugin | undefined;
  /** Shuts the plugins down and stops the engine; keeps the directory. */
  stop(): Promise<void>;
  /** `stop` and remove the directory. */
  destroy(): Promise<void>;
}

/** Fast relay polling for tests (the reference polls on each heartbeat). */
export const FAST_POLL: HandshakeOptions = { pollIntervalMs: 150, fastPollIntervalMs: 100 };

/**
 * Starts a daemon against `rv` and initialises the requested plugins with a data directory
 * under its state directory, as the engine's plugin host does.
 */
export async function startNode(rv: Rendezvous, options: NodeOptions = {}): Promise<TrustNode> {
  const dir = options.dir ?? (await mkdtemp(path.join(tmpdir(), 'mesh-trust-node-')));
  const daemon = new Daemon({
    registry: rv.registryAddr,
    beacon: rv.beaconAddr,
    listen: '127.0.0.1:0',
    identityPath: path.join(dir, 'identity.json'),
    public: false,
    loadPlugins: false,
    ...options.engine,
  });
  await daemon.start();
  const api = daemon as unknown as ApiDaemon;
  const abort = new AbortController();
  const context = (name: string) => ({
    logger: noopLogger,
    signal: abort.signal,
    dataDir: path.join(dir, 'plugins', name),
  });
  let agents: TrustedAgentsPlugin | undefined;
  let handshake: HandshakePlugin | undefined;
  try {
    if (options.agents !== undefined) {
      agents = new TrustedAgentsPlugin(options.agents);
      await agents.init(api, context('trustedagents'));
    }
    if (options.handshake !== false) {
      handshake = new HandshakePlugin(
        typeof options.handshake === 'object' ? options.handshake : FAST_POLL,
      );
      handshake.init(api, context('handshake'));
    }
  } catch (error) {
    await agents?.shutdown();
    await daemon.stop();
    throw error;
  }
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    abort.abort();
    await handshake?.shutdown(AbortSignal.timeout(5000));
    await agents?.shutdown();
    await daemon.stop();
  };
  return {
    daemon,
    dir,
    handshake: handshake?.service,
    agents,
    stop,
    destroy: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The next event on `daemon`'s bus matching `pattern` and `pred`. */
export function nextEvent(
  daemon: Daemon,
  pattern: string,
  pred: (payload: Record<string, unknown>) => boolean = () => true,
): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const off = daemon.bus().on(pattern, (e) => {
      const payload = e.payload as Record<string, unknown>;
      if (!pred(payload)) return;
      off();
      resolve(payload);
    });
  });
}

/** Collects every event matching `pattern` until `stop()`. */
export function collectEvents(
  daemon: Daemon,
  pattern: string,
): {
  readonly events: { topic: string; payload: Record<string, unknown> }[];
  stop(): void;
} {
  const events: { topic: string; payload: Record<string, unknown> }[] = [];
  const off = daemon.bus().on(pattern, (e) => {
    events.push({ topic: e.topic, payload: e.payload });
  });
  return { events, stop: off };
}

/** Echo round trip on port 7. */
export async function echo(from: Daemon, to: Daemon, text: string): Promise<string> {
  const conn = await from.dial(to.addr(), 7);
  return new Promise((resolve, reject) => {
    let got = '';
    conn.on('data', (c: Buffer) => (got += c.toString()));
    conn.on('end', () => resolve(got));
    conn.on('error', reject);
    conn.end(text);
  });
}
