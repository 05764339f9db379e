import { statSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IpcClient, callOnce } from '../src/client/client.js';
import { IpcError } from '../src/errors/ipc-error.js';
import { RPC_VERSION } from '../src/protocol/jsonrpc.js';
import type { IpcPeer } from '../src/server/connection.js';
import { ParamReader } from '../src/server/params.js';
import { MethodRegistry } from '../src/server/registry.js';
import { IpcServer } from '../src/server/server.js';
import { rawClient, tempSocket } from './helpers.js';

let tmp: ReturnType<typeof tempSocket>;
let registry: MethodRegistry;
let server: IpcServer;
const clients: IpcClient[] = [];
const sockets: { destroy(): void }[] = [];

async function client(): Promise<IpcClient> {
  const c = await IpcClient.connect({ socketPath: tmp.socketPath, clientName: 'test' });
  clients.push(c);
  return c;
}

async function raw() {
  const r = await rawClient(tmp.socketPath);
  sockets.push(r.socket);
  return r;
}

beforeEach(async () => {
  tmp = tempSocket();
  registry = new MethodRegistry();
  registry.register('echo', (params) => params);
  server = new IpcServer({
    socketPath: tmp.socketPath,
    registry,
    daemonVersion: '9.9.9',
    maxLineBytes: 4096,
  });
  await server.listen();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  for (const s of sockets.splice(0)) s.destroy();
  await server.close();
  tmp.cleanup();
});

describe('IpcServer socket file', () => {
  it('is owner-only (0600)', () => {
    expect(statSync(tmp.socketPath).mode & 0o777).toBe(0o600);
  });

  it('removes a stale socket left by a dead process, refuses a live one', async () => {
    await server.close();
    // A socket file nobody listens on: the listener process was killed with SIGKILL.
    const child = spawn(process.execPath, [
      '-e',
      `require('net').createServer().listen(${JSON.stringify(tmp.socketPath)}, () => console.log('ready'))`,
    ]);
    await new Promise((r) => child.stdout.once('data', r));
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    expect(statSync(tmp.socketPath).isSocket()).toBe(true);
    server = new IpcServer({ socketPath: tmp.socketPath, registry, daemonVersion: '1' });
    await server.listen();
    expect((await client()).hello.daemon_version).toBe('1');

    const second = new IpcServer({ socketPath: tmp.socketPath, registry, daemonVersion: '2' });
    await expect(second.listen()).rejects.toMatchObject({ code: 'already_exists' });
  });

  it('refuses to replace a regular file', async () => {
    await server.close();
    writeFileSync(tmp.socketPath, 'not a socket');
    server = new IpcServer({ socketPath: tmp.socketPath, registry, daemonVersion: '1' });
    await expect(server.listen()).rejects.toMatchObject({ code: 'already_exists' });
  });
});

describe('rpc.hello', () => {
  it('reports version, pid and the method list', async () => {
    const c = await client();
    expect(c.hello).toMatchObject({
      rpc_version: RPC_VERSION,
      daemon_version: '9.9.9',
      pid: process.pid,
    });
    expect(c.hello.methods).toContain('echo');
  });

  it('is required before any other method', async () => {
    const r = await raw();
    r.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'echo', params: {} }));
    expect(await r.next()).toMatchObject({
      id: 1,
      error: { code: -32000, data: { code: 'handshake_required' } },
    });
  });

  it('answers version_mismatch to another protocol version', async () => {
    const r = await raw();
    r.send(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 'h',
        method: 'rpc.hello',
        params: { rpc_version: RPC_VERSION + 1 },
      }),
    );
    expect(await r.next()).toMatchObject({
      id: 'h',
      error: { data: { code: 'version_mismatch', rpc_version: RPC_VERSION } },
    });
  });
});

describe('calls', () => {
  it('resolves many concurrent requests on one connection to the right replies, whatever the completion order', async () => {
    const gates = new Map<number, () => void>();
    registry.register('slow', async (params) => {
      const n = new ParamReader(params, 'slow').int('n');
      await new Promise<void>((resolve) => gates.set(n, resolve));
      return { n, square: n * n };
    });
    const c = await client();
    const count = 500;
    const calls = Array.from({ length: count }, (_, n) => c.callRaw('slow', { n }));
    await expect.poll(() => gates.size).toBe(count);
    // Complete them in reverse order, interleaved with fast calls on the same connection.
    const fast: Promise<unknown>[] = [];
    for (let n = count - 1; n >= 0; n--) {
      gates.get(n)!();
      if (n % 50 === 0) fast.push(c.callRaw('echo', { n }));
    }
    const results = (await Promise.all(calls)) as { n: number; square: number }[];
    results.forEach((r, n) => expect(r).toEqual({ n, square: n * n }));
    expect(await Promise.all(fast)).toEqual(
      Array.from({ length: 10 }, (_, i) => ({ n: (9 - i) * 50 })),
    );
    expect(c.pendingCalls).toBe(0);
  });

  it('answers method_not_found for unknown and unregistered methods', async () => {
    const off = registry.register('plugin.hello', () => 'hi', { owner: 'plugin-x' });
    const c = await client();
    expect(await c.callRaw('plugin.hello')).toBe('hi');
    expect(registry.namesOf('plugin-x')).toEqual(['plugin.hello']);
    off();
    await expect(c.callRaw('plugin.hello')).rejects.toMatchObject({
      code: 'method_not_found',
      name: 'IpcError',
    });
  });

  it('rejects duplicate and reserved method names', () => {
    expect(() => registry.register('echo', () => 1)).toThrow(/already registered/);
    expect(() => registry.register('rpc.evil', () => 1)).toThrow(IpcError);
  });

  it('turns a throwing handler into an internal error and keeps serving', async () => {
    registry.register('boom', () => {
      throw new Error('kaput');
    });
    registry.register('typed', () => {
      throw new IpcError('not_found', 'no such thing', { hint: 'look elsewhere' });
    });
    const c = await client();
    await expect(c.callRaw('boom')).rejects.toMatchObject({
      code: 'internal',
      message: 'boom failed: kaput',
    });
    await expect(c.callRaw('typed')).rejects.toMatchObject({
      code: 'not_found',
      hint: 'look elsewhere',
    });
    expect(await c.callRaw('echo', { ok: true })).toEqual({ ok: true });
    expect(server.stats().handlerFailures).toBe(1);
  });

  it('reports bad params as invalid_argument naming the field', async () => {
    registry.register('port', (p) =>
      new ParamReader(p, 'port').int('port', { min: 0, max: 65535 }),
    );
    const c = await client();
    await expect(c.callRaw('port', { port: 70000 })).rejects.toMatchObject({
      code: 'invalid_argument',
      message: 'port: param port must be an integer in 0..65535',
    });
  });

  it('times out a call that gets no reply and drops the late reply', async () => {
    let release!: () => void;
    registry.register('hang', () => new Promise<string>((r) => (release = () => r('late'))));
    const c = await client();
    await expect(c.callRaw('hang', {}, { timeoutMs: 20 })).rejects.toMatchObject({
      code: 'timeout',
    });
    release();
    expect(await c.callRaw('echo', { after: 1 })).toEqual({ after: 1 });
    expect(c.pendingCalls).toBe(0);
  });

  it('a throwing notification listener loses neither other listeners nor replies in the same chunk', async () => {
    registry.register('push-then-reply', async (_p, ctx) => {
      // The notification and the reply leave together, so the client reads them in one chunk.
      void ctx.peer.notifyRaw('test.push', { n: 1 });
      return 'reply';
    });
    const errors: unknown[] = [];
    const c = await IpcClient.connect({
      socketPath: tmp.socketPath,
      onListenerError: (e) => errors.push(e),
    });
    clients.push(c);
    const seen: unknown[] = [];
    c.onNotificationRaw('test.push', () => {
      throw new Error('listener bug');
    });
    c.onNotificationRaw('test.push', (p) => seen.push(p));
    expect(await c.callRaw('push-then-reply')).toBe('reply');
    expect(seen).toEqual([{ n: 1 }]);
    expect(errors).toMatchObject([{ message: 'listener bug' }]);
  });

  it('callOnce maps a missing daemon to not_running with a hint', async () => {
    await expect(
      callOnce('info', {}, { socketPath: `${tmp.dir}/nobody.sock` }),
    ).rejects.toMatchObject({
      code: 'not_running',
      hint: 'start the daemon with: meshctl daemon start',
    });
    registry.register('info', () => ({ node_id: 7 }));
    expect(await callOnce('info', {}, { socketPath: tmp.socketPath })).toEqual({ node_id: 7 });
  });
});

describe('isolation', () => {
  it('keeps serving through 1 000 malformed lines, and other clients never notice', async () => {
    const bystander = await client();
    const r = await raw();
    r.send(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 0,
        method: 'rpc.hello',
        params: { rpc_version: RPC_VERSION },
      }),
    );
    await r.next();
    const garbage = [
      'not json',
      '{"jsonrpc":"2.0"',
      '[1,2,3]',
      '{"jsonrpc":"1.0","id":1,"method":"echo"}',
      '{"jsonrpc":"2.0","id":{},"method":"echo"}',
      '{"jsonrpc":"2.0","id":5,"method":"echo","params":7}',
      '{"jsonrpc":"2.0","id":6,"result":1}',
      'x'.repeat(5000),
      '\u0000\u0001\u0002',
      '"just a string"',
    ];
    const codes = new Set<string>();
    for (let i = 0; i < 1000; i++) r.send(garbage[i % garbage.length]);
    for (let i = 0; i < 1000; i++) {
      const reply = await r.next();
      expect(reply.error).toBeDefined();
      codes.add(reply.error.data.code);
      if (i % 100 === 0) expect(await bystander.callRaw('echo', { i })).toEqual({ i });
    }
    expect([...codes].sort()).toEqual(['invalid_request', 'line_too_long', 'parse_error']);
    r.send(
      JSON.stringify({ jsonrpc: '2.0', id: 'after', method: 'echo', params: { still: 'alive' } }),
    );
    expect(await r.next()).toEqual({ jsonrpc: '2.0', id: 'after', result: { still: 'alive' } });
    expect(server.stats().malformed).toBe(1000);
  });

  it("releases a vanished client's resources mid-transfer and aborts its calls", async () => {
    const owned = new Set<string>();
    let releasedFor: number | undefined;
    let aborted = false;
    let pushed = 0;
    const peers: IpcPeer[] = [];
    registry.register('stream.open', async (_p, ctx) => {
      const id = `res-${ctx.peer.id}`;
      owned.add(id);
      peers.push(ctx.peer);
      ctx.peer.onClose(() => {
        owned.delete(id);
        releasedFor = ctx.peer.id;
      });
      // Push until the client is gone, honouring backpressure.
      void (async () => {
        const chunk = 'x'.repeat(16 * 1024);
        while (!ctx.peer.closed) {
          await ctx.peer.notifyRaw('stream.data', { chunk });
          pushed++;
        }
      })();
      return { id };
    });
    registry.register(
      'hang',
      (_p, ctx) =>
        new Promise((_r, reject) =>
          ctx.signal.addEventListener('abort', () => {
            aborted = true;
            reject(new Error('aborted'));
          }),
        ),
    );
    const bystander = await client();
    const victim = await raw();
    victim.send(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'rpc.hello',
        params: { rpc_version: RPC_VERSION },
      }),
    );
    await victim.next();
    victim.send(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'stream.open' }));
    victim.send(JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'hang' }));
    let opened: { id: string } | undefined;
    let received = 0;
    while (received < 10 || !opened) {
      const msg = await victim.next();
      if (msg.id === 2) opened = msg.result;
      else if (msg.method === 'stream.data') received++;
    }
    expect(owned.has(opened.id)).toBe(true);
    expect(server.stats().connections).toBe(2);
    // Vanish mid-transfer, without a goodbye.
    victim.socket.destroy();
    await expect.poll(() => owned.size).toBe(0);
    expect(releasedFor).toBe(peers[0].id);
    await expect.poll(() => aborted).toBe(true);
    expect(pushed).toBeGreaterThan(0);
    expect(server.stats().connections).toBe(1);
    expect(await bystander.callRaw('echo', { fine: true })).toEqual({ fine: true });
  });

  it('disconnects a client that floods requests but never reads its replies', async () => {
    await server.close();
    server = new IpcServer({
      socketPath: tmp.socketPath,
      registry,
      daemonVersion: 't',
      maxBufferedBytes: 1024 * 1024,
    });
    await server.listen();
    registry.register('big', () => 'x'.repeat(256 * 1024));
    const bystander = await client();
    const hog = await raw();
    hog.socket.pause(); // never read
    hog.send(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 0,
        method: 'rpc.hello',
        params: { rpc_version: RPC_VERSION },
      }),
    );
    const closed = new Promise((r) => hog.socket.once('close', r));
    for (let i = 1; i <= 64; i++)
      hog.send(JSON.stringify({ jsonrpc: '2.0', id: i, method: 'big' }));
    await expect.poll(() => server.stats().connections).toBe(1);
    hog.socket.resume();
    await closed;
    expect(await bystander.callRaw('echo', { ok: 1 })).toEqual({ ok: 1 });
  });

  it('stops reading from a client whose pipelined requests exceed the in-flight byte cap, and resumes as they finish', async () => {
    await server.close();
    server = new IpcServer({
      socketPath: tmp.socketPath,
      registry,
      daemonVersion: 't',
      maxInFlightBytes: 1024 * 1024,
    });
    await server.listen();
    const gates: (() => void)[] = [];
    registry.register(
      'hold',
      (params) => new Promise((resolve) => gates.push(() => resolve(params))),
    );
    const bystander = await client();
    const c = await client();
    const blob = 'x'.repeat(100 * 1024);
    const calls = Array.from({ length: 60 }, (_, n) => c.callRaw('hold', { n, blob }));
    await expect.poll(() => server.stats().paused).toBe(1);
    // Paused: the daemon holds about the cap in requests, not the 6 MB the client queued.
    const started = gates.length;
    expect(started).toBeGreaterThanOrEqual(10);
    expect(started).toBeLessThanOrEqual(13);
    expect(await bystander.callRaw('echo', { ok: 1 })).toEqual({ ok: 1 });
    expect(gates.length).toBe(started);
    // Completing handlers resumes reading until every call has run.
    let released = 0;
    while (released < 60) {
      await expect.poll(() => gates.length).toBeGreaterThan(released);
      while (released < gates.length) gates[released++]();
    }
    const results = (await Promise.all(calls)) as { n: number }[];
    expect(results.map((r) => r.n)).toEqual(Array.from({ length: 60 }, (_, n) => n));
    expect(server.stats().paused).toBe(0);
  });

  it('runs release hooks for every client when the server closes, and clients see the close', async () => {
    let released = 0;
    registry.register('own', (_p, ctx) => {
      ctx.peer.onClose(() => {
        released++;
      });
      return null;
    });
    const a = await client();
    const b = await client();
    await a.callRaw('own');
    await b.callRaw('own');
    const closedA = new Promise((r) => a.onClose(r));
    await server.close();
    expect(released).toBe(2);
    expect(await closedA).toMatchObject({ code: 'connection_closed' });
    await expect(a.callRaw('echo')).rejects.toMatchObject({ code: 'connection_closed' });
  });
});

describe('MethodRegistry fallback', () => {
  it('serves methods of a fallback table looked up at call time', async () => {
    const table = new Map<string, () => unknown>([['plugin.ping', () => 'pong']]);
    registry.setFallback({ get: (n) => table.get(n), names: () => [...table.keys()] });
    const c = await client();
    expect(c.hello.methods).toContain('plugin.ping');
    expect(await c.callRaw('plugin.ping')).toBe('pong');
    table.delete('plugin.ping');
    await expect(c.callRaw('plugin.ping')).rejects.toMatchObject({ code: 'method_not_found' });
    expect(registry.has('echo')).toBe(true);
  });
});
