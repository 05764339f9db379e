import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { IpcError, IpcServer, MethodRegistry } from '@mesh/ipc';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseArgv } from '../src/cli/argv.js';
import { EXIT_CODES } from '../src/cli/errors.js';
import { runCli } from '../src/cli/run.js';
import { TABLE } from '../src/commands/table.js';
import { parseDuration, parseNodeId } from '../src/util/parse.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'meshctl-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, TABLE, {
    out: (t) => (out += t),
    err: (t) => (err += t),
    stdin: new PassThrough(),
    stdout: new PassThrough(),
    env: { MESH_HOME: dir },
  });
  return { code, out, err };
}

describe('argv', () => {
  it('finds two-word commands, takes --json anywhere and both flag spellings', () => {
    const p = parseArgv(
      ['send', '--json', 'beta', '1000', '--data=hi there', '--timeout', '5s'],
      TABLE,
    );
    expect(p.command?.name).toBe('send');
    expect(p).toMatchObject({
      args: ['beta', '1000'],
      json: true,
      flags: { data: 'hi there', timeout: '5s' },
    });
    expect(parseArgv(['daemon', 'start', '--public', '--registry', 'r:1'], TABLE)).toMatchObject({
      flags: { public: true, registry: 'r:1' },
    });
    expect(parseArgv(['set-tags', 'a', 'b', 'c'], TABLE).args).toEqual(['a', 'b', 'c']);
  });

  it('rejects unknown commands and flags and wrong argument counts', () => {
    expect(() => parseArgv(['frobnicate'], TABLE)).toThrow(/unknown command/);
    expect(() => parseArgv(['daemon'], TABLE)).toThrow(
      /needs a subcommand: daemon start, daemon stop, daemon status/,
    );
    expect(() => parseArgv(['info', '--bogus'], TABLE)).toThrow(/unknown flag --bogus/);
    expect(() => parseArgv(['send', 'beta'], TABLE)).toThrow(/needs <target> <port>/);
    expect(() => parseArgv(['info', 'extra'], TABLE)).toThrow(/too many arguments/);
    expect(() => parseArgv(['recv', '1000', '--count'], TABLE)).toThrow(/--count needs a value/);
  });

  it('parses durations and node ids', () => {
    expect([
      parseDuration('500ms', 't'),
      parseDuration('30s', 't'),
      parseDuration('2m', 't'),
      parseDuration('3', 't'),
    ]).toEqual([500, 30_000, 120_000, 3000]);
    expect(() => parseDuration('soon', 't')).toThrow(/duration/);
    expect([parseNodeId('42'), parseNodeId('0:0000.0001.0002')]).toEqual([42, 0x10002]);
  });
});

describe('output contract', () => {
  it('usage errors exit 2 with a JSON error on stderr and nothing on stdout', async () => {
    const r = await run('send', 'beta', '--json');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(JSON.parse(r.err)).toMatchObject({
      status: 'error',
      code: 'invalid_argument',
      hint: expect.stringContaining('usage: meshctl send'),
    });
  });

  it('a missing daemon is not_running with its own exit code, in both modes', async () => {
    const j = await run('info', '--json');
    expect(j.code).toBe(EXIT_CODES['not_running']);
    expect(j.code).toBe(3);
    expect(JSON.parse(j.err)).toEqual({
      status: 'error',
      code: 'not_running',
      message: `no daemon is running on ${path.join(dir, 'mesh.sock')}`,
      hint: 'start the daemon with: meshctl daemon start',
    });
    const h = await run('peers');
    expect(h.code).toBe(3);
    expect(h.err).toMatch(
      /^error: no daemon is running .*\nhint: start the daemon with: meshctl daemon start\n$/,
    );
    const stop = await run('daemon', 'stop', '--json');
    expect(stop.code).toBe(3);
    const status = await run('daemon', 'status', '--json');
    expect(JSON.parse(status.out)).toMatchObject({
      status: 'ok',
      data: { running: false, responsive: false, pid: 0 },
    });
    expect((await run('daemon', 'status', '--check')).code).toBe(3);
  });

  it('daemon stop escalates to SIGKILL when the daemon ignores SIGTERM past the deadline', async () => {
    const stubborn = spawn(process.execPath, [
      '-e',
      "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000); console.log('ready')",
    ]);
    const exited = new Promise<NodeJS.Signals | null>((r) =>
      stubborn.once('exit', (_c, sig) => r(sig)),
    );
    try {
      await new Promise((r) => stubborn.stdout.once('data', r));
      writeFileSync(path.join(dir, 'meshd.pid'), `${stubborn.pid}\n`);
      const r = await run('daemon', 'stop', '--timeout', '100ms', '--json');
      expect(r.code, r.err).toBe(0);
      expect(JSON.parse(r.out).data).toEqual({ pid: stubborn.pid, forced: true });
      expect(await exited).toBe('SIGKILL');
      expect(existsSync(path.join(dir, 'meshd.pid'))).toBe(false);
    } finally {
      stubborn.kill('SIGKILL');
    }
  });

  it('context lists every command, flags and the exit-code table', async () => {
    const r = await run('context', '--json');
    expect(r.code).toBe(0);
    const data = JSON.parse(r.out).data;
    for (const name of [
      'daemon start',
      'daemon stop',
      'daemon status',
      'info',
      'peers',
      'connections',
      'disconnect',
      'find',
      'set-hostname',
      'set-public',
      'set-private',
      'set-tags',
      'set-webhook',
      'send',
      'recv',
      'connect',
      'send-file',
      'send-message',
      'subscribe',
      'publish',
      'ping',
      'bench',
      'handshake',
      'approve',
      'reject',
      'pending',
      'trust',
      'untrust',
      'plugins',
      'call',
      'diag',
      'context',
    ]) {
      expect(data.commands[name], name).toMatchObject({
        description: expect.any(String),
        returns: expect.any(String),
      });
    }
    expect(data.commands['send'].flags.data.type).toBe('string');
    expect(data.error_codes).toMatchObject({ invalid_argument: 2, not_running: 3 });
  });

  it('help lists commands; help for one command shows its usage', async () => {
    expect((await run()).out).toContain('daemon start');
    expect((await run('send', '--help')).out).toContain(
      'usage: meshctl send <target> <port> [--data <data>] [--timeout <timeout>]',
    );
  });

  describe('against a daemon', () => {
    let server: IpcServer;
    beforeEach(async () => {
      const registry = new MethodRegistry();
      registry.handle(
        'info',
        () => ({ node_id: 7, address: '0:0000.0000.0007', hostname: 'h', public: true }) as never,
      );
      registry.handle('resolve', (p) => {
        if (p.hostname === 'gamma')
          return { hostname: 'gamma', node_id: 9, address: '0:0000.0000.0009', public: true };
        throw new IpcError('not_found', `hostname "${p.hostname}" not found`);
      });
      registry.handle('handshake.approve', (p) => ({ status: 'approved', node_id: p.node_id }));
      registry.handle('handshake.pending', () => {
        throw new IpcError('unavailable', 'no handshake plugin loaded', { hint: 'load one' });
      });
      server = new IpcServer({
        socketPath: path.join(dir, 'mesh.sock'),
        registry,
        daemonVersion: 't',
      });
      await server.listen();
    });
    afterEach(() => server.close());

    it('prints {"status":"ok","data":…} on stdout and exits 0', async () => {
      const r = await run('--json', 'info');
      expect(r.code).toBe(0);
      expect(r.err).toBe('');
      expect(JSON.parse(r.out)).toEqual({
        status: 'ok',
        data: { node_id: 7, address: '0:0000.0000.0007', hostname: 'h', public: true },
      });
    });

    it('maps daemon error codes to fixed exit codes', async () => {
      const nf = await run('find', 'zz', '--json');
      expect([nf.code, JSON.parse(nf.err).code]).toEqual([4, 'not_found']);
      const un = await run('pending');
      expect(un.code).toBe(8);
      expect(un.err).toBe('error: no handshake plugin loaded\nhint: load one\n');
      const mnf = await run('plugins', '--json');
      expect([mnf.code, JSON.parse(mnf.err).code]).toEqual([9, 'method_not_found']);
    });

    it('call reaches any method with JSON params; bad JSON is a usage error', async () => {
      const r = await run('call', 'info', '{}', '--json');
      expect(r.code).toBe(0);
      expect(JSON.parse(r.out).data).toMatchObject({ node_id: 7 });
      const bad = await run('call', 'info', '{nope', '--json');
      expect([bad.code, JSON.parse(bad.err).code]).toEqual([2, 'invalid_argument']);
      const arr = await run('call', 'info', '[1]', '--json');
      expect(arr.code).toBe(2);
      const missing = await run('call', 'plugin.absent', '--json');
      expect([missing.code, JSON.parse(missing.err).code]).toEqual([9, 'method_not_found']);
    });

    it('approve takes a node id, an address or a hostname (resolved by the daemon)', async () => {
      for (const [arg, id] of [
        ['12', 12],
        ['0:0000.0001.0002', 0x10002],
        ['gamma', 9],
      ] as const) {
        const r = await run('approve', arg, '--json');
        expect(r.code, r.err).toBe(0);
        expect(JSON.parse(r.out).data).toEqual({ status: 'approved', node_id: id });
      }
      const human = await run('approve', 'gamma');
      expect(human.err).toBe('resolved "gamma" → 0:0000.0000.0009\n');
      expect(human.out).toBe('approved node 9\n');
      const unknown = await run('approve', 'zz', '--json');
      expect([unknown.code, JSON.parse(unknown.err).code]).toEqual([4, 'not_found']);
      expect((await run('approve', 'a b', '--json')).code).toBe(2);
    });

    it('daemon start refuses while a daemon answers', async () => {
      const r = await run('daemon', 'start', '--json');
      expect(r.code).toBe(5);
      expect(JSON.parse(r.err)).toMatchObject({ code: 'already_exists' });
    });
  });
});
