// The host against real plugin processes: handshake refusals, AutoMTLS, calls both ways,
// supervision and process-group kills.
import { randomBytes } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MemoryNetwork } from '@mesh/plugin-testkit';
import {
  MESH_PLUGIN_COOKIE,
  MESH_PROTOCOL_VERSIONS,
  ProcessPlugin,
  PluginProcess,
  describePlugin,
  sha256File,
  unary,
} from '../src/index.js';
import { noopLogger } from '@mesh/daemonapi';
import { assertSdkBuilt, fixtureExecutable } from './helpers.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

beforeAll(() => assertSdkBuilt());

function fixture(mode = 'normal'): string {
  const f = fixtureExecutable(mode);
  cleanups.push(() => f.cleanup());
  return f.path;
}

const base = { cookie: MESH_PLUGIN_COOKIE, versions: MESH_PROTOCOL_VERSIONS, logger: noopLogger };

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 20));
}

describe('launch refusals', () => {
  it('refuses a malformed handshake line with PLUGIN_MALFORMED_HANDSHAKE', async () => {
    await expect(
      PluginProcess.launch({ ...base, path: fixture('bad-line') }),
    ).rejects.toMatchObject({
      code: 'PLUGIN_MALFORMED_HANDSHAKE',
    });
  });

  it('refuses a plugin with no common version with PLUGIN_NO_COMMON_VERSION', async () => {
    await expect(
      PluginProcess.launch({ ...base, path: fixture('old-version') }),
    ).rejects.toMatchObject({
      code: 'PLUGIN_NO_COMMON_VERSION',
    });
  });

  it('gives up on a silent plugin with PLUGIN_START_TIMEOUT', async () => {
    await expect(
      PluginProcess.launch({ ...base, path: fixture('silent'), startTimeoutMs: 300 }),
    ).rejects.toMatchObject({ code: 'PLUGIN_START_TIMEOUT' });
  });

  it('refuses an executable whose SHA-256 differs with PLUGIN_CHECKSUM_MISMATCH, and starts it with the right one', async () => {
    const file = fixture();
    await expect(
      PluginProcess.launch({ ...base, path: file, sha256: randomBytes(32).toString('hex') }),
    ).rejects.toMatchObject({ code: 'PLUGIN_CHECKSUM_MISMATCH' });
    const proc = await PluginProcess.launch({
      ...base,
      path: file,
      sha256: await sha256File(file),
    });
    cleanups.push(() => proc.kill());
    expect(proc.handshake.protocol).toBe('grpc');
  });

  it('a plugin started without the cookie refuses to run (PLUGIN_BAD_COOKIE on stderr, exit 1)', async () => {
    const { execFile } = await import('node:child_process');
    const file = fixture();
    const result = await new Promise<{ code: number | null; err: string }>((resolve) => {
      const child = execFile(
        file,
        [],
        { env: { PATH: process.env['PATH'] ?? '' } },
        (_e, _o, err) => resolve({ code: child.exitCode, err }),
      );
    });
    expect(result.code).toBe(1);
    expect(result.err).toContain('MESH_PLUGIN_MAGIC_COOKIE');
  });
});

describe('a running plugin', () => {
  it('negotiates AutoMTLS: the handshake carries the server certificate', async () => {
    const proc = await PluginProcess.launch({ ...base, path: fixture() });
    cleanups.push(() => proc.kill());
    expect(proc.handshake.serverCert?.length ?? 0).toBeGreaterThan(100);
  });

  it('reattaches to a running plugin from its reattach config', async () => {
    const first = await PluginProcess.launch({ ...base, path: fixture(), autoMTLS: false });
    cleanups.push(() => first.kill());
    const config = first.reattachConfig();
    expect(config).toMatchObject({ pid: first.pid, network: 'unix', protocolVersion: 1 });
    const second = PluginProcess.reattach(JSON.parse(JSON.stringify(config)), noopLogger);
    cleanups.push(() => second.close());
    expect(await unary(second.plugin, 'Describe', {})).toMatchObject({ name: 'echo' });
    expect(() => PluginProcess.reattach({ ...config, pid: 0x7ffffff0 }, noopLogger)).toThrow(
      expect.objectContaining({ code: 'PLUGIN_EXITED' }),
    );
  });

  it('describes itself', async () => {
    const d = await describePlugin({ ...base, path: fixture() });
    expect(d).toMatchObject({ name: 'echo', version: '1.2.3', payload_kinds: ['echo.msg'] });
  });

  it('serves payloads, IPC methods, signing, events and ports through the broker; restarts after kill -9', async () => {
    const file = fixture();
    const description = await describePlugin({ ...base, path: file });
    const network = new MemoryNetwork();
    cleanups.push(() => network.close());
    const daemon = network.createDaemon({ name: 'host' });
    const peer = network.createDaemon({ name: 'peer' });
    const plugin = new ProcessPlugin({
      ...base,
      path: file,
      name: 'echo',
      description,
      restart: { initialDelayMs: 10 },
    });
    await daemon.loadPlugins([plugin]);
    cleanups.push(async () => {
      await daemon.unloadPlugins({ timeoutMs: 3000 });
    });
    expect(plugin.status()).toMatchObject({ state: 'running', restarts: 0 });
    expect(await daemon.callMethod('echo.ping', { a: 1 })).toEqual({
      pong: { a: 1 },
      node: daemon.nodeId(),
    });
    const signed = (await daemon.callMethod('echo.sign', { text: 'x' })) as {
      signature: string | null;
    };
    const expected = daemon.sign(new TextEncoder().encode('x'));
    expect(signed.signature).toBe(
      expected === undefined ? null : Buffer.from(expected).toString('base64'),
    );

    const sub = daemon.bus().subscribe('echo.*');
    const next = sub[Symbol.asyncIterator]().next();
    const result = await daemon.deliverPayload(7, {
      kind: 'echo.msg',
      body: new TextEncoder().encode('hi'),
    });
    expect(result.status).toBe('handled');
    expect((await next).value).toMatchObject({
      topic: 'echo.got',
      payload: { source: 7, text: 'hi' },
    });
    sub.close();

    const refused = await daemon.deliverPayload(7, {
      kind: 'echo.msg',
      body: new TextEncoder().encode('throw'),
    });
    expect(refused).toMatchObject({ status: 'failed', error: { code: 'ECHO_REFUSED' } });

    const conn = await peer.dialConnection(daemon.addr(), 7000);
    const rw = peer.newConnReadWriter(conn);
    await rw.write(new TextEncoder().encode('ping'));
    const echoed = await rw[Symbol.asyncIterator]().next();
    expect(new TextDecoder().decode(echoed.value)).toBe('ping');
    await rw.close();

    const pid = plugin.status().pid;
    expect(alive(pid)).toBe(true);
    const restarted = plugin.restarted();
    process.kill(pid, 'SIGKILL');
    await restarted;
    expect(plugin.status()).toMatchObject({ state: 'running', restarts: 1 });
    expect(plugin.status().pid).not.toBe(pid);
    expect(plugin.status().lastError).toContain('SIGKILL');
    expect(await daemon.callMethod('echo.ping', 2)).toEqual({ pong: 2, node: daemon.nodeId() });

    await daemon.unloadPlugins({ timeoutMs: 3000 });
    expect(plugin.status().state).toBe('stopped');
    expect(daemon.resources().methods).not.toContain('echo.ping');
  });

  it('kills a plugin that hangs on shutdown, with its child processes, after the deadline', async () => {
    const network = new MemoryNetwork();
    cleanups.push(() => network.close());
    const daemon = network.createDaemon({ name: 'host' });
    const hanging = fixture('hang-shutdown');
    const plugin = new ProcessPlugin({
      ...base,
      path: hanging,
      name: 'echo',
      shutdownTimeoutMs: 300,
    });
    await plugin.init(daemon, daemon.pluginContext('echo'));
    const pid = plugin.status().pid;
    const { pid: grandchild } = (await daemon.callMethod('echo.child')) as { pid: number };
    expect(alive(grandchild)).toBe(true);
    await plugin.shutdown(new AbortController().signal);
    expect(alive(pid)).toBe(false);
    await waitFor(() => !alive(grandchild));
    expect(plugin.status().state).toBe('stopped');
  });
});
