// meshd with the real engine and the webhook plugin it ships: set-webhook end to end, info
// counters, events.subscribe over IPC, lifecycle events and the SIGHUP reload of webhook state.
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect } from '@mesh/client';
import type { MeshClient, MeshEvent } from '@mesh/client';
import { MemoryStore, RegistryServer } from '@mesh/registry';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfigFile, resolveConfig } from '../src/config/config.js';
import { Meshd } from '../src/daemon/meshd.js';
import { createLogger } from '../src/logging/logger.js';
import '../src/plugins.js'; // the plugins meshd ships, as its binary has them
import { createEngine } from '../src/main.js';

let dir: string;
let registry: RegistryServer;
let registryPort = 0;
let sink: Server;
let sinkUrl: string;
let received: { event: string; event_id: number; data: Record<string, unknown> }[];
let waiters: (() => void)[];
const cleanups: (() => Promise<void>)[] = [];

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'meshd-ev-'));
  registry = new RegistryServer({ host: '127.0.0.1', port: 0, store: new MemoryStore() });
  registryPort = (await registry.listen()).port;
  received = [];
  waiters = [];
  sink = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      received.push(JSON.parse(body) as (typeof received)[number]);
      res.writeHead(204).end();
      for (const w of waiters.splice(0)) w();
    });
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/hook`;
});

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  sink.closeAllConnections();
  await new Promise<void>((r) => sink.close(() => r()));
  await registry.close();
  rmSync(dir, { recursive: true, force: true });
});

async function untilReceived(check: () => boolean): Promise<void> {
  while (!check()) await new Promise<void>((r) => waiters.push(r));
}

async function startMeshd(configObj: Record<string, unknown> = {}) {
  const configPath = path.join(dir, 'meshd.json');
  const port = registryPort;
  writeFileSync(
    configPath,
    JSON.stringify({ registry: `127.0.0.1:${port}`, listen: '127.0.0.1:0', ...configObj }),
  );
  const flags = { config: configPath };
  const env = { MESH_HOME: path.join(dir, 'home') };
  const config = resolveConfig(flags, await loadConfigFile(configPath), env);
  const logger = createLogger({ level: 'error', format: 'json', write: () => {} });
  const meshd = new Meshd({ config, flags, logger, createEngine, version: 'test' });
  await meshd.start();
  const client = await connect(meshd.socketPath);
  cleanups.push(async () => {
    await client.close();
    await meshd.stop();
  });
  return { meshd, client, configPath, home: env.MESH_HOME };
}

async function take(stream: AsyncIterable<MeshEvent>, topic: string): Promise<MeshEvent> {
  for await (const e of stream) if (e.topic === topic) return e;
  throw new Error(`stream ended before ${topic}`);
}

describe('meshd events', () => {
  it('ships the webhook plugin: set-webhook delivers bus events and info shows the counters', async () => {
    const { meshd, client, home } = await startMeshd();
    expect((await client.plugins()).map((p) => p.name)).toContain('webhook');
    expect(await client.setWebhook(sinkUrl)).toBe(sinkUrl);
    await meshd.reload(); // publishes daemon.reload, which the webhook forwards
    await untilReceived(() => received.some((b) => b.event === 'daemon.reload'));
    const info = await client.info();
    expect(info.webhook).toBe(sinkUrl);
    expect(info.webhook_stats.delivered).toBeGreaterThanOrEqual(1);
    expect(info.webhook_stats).toMatchObject({ dropped: 0, failed: 0, circuit_skips: 0 });
    // The URL is persisted (0600) in the plugin's data directory.
    // (set-webhook answers before the write lands: the contract's setUrl is synchronous.)
    const state = path.join(home, 'plugins', 'webhook', 'webhook.json');
    await expect
      .poll(() => (existsSync(state) ? JSON.parse(readFileSync(state, 'utf8')) : {}))
      .toMatchObject({ url: sinkUrl });
    expect(statSync(state).mode & 0o777).toBe(0o600);
  });

  it('refuses metadata targets with invalid_argument and keeps the old URL', async () => {
    const { client } = await startMeshd();
    await client.setWebhook(sinkUrl);
    await expect(client.setWebhook('http://169.254.169.254/latest')).rejects.toMatchObject({
      code: 'invalid_argument',
    });
    await expect(client.setWebhook('http://metadata.google.internal/')).rejects.toMatchObject({
      code: 'invalid_argument',
    });
    expect((await client.info()).webhook).toBe(sinkUrl);
  });

  it('restores the persisted URL after a restart and applies a state-file edit on reload', async () => {
    const first = await startMeshd({ webhook: sinkUrl });
    const home = first.home;
    await first.client.close();
    await first.meshd.stop();
    cleanups.splice(0);
    const { meshd, client } = await startMeshd();
    expect((await client.info()).webhook).toBe(sinkUrl);
    // An operator edits the state file (topic allow-list) and sends SIGHUP (meshd.reload).
    const state = path.join(home, 'plugins', 'webhook', 'webhook.json');
    writeFileSync(state, JSON.stringify({ url: sinkUrl, topics: ['daemon.wake'], secret: '' }));
    await meshd.reload();
    const status = async () =>
      (await client.ipc.callRaw('webhook.status', {})) as { topics: string[] };
    while ((await status()).topics.length === 0) await new Promise((r) => setImmediate(r));
    expect((await status()).topics).toEqual(['daemon.wake']);
  });

  it('streams bus events to IPC subscribers, with meshd lifecycle topics', async () => {
    const { meshd, client } = await startMeshd();
    const all = await client.events();
    const daemonOnly = await client.events('daemon.*');
    await meshd.reload();
    const e = await take(all, 'daemon.reload');
    expect(e.nodeId).toBeGreaterThan(0);
    expect(typeof e.time).toBe('number');
    expect((await daemonOnly.next())?.topic).toBe('daemon.reload');
    await all.close();
    await daemonOnly.close();
    expect(await all.next()).toBeUndefined();
  });

  it('a subscriber that never reads loses events, counted, without slowing the daemon', async () => {
    const { meshd, client } = await startMeshd();
    const slow = await client.events('daemon.*', { bufferSize: 2 });
    for (let i = 0; i < 10; i++) await meshd.reload();
    // Everything else keeps answering while the slow subscription is full.
    expect((await client.info()).node_id).toBeGreaterThan(0);
    const other: MeshClient = await connect(meshd.socketPath);
    cleanups.push(() => other.close());
    const fresh = await other.events('daemon.reload');
    await meshd.reload();
    expect((await fresh.next())?.topic).toBe('daemon.reload');
    expect(slow.dropped).toBeGreaterThanOrEqual(10 - 2 - 2);
    await slow.close();
  });

  it('rejects a bad pattern and unknown unsubscribe ids', async () => {
    const { client } = await startMeshd();
    await expect(client.events('a b')).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(
      client.ipc.call('events.unsubscribe', { subscription: 'ev-999' }),
    ).rejects.toMatchObject({ code: 'not_found' });
  });
});
