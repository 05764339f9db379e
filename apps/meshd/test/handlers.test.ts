import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect } from '@mesh/client';
import type { MeshClient } from '@mesh/client';
import { IpcServer, MethodRegistry } from '@mesh/ipc';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerHandshakeHandlers } from '../src/ipc/handlers/handshake.js';
import { registerNodeHandlers } from '../src/ipc/handlers/node.js';
import {
  bridgePluginMethods,
  registerDiagHandler,
  registerPluginHandlers,
} from '../src/ipc/handlers/plugins.js';
import { StreamHub } from '../src/ipc/handlers/streams.js';
import { ConnectionEventLog } from '../src/lifecycle/event-log.js';
import { LinkMonitor } from '../src/daemon/link-monitor.js';
import { StubEngine } from './stub-engine.js';

let dir: string;
let engine: StubEngine;
let hub: StreamHub;
let server: IpcServer;
const clients: MeshClient[] = [];

async function client(): Promise<MeshClient> {
  const c = await connect(path.join(dir, 'mesh.sock'));
  clients.push(c);
  return c;
}

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'meshd-h-'));
  engine = new StubEngine();
  const registry = new MethodRegistry();
  hub = new StreamHub(engine);
  hub.register(registry);
  engine.settings.hostname = 'alpha';
  registerNodeHandlers(
    registry,
    engine,
    { url: '' },
    { pid: 42, registryState: () => 'connected' },
  );
  registerHandshakeHandlers(registry, engine);
  registerPluginHandlers(registry, engine);
  const log = new ConnectionEventLog({ file: path.join(dir, 'events.jsonl') });
  const links = new LinkMonitor(log);
  links.record('connect', 'registry');
  registerDiagHandler(registry, log, links);
  bridgePluginMethods(registry, engine);
  server = new IpcServer({
    socketPath: path.join(dir, 'mesh.sock'),
    registry,
    daemonVersion: 'test',
  });
  await server.listen();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await server.close();
  hub.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('meshd IPC handlers', () => {
  it('info maps the engine snapshot; set.* change the settings through the engine', async () => {
    const c = await client();
    expect(await c.info()).toMatchObject({
      node_id: 1,
      address: '0:0000.0000.0001',
      hostname: 'alpha',
      pid: 42,
      public: false,
      registry_state: 'connected',
      encrypt: false,
      bytes_sent: 0,
    });
    await c.setHostname('gamma');
    await c.setVisibility(true);
    await c.setTags(['a', 'b']);
    await c.setWebhook('http://127.0.0.1:1/hook');
    expect(await c.info()).toMatchObject({
      hostname: 'gamma',
      public: true,
      tags: ['a', 'b'],
      webhook: 'http://127.0.0.1:1/hook',
    });
    expect(engine.webhook).toBe('http://127.0.0.1:1/hook');
    expect(engine.settings).toEqual({ hostname: 'gamma', public: true, tags: ['a', 'b'] });
    await expect(c.setTags(['1', '2', '3', '4'])).rejects.toMatchObject({
      code: 'invalid_argument',
    });
  });

  it('dials by hostname, address and node id; maps engine errors to stable codes', async () => {
    const c = await client();
    const s = await c.dial('beta', 1000);
    expect(s.remoteAddr).toBe('0:0000.0000.0002');
    expect((await c.dial('0:0000.0000.0007', 1)).remoteAddr).toBe('0:0000.0000.0007');
    expect((await c.dial('7', 1)).remoteAddr).toBe('0:0000.0000.0007');
    await expect(c.dial('nobody', 1000)).rejects.toMatchObject({ code: 'not_found' });
    await expect(c.dial('beta', 9)).rejects.toMatchObject({
      code: 'connection_failed',
      details: { engine_code: 'CONNECTION_REFUSED' },
    });
    await expect(c.dial('1:0001.zz', 1)).rejects.toMatchObject({ code: 'invalid_argument' });
  });

  it('moves bytes both ways and propagates FIN', async () => {
    const c = await client();
    const s = await c.dial('beta', 1000);
    const remote = engine.remoteEnds.at(-1)!;
    const got: Buffer[] = [];
    remote.on('data', (b: Buffer) => got.push(b));
    const remoteEnded = new Promise((r) => remote.once('end', r));
    s.end('hello');
    await remoteEnded;
    expect(Buffer.concat(got).toString()).toBe('hello');
    const back = new Promise<string>((resolve) => {
      const parts: Buffer[] = [];
      s.on('data', (b: Buffer) => parts.push(b));
      s.once('end', () => resolve(Buffer.concat(parts).toString()));
    });
    remote.end('world');
    expect(await back).toBe('world');
  });

  it('delivers accepted connections and datagrams to the listening client only', async () => {
    const a = await client();
    const b = await client();
    const listener = await a.listen(1000);
    await expect(b.listen(1000)).rejects.toMatchObject({ code: 'already_exists' });
    const remote = engine.inbound(1000);
    remote.end('inbound hello');
    const s = (await listener.accept())!;
    expect(s.remoteAddr).toBe('0:0000.0000.0009');
    const parts: Buffer[] = [];
    for await (const chunk of s) parts.push(chunk as Buffer);
    expect(Buffer.concat(parts).toString()).toBe('inbound hello');
    const dgram = new Promise((r) => a.onDatagram(r));
    let bGot = 0;
    b.onDatagram(() => bGot++);
    for (const fn of engine.datagramFns)
      fn({ src: { network: 0, node: 9 }, srcPort: 5, dstPort: 1000, data: Buffer.from('dg') });
    expect(await dgram).toMatchObject({
      srcAddr: '0:0000.0000.0009',
      dstPort: 1000,
      data: Buffer.from('dg'),
    });
    expect(bGot).toBe(0);
    expect(await b.sendTo('beta', 33, 'x')).toBe(1);
    expect(engine.sent[0]).toMatchObject({ dst: { network: 0, node: 2 }, port: 33 });
  });

  it("releases a vanished client's connections and ports, mid-transfer", async () => {
    const a = await client();
    const survivor = await client();
    await a.listen(2000);
    const s = await a.dial('beta', 1000);
    s.write(Buffer.alloc(64 * 1024));
    const remote = engine.remoteEnds.at(-1)!;
    await new Promise((r) => remote.once('data', r));
    expect(hub.stats()).toEqual({ connections: 1, ports: 1, pendingAttaches: 0 });
    remote.write(Buffer.alloc(256 * 1024)); // data in flight towards the client
    a.ipc.pauseReading();
    await a.close();
    await expect.poll(() => hub.stats()).toEqual({ connections: 0, ports: 0, pendingAttaches: 0 });
    expect(engine.listeners.has(2000)).toBe(false);
    expect(engine.localEnds.at(-1)!.destroyed).toBe(true);
    await survivor.listen(2000);
    expect((await survivor.info()).node_id).toBe(1);
  });

  it("ends (FIN) rather than resets a client's connections once the daemon is stopping", async () => {
    const a = await client();
    const stream = await a.dial('beta', 1000);
    // Losing the daemon is an error on the SDK side of every stream (the client's contract).
    const clientSideClosed = new Promise<Error>((r) => stream.once('error', r));
    const local = engine.localEnds.at(-1)!;
    const remote = engine.remoteEnds.at(-1)!;
    const remoteEnded = new Promise((r) => remote.once('end', r));
    remote.resume();
    hub.dispose(); // what Meshd.stop does before closing IPC
    await server.close();
    await remoteEnded; // the stub carries end() as end-of-stream; destroy() would carry nothing
    expect(local.writableEnded).toBe(true);
    expect(local.destroyed).toBe(false);
    expect(await clientSideClosed).toMatchObject({ code: 'connection_closed' });
  });

  it('answers every handshake command with "no handshake plugin loaded" when none is', async () => {
    const c = await client();
    const calls = [
      c.handshake.send('beta', 'hi'),
      c.handshake.approve(2),
      c.handshake.reject(2),
      c.handshake.pending(),
      c.handshake.trusted(),
      c.handshake.revoke(2),
    ];
    for (const call of calls)
      await expect(call).rejects.toMatchObject({
        code: 'unavailable',
        message: 'no handshake plugin loaded',
      });
  });

  it('forwards handshake commands to the plugin service when one is registered', async () => {
    const requests: [number, string][] = [];
    engine.handshake = {
      sendRequest: async (n: number, j: string) => void requests.push([n, j]),
      pendingRequests: () => [
        { nodeId: 3, publicKey: 'k', justification: 'pls', receivedAt: 5000 },
      ],
      trustedPeers: () => [
        { nodeId: 4, publicKey: '', approvedAt: 7000, mutual: true, network: 0 },
      ],
      approveHandshake: async () => {},
      rejectHandshake: async () => {},
      revokeTrust: async () => {},
    } as never;
    const c = await client();
    expect(await c.handshake.send('beta', 'hello')).toEqual({ status: 'sent', node_id: 2 });
    expect(requests).toEqual([[2, 'hello']]);
    expect(await c.handshake.pending()).toEqual([
      { node_id: 3, public_key: 'k', justification: 'pls', received_at: 5 },
    ]);
    expect(await c.handshake.trusted()).toEqual([
      { node_id: 4, public_key: '', approved_at: 7, mutual: true, network: 0 },
    ]);
    expect(await c.handshake.revoke(4)).toEqual({ status: 'revoked', node_id: 4 });
  });

  it('serves plugin-registered methods and lists them; unloaded ones are method_not_found', async () => {
    engine.pluginMethods.set('hello.greet', (p) => ({ hi: (p as { name: string }).name }));
    const c = await client();
    expect(await c.ipc.callRaw('hello.greet', { name: 'x' })).toEqual({ hi: 'x' });
    expect(await c.plugins()).toEqual([
      { name: 'hello', version: '1.2.3', methods: ['hello.greet'] },
    ]);
    engine.pluginMethods.clear();
    await expect(c.ipc.callRaw('hello.greet', {})).rejects.toMatchObject({
      code: 'method_not_found',
    });
  });

  it('diag reports link states and recent events', async () => {
    const c = await client();
    const d = await c.diag();
    expect(d.summary['registry']).toMatchObject({ state: 'connected' });
    expect(d.events.map((e) => e.type)).toEqual(['connect']);
    expect(d.on_disk_count).toBe(1);
    await expect(c.disconnect(999)).rejects.toMatchObject({ code: 'not_found' });
  });
});
