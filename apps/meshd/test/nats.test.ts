// The opt-in NATS plugin inside meshd with the real engine: events on NATS, `nats.status`
// over IPC, and the allow-listed command subject, against a real nats-server (token auth).
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect } from '@mesh/client';
import '@mesh/plugin-nats';
import { MemoryStore, RegistryServer } from '@mesh/registry';
import { connect as natsConnect } from 'nats';
import type { NatsConnection } from 'nats';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfigFile, resolveConfig } from '../src/config/config.js';
import { Meshd } from '../src/daemon/meshd.js';
import { createLogger } from '../src/logging/logger.js';
import '../src/plugins.js'; // the plugins meshd ships, as its binary has them
import { createEngine } from '../src/main.js';

const TOKEN = 'mesh-test-token';
let dir: string;
let registry: RegistryServer;
let registryPort = 0;
let server: ChildProcess;
let natsUrl: string;
let observer: NatsConnection;
const cleanups: (() => Promise<void>)[] = [];

function natsServerBinary(): string {
  try {
    return execFileSync('sh', ['-c', 'command -v nats-server || ls /usr/sbin/nats-server'], {
      encoding: 'utf8',
    }).trim();
  } catch {
    throw new Error(
      'nats-server is missing: install it with "apt-get update && apt-get install -y nats-server" (.ci/run does)',
    );
  }
}

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'meshd-nats-'));
  registry = new RegistryServer({ host: '127.0.0.1', port: 0, store: new MemoryStore() });
  registryPort = (await registry.listen()).port;
  server = spawn(natsServerBinary(), ['-a', '127.0.0.1', '-p', '-1', '--auth', TOKEN], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let log = '';
    server.stderr!.on('data', (c: Buffer) => {
      log += c.toString('utf8');
      const m = /Listening for client connections on [\d.]+:(\d+)/.exec(log);
      if (m && /Server is ready/.test(log)) resolve(Number(m[1]));
    });
    server.once('exit', () => reject(new Error(`nats-server exited:\n${log}`)));
  });
  natsUrl = `nats://127.0.0.1:${port}`;
  observer = await natsConnect({ servers: natsUrl, token: TOKEN });
});

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await observer.close();
  const exited = new Promise((r) => server.once('exit', r));
  server.kill('SIGTERM');
  await exited;
  await registry.close();
  rmSync(dir, { recursive: true, force: true });
});

async function startMeshd() {
  const home = path.join(dir, 'home');
  const pluginDir = path.join(home, 'plugins', 'nats');
  mkdirSync(pluginDir, { recursive: true, mode: 0o700 });
  writeFileSync(
    path.join(pluginDir, 'nats.json'),
    JSON.stringify({
      servers: [natsUrl],
      prefix: 'fleet',
      commands: { enabled: true, allow: ['ping'] },
    }),
  );
  writeFileSync(path.join(pluginDir, 'credentials.json'), JSON.stringify({ token: TOKEN }), {
    mode: 0o600,
  });
  const configPath = path.join(dir, 'meshd.json');
  const port = registryPort;
  writeFileSync(
    configPath,
    JSON.stringify({ registry: `127.0.0.1:${port}`, listen: '127.0.0.1:0' }),
  );
  const flags = { config: configPath };
  const config = resolveConfig(flags, await loadConfigFile(configPath), { MESH_HOME: home });
  const logger = createLogger({ level: 'error', format: 'json', write: () => {} });
  const meshd = new Meshd({ config, flags, logger, createEngine, version: 'test' });
  await meshd.start();
  const client = await connect(meshd.socketPath);
  cleanups.push(async () => {
    await client.close();
    await meshd.stop();
  });
  return { meshd, client };
}

describe('meshd with @mesh/plugin-nats', () => {
  it('publishes bus events on fleet.<node_id>.<topic> and reports its state over IPC', async () => {
    const { meshd, client } = await startMeshd();
    const nodeId = (await client.info()).node_id;
    const sub = observer.subscribe(`fleet.${nodeId}.daemon.>`);
    await observer.flush();
    const status = async () =>
      (await client.ipc.callRaw('nats.status', {})) as {
        state: string;
        events: { type: string }[];
        credential: { kind: string };
      };
    while ((await status()).state !== 'connected') await new Promise((r) => setTimeout(r, 10));
    await meshd.reload();
    for await (const m of sub) {
      const body = JSON.parse(new TextDecoder().decode(m.data)) as Record<string, unknown>;
      expect(m.subject).toBe(`fleet.${nodeId}.daemon.reload`);
      expect(body).toMatchObject({ event: 'daemon.reload', node_id: nodeId });
      break;
    }
    const s = await status();
    expect(s.credential.kind).toBe('token');
    expect(s.events.map((e) => e.type)).toContain('connect');
  });

  it('answers allow-listed commands and refuses the rest', async () => {
    const { client } = await startMeshd();
    const nodeId = (await client.info()).node_id;
    while (
      ((await client.ipc.callRaw('nats.status', {})) as { state: string }).state !== 'connected'
    )
      await new Promise((r) => setTimeout(r, 10));
    const ask = async (body: unknown) =>
      JSON.parse(
        new TextDecoder().decode(
          (
            await observer.request(
              `fleet.${nodeId}.cmd`,
              new TextEncoder().encode(JSON.stringify(body)),
              { timeout: 5000 },
            )
          ).data,
        ),
      ) as Record<string, unknown>;
    expect(await ask({ method: 'ping' })).toEqual({ result: { pong: true, node_id: nodeId } });
    expect(await ask({ method: 'set_webhook', params: { url: 'http://x' } })).toMatchObject({
      error: { code: 'METHOD_NOT_ALLOWED' },
    });
  });
});
