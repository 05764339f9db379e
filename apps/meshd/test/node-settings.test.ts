// Node settings changed at runtime (set.* over IPC, SIGHUP reload) reach the engine that enforces
// them: real meshd + real engine + a real registry and beacon on loopback, and a stranger daemon.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Beacon } from '@mesh/beacon';
import { connect } from '@mesh/client';
import type { MeshClient } from '@mesh/client';
import { Daemon } from '@mesh/daemon';
import { MemoryStore, RegistryServer } from '@mesh/registry';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfigFile, resolveConfig } from '../src/config/config.js';
import type { MeshdFlags } from '../src/config/flags.js';
import { Meshd } from '../src/daemon/meshd.js';
import type { MeshdEngine } from '../src/daemon/meshd.js';
import { createLogger } from '../src/logging/logger.js';

let dir: string;
let registry: RegistryServer;
let beacon: Beacon;
let registryAddr: string;
let beaconAddr: string;
const closers: (() => Promise<unknown>)[] = [];

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'meshd-settings-'));
  registry = new RegistryServer({ host: '127.0.0.1', port: 0, store: new MemoryStore() });
  registryAddr = `127.0.0.1:${(await registry.listen()).port}`;
  beacon = new Beacon({ udp: { host: '127.0.0.1', port: 0 } });
  await beacon.listen();
  beaconAddr = `127.0.0.1:${beacon.address().udp!.port}`;
});

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await registry.close();
  await beacon.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A meshd with the real engine; `file` becomes its config file (SIGHUP reload re-reads it). */
async function startMeshd(
  file: Record<string, unknown>,
): Promise<{ meshd: Meshd; client: MeshClient; engine: Daemon; configPath: string }> {
  const configPath = path.join(dir, 'meshd.json');
  writeFileSync(configPath, JSON.stringify(file));
  const flags: MeshdFlags = {
    config: configPath,
    registry: registryAddr,
    beacon: beaconAddr,
    listen: '127.0.0.1:0',
  };
  const config = resolveConfig(flags, await loadConfigFile(configPath), {
    MESH_HOME: path.join(dir, 'home'),
  });
  let engine: Daemon | undefined;
  const meshd = new Meshd({
    config,
    flags,
    logger: createLogger({ level: 'error', format: 'json', write: () => {} }),
    createEngine: (c): MeshdEngine => {
      engine = new Daemon({
        registry: c.registry,
        beacon: c.beacon!,
        listen: c.listen,
        identityPath: c.identity,
        stateDir: c.home,
        public: c.public,
        ...(c.hostname === '' ? {} : { hostname: c.hostname }),
        reregisterAfterFailures: 1,
      });
      return engine;
    },
    version: 'test',
  });
  await meshd.start();
  closers.push(() => meshd.stop('test'));
  const client = await connect(meshd.socketPath);
  closers.push(() => client.close());
  return { meshd, client, engine: engine!, configPath };
}

/** A private daemon that neither trusts nor shares a network with anyone. */
async function startStranger(): Promise<Daemon> {
  const stranger = new Daemon({
    registry: registryAddr,
    beacon: beaconAddr,
    listen: '127.0.0.1:0',
    identityPath: path.join(dir, 'stranger', 'identity.json'),
    loadPlugins: false,
  });
  await stranger.start();
  closers.push(() => stranger.stop());
  return stranger;
}

/** Dials the echo service; resolves with the error code, or 'ok' after an echo round trip. */
async function dialEcho(from: Daemon, node: number): Promise<string> {
  try {
    const conn = await from.dial({ network: 0, node }, 7);
    conn.end('ping');
    for await (const chunk of conn)
      expect(Buffer.from(chunk as Uint8Array).toString()).toBe('ping');
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

describe('node settings changed at runtime', () => {
  it('a node started public and made private with set.visibility refuses a stranger', async () => {
    const { client } = await startMeshd({ public: true });
    const stranger = await startStranger();
    const target = (await client.info()).node_id;
    expect(await dialEcho(stranger, target)).toBe('ok');

    expect(await client.setVisibility(false)).toBe(false);
    expect(await dialEcho(stranger, target)).toBe('CONNECTION_REFUSED');
    expect((await client.info()).public).toBe(false);
  });

  it('a SIGHUP reload that makes the node private closes it to strangers too', async () => {
    const { meshd, client, configPath } = await startMeshd({ public: true });
    const stranger = await startStranger();
    const target = (await client.info()).node_id;
    expect(await dialEcho(stranger, target)).toBe('ok');
    writeFileSync(configPath, JSON.stringify({ public: false }));
    await meshd.reload();
    expect(await dialEcho(stranger, target)).toBe('CONNECTION_REFUSED');
  });

  it('a re-registration keeps the hostname, visibility and tags set at runtime', async () => {
    const { client, engine } = await startMeshd({ public: true, hostname: 'alpha' });
    const stranger = await startStranger();
    const id = (await client.info()).node_id;
    expect(await client.setHostname('alpha-2')).toBe('alpha-2');
    expect(await client.setVisibility(false)).toBe(false);
    expect(await client.setTags(['gpu', 'eu'])).toEqual(['gpu', 'eu']);

    // The registry forgets the node; the next heartbeat fails and the engine registers again.
    await engine.rawRegistryClient()!.deregister();
    expect(await engine.heartbeatNow()).toBe(true);

    const seen = await stranger.rawRegistryClient()!.lookup(id);
    expect(seen).toMatchObject({ hostname: 'alpha-2', public: false, tags: ['gpu', 'eu'] });
    expect(await client.info()).toMatchObject({
      node_id: id,
      hostname: 'alpha-2',
      public: false,
      tags: ['gpu', 'eu'],
    });
    expect(engine.info()).toMatchObject({ hostname: 'alpha-2' });
  });

  it('set.webhook without a webhook plugin fails like the handshake commands do', async () => {
    const { client } = await startMeshd({});
    await expect(client.setWebhook('http://127.0.0.1:9/hook')).rejects.toMatchObject({
      code: 'unavailable',
      message: 'no webhook plugin loaded',
    });
    expect((await client.info()).webhook).toBe('');
  });

  it('a webhook URL at start without a webhook plugin fails the start with a clear error', async () => {
    const err = await startMeshd({ webhook: 'http://127.0.0.1:9/hook' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'unavailable', message: 'no webhook plugin loaded' });
    expect((err as { hint?: string }).hint).toMatch(/webhook plugin/);
  });
});
