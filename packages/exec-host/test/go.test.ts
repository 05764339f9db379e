// Go interoperability: a plugin written in Go with HashiCorp's go-plugin library (Debian's
// packages), built here, runs under the host: it loads, answers a payload, calls back into the
// daemon through the broker, is restarted after kill -9 and shuts down cleanly.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { noopLogger } from '@mesh/daemonapi';
import { MemoryNetwork } from '@mesh/plugin-testkit';
import {
  MESH_PLUGIN_COOKIE,
  MESH_PROTOCOL_VERSIONS,
  ProcessPlugin,
  describePlugin,
} from '../src/index.js';
import { buildGoExample } from '@mesh/tooling/go-example';

let binary = '';
beforeAll(() => {
  binary = buildGoExample();
}, 300_000);
afterAll(() => rmSync(path.dirname(binary), { recursive: true, force: true }));

// Debian ships go-plugin 1.0.1, whose broker dials back without the AutoMTLS roots (fixed
// upstream in 1.4.4), so the Go plugin runs over its private unix socket without TLS.
const launch = { cookie: MESH_PLUGIN_COOKIE, versions: MESH_PROTOCOL_VERSIONS, autoMTLS: false };

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('a Go plugin on go-plugin', () => {
  it('describes itself over the mesh plugin protocol', async () => {
    const d = await describePlugin({ ...launch, path: binary, logger: noopLogger });
    expect(d).toMatchObject({ name: 'goecho', version: '0.1.0', payload_kinds: ['goecho.msg'] });
  });

  it('loads, answers a payload and a method through broker callbacks, survives kill -9, shuts down cleanly', async () => {
    const description = await describePlugin({ ...launch, path: binary, logger: noopLogger });
    const network = new MemoryNetwork();
    cleanups.push(() => network.close());
    const daemon = network.createDaemon({ name: 'host' });
    const plugin = new ProcessPlugin({
      ...launch,
      path: binary,
      name: 'goecho',
      description,
      restart: { initialDelayMs: 10 },
    });
    await daemon.loadPlugins([plugin]);

    const sub = daemon.bus().subscribe('goecho.*');
    const next = sub[Symbol.asyncIterator]().next();
    const result = await daemon.deliverPayload(9, {
      kind: 'goecho.msg',
      body: new TextEncoder().encode('hello go'),
    });
    expect(result.status).toBe('handled');
    expect((await next).value).toMatchObject({
      topic: 'goecho.got',
      payload: { source: 9, text: 'hello go', lang: 'go' },
    });
    sub.close();

    const pong = (await daemon.callMethod('goecho.ping', { n: 1 })) as Record<string, unknown>;
    expect(pong).toMatchObject({
      pong: { n: 1 },
      node: daemon.nodeId(),
      lang: 'go',
      pid: plugin.status().pid,
    });

    const pid = plugin.status().pid;
    const restarted = plugin.restarted();
    process.kill(pid, 'SIGKILL');
    await restarted;
    expect(plugin.status()).toMatchObject({ state: 'running', restarts: 1 });
    const again = (await daemon.callMethod('goecho.ping', 2)) as Record<string, unknown>;
    expect(again['pid']).toBe(plugin.status().pid);
    expect(again['pid']).not.toBe(pid);

    const proc = plugin.process;
    await daemon.unloadPlugins({ timeoutMs: 5000 });
    // Clean: the controller's Shutdown made it exit by itself, no SIGKILL needed.
    expect(await proc?.exited).toBe('exit code 0');
    expect(daemon.resources().methods).not.toContain('goecho.ping');
  }, 120_000);
});
