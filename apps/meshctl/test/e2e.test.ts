// meshctl as a user runs it: built binaries in child processes, a real rendezvous, two daemons.
import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { connect } from '@mesh/client';
import type { Datagram } from '@mesh/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BINARIES,
  assertBuilt,
  startRendezvous,
  type RendezvousProcess,
} from '../scripts/local-mesh.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const { meshctl: MESHCTL } = BINARIES;
const DAEMONAPI = path.resolve(here, '../../../packages/daemonapi/dist/index.js');
assertBuilt({ ...BINARIES, '@mesh/daemonapi': DAEMONAPI });

interface Run {
  code: number;
  out: string;
  err: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- parsed CLI output
}

let root: string;
let rendezvous: RendezvousProcess | undefined;
let registry = '';
let beacon = '';
const homes = { a: '', b: '' };
let configA = '';

function meshctl(home: string, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [MESHCTL, ...args],
      { env: { ...process.env, MESH_HOME: home, MESH_SOCKET: '' }, timeout: 60_000 },
      (error, out, err) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        let json: unknown;
        const text = code === 0 ? out : err;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ code, out, err, json });
      },
    );
  });
}

/** A plugin module loaded at runtime by `meshd --plugins`, registering one IPC method. */
function writeGreeterPlugin(): string {
  const file = path.join(root, 'greeter-plugin.mjs');
  writeFileSync(
    file,
    `import { registerPlugin } from ${JSON.stringify(pathToFileURL(DAEMONAPI).href)};
registerPlugin('greeter', () => {
  let off;
  return {
    name: 'greeter',
    init(daemon) {
      off = daemon.registerMethod('greeter.greet', (params) => ({
        hello: params && typeof params.name === 'string' ? params.name : 'world',
        node_id: daemon.nodeId(),
      }));
    },
    shutdown() {
      off?.();
    },
  };
});
`,
  );
  return file;
}

function pidOf(home: string): number {
  try {
    return Number(readFileSync(path.join(home, 'meshd.pid'), 'utf8').trim());
  } catch {
    return 0;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'meshctl-e2e-'));
  homes.a = path.join(root, 'a');
  homes.b = path.join(root, 'b');
  rendezvous = await startRendezvous({ cwd: root });
  const ready = rendezvous;
  registry = ready.registry;
  beacon = ready.beacon;
  const common = ['--registry', registry, '--beacon', beacon, '--listen', '127.0.0.1:0', '--json'];
  // alpha takes its hostname from a config file, so SIGHUP can change it.
  configA = path.join(root, 'alpha.json');
  writeFileSync(configA, JSON.stringify({ hostname: 'alpha' }));
  const [a, b] = await Promise.all([
    meshctl(homes.a, 'daemon', 'start', '--config', configA, ...common),
    meshctl(homes.b, 'daemon', 'start', '--hostname', 'beta', '--public', ...common),
  ]);
  expect(a.code, a.err).toBe(0);
  expect(b.code, b.err).toBe(0);
});

afterAll(async () => {
  for (const home of [homes.a, homes.b]) {
    const pid = pidOf(home);
    if (pid > 0 && alive(pid)) process.kill(pid, 'SIGKILL');
  }
  await rendezvous?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('meshctl end to end', () => {
  it('info --json has the InfoOK shape', async () => {
    const r = await meshctl(homes.a, 'info', '--json');
    expect(r.code).toBe(0);
    expect(r.json.status).toBe('ok');
    const d = r.json.data;
    for (const key of [
      'node_id',
      'address',
      'hostname',
      'uptime_secs',
      'connections',
      'ports',
      'peers',
      'encrypted_peers',
      'authenticated_peers',
      'encrypt',
      'identity',
      'public_key',
      'owner',
      'bytes_sent',
      'bytes_recv',
      'pkts_sent',
      'pkts_recv',
      'peer_list',
      'conn_list',
    ]) {
      expect(d, key).toHaveProperty(key);
    }
    expect(d).toMatchObject({
      hostname: 'alpha',
      encrypt: true,
      identity: true,
      pid: pidOf(homes.a),
    });
    expect(d.address).toMatch(/^0:0000\.[0-9A-F]{4}\.[0-9A-F]{4}$/);
  });

  it('refuses to start a second daemon on the same home', async () => {
    const r = await meshctl(homes.b, 'daemon', 'start', '--registry', registry, '--json');
    expect(r.code).toBe(5);
    expect(r.json).toMatchObject({ status: 'error', code: 'already_exists' });
  });

  it("find resolves the other daemon's hostname", async () => {
    const b = await meshctl(homes.b, 'info', '--json');
    const r = await meshctl(homes.a, 'find', 'beta', '--json');
    expect(r.code, r.err).toBe(0);
    expect(r.json.data).toEqual({
      hostname: 'beta',
      node_id: b.json.data.node_id,
      address: b.json.data.address,
      public: true,
    });
  });

  it('send reaches recv on the other daemon', async () => {
    const recv = spawn(process.execPath, [MESHCTL, 'recv', '1000', '--timeout', '30s'], {
      env: { ...process.env, MESH_HOME: homes.b },
    });
    let out = '';
    recv.stdout.on('data', (c: Buffer) => (out += c.toString()));
    await new Promise<void>((resolve) => {
      let err = '';
      recv.stderr.on('data', (c: Buffer) => {
        err += c.toString();
        if (err.includes('listening on port 1000')) resolve();
      });
    });
    const exited = new Promise<number | null>((r) => recv.once('exit', r));
    const s = await meshctl(homes.a, 'send', 'beta', '1000', '--data', 'hello beta', '--json');
    expect(s.code, s.err).toBe(0);
    expect(s.json.data).toMatchObject({ target: 'beta', port: 1000, sent: 10 });
    expect(await exited).toBe(0);
    expect(out).toBe('hello beta\n');
  });

  it('send-file arrives with the same SHA-256', async () => {
    const file = path.join(root, 'payload.bin');
    const bytes = randomBytes(300_000);
    writeFileSync(file, bytes);
    const r = await meshctl(homes.a, 'send-file', 'beta', file, '--json');
    expect(r.code, r.err).toBe(0);
    const sha = createHash('sha256').update(bytes).digest('hex');
    expect(r.json.data).toMatchObject({ filename: 'payload.bin', bytes: 300_000, sha256: sha });
    const received = readdirSync(path.join(homes.b, 'received'));
    expect(received).toHaveLength(1);
    expect(
      createHash('sha256')
        .update(readFileSync(path.join(homes.b, 'received', received[0])))
        .digest('hex'),
    ).toBe(sha);
    // Human mode reports progress on stderr and keeps stdout for the result.
    const human = await meshctl(homes.a, 'send-file', 'beta', file);
    expect(human.code, human.err).toBe(0);
    expect(human.err).toMatch(/sending payload\.bin: 100% \(\d+\/\d+ bytes\)/);
    expect(human.out).toMatch(/^sent payload\.bin \(300000 bytes/);
  });

  it('ping measures round trips through the echo service', async () => {
    const r = await meshctl(homes.a, 'ping', 'beta', '--count', '3', '--json');
    expect(r.code, r.err).toBe(0);
    expect(r.json.data.results).toHaveLength(3);
    for (const res of r.json.data.results) expect(res.rtt_ms).toBeGreaterThan(0);
  });

  it('targets may be an address or a node id as well as a hostname', async () => {
    const b = (await meshctl(homes.b, 'info', '--json')).json.data;
    for (const target of [b.address, String(b.node_id)]) {
      const r = await meshctl(homes.a, 'ping', target, '--count', '1', '--json');
      expect(r.code, `${target}: ${r.err}`).toBe(0);
      expect(r.json.data).toMatchObject({ target, results: [{ seq: 1 }] });
    }
    const bad = await meshctl(homes.a, 'ping', 'no-such-host', '--count', '1', '--json');
    expect(bad.code).toBe(4);
    expect(bad.json).toMatchObject({ status: 'error', code: 'not_found' });
  });

  it('@mesh/client: a datagram sent through one daemon arrives as a notification at the other', async () => {
    const b = await connect(path.join(homes.b, 'mesh.sock'));
    const a = await connect(path.join(homes.a, 'mesh.sock'));
    try {
      const listener = await b.listen(5005);
      const got = new Promise<Datagram>((resolve) => b.onDatagram(resolve));
      const bInfo = await b.info();
      expect(await a.sendTo(bInfo.address, 5005, 'over udp')).toBe(8);
      const d = await got;
      expect(d).toMatchObject({ dstPort: 5005, srcAddr: (await a.info()).address });
      expect(d.data.toString()).toBe('over udp');
      await listener.close();
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('bench pushes data through the echo service and reports progress in human mode', async () => {
    const j = await meshctl(homes.a, 'bench', 'beta', '0.5', '--json');
    expect(j.code, j.err).toBe(0);
    expect(j.json.data).toMatchObject({ sent_bytes: 524_288, recv_bytes: 524_288 });
    expect(j.json.data.total_mbps).toBeGreaterThan(0);
    const h = await meshctl(homes.a, 'bench', 'beta', '0.5');
    expect(h.code, h.err).toBe(0);
    expect(h.err).toContain('echoed 100% (524288/524288 bytes)');
    expect(h.out).toMatch(/^sent 524288 B in \d+ ms/);
  });

  it('a meshctl killed mid-transfer has its stream and its bound port released by the daemon', async () => {
    const established = async (): Promise<number> =>
      (await meshctl(homes.a, 'connections', '--json')).json.data.connections.filter(
        (c: { remote_port: number; state: string }) =>
          c.remote_port === 7 && c.state === 'ESTABLISHED',
      ).length;
    expect(await established()).toBe(0);
    const bench = spawn(process.execPath, [MESHCTL, 'bench', 'beta', '64'], {
      env: { ...process.env, MESH_HOME: homes.a },
    });
    const benchGone = new Promise((r) => bench.once('exit', r));
    await new Promise<void>((resolve) => {
      bench.stderr.on('data', (c: Buffer) => {
        if (c.toString().includes('echoed')) resolve();
      });
    });
    expect(await established()).toBe(1);
    bench.kill('SIGKILL');
    await benchGone;
    await expect.poll(established, { timeout: 20_000 }).toBe(0);

    const recv = spawn(process.execPath, [MESHCTL, 'recv', '6000', '--timeout', '1m'], {
      env: { ...process.env, MESH_HOME: homes.b },
    });
    const recvGone = new Promise((r) => recv.once('exit', r));
    await new Promise<void>((resolve) => {
      recv.stderr.on('data', (c: Buffer) => {
        if (c.toString().includes('listening on port 6000')) resolve();
      });
    });
    recv.kill('SIGKILL');
    await recvGone;
    // The port is free again for the next client.
    await expect
      .poll(
        async () =>
          (await meshctl(homes.b, 'recv', '6000', '--timeout', '10ms', '--json')).json?.code,
        {
          timeout: 20_000,
        },
      )
      .toBe('timeout');
  });

  it('SIGHUP reloads the config file: a new hostname is registered live', async () => {
    writeFileSync(configA, JSON.stringify({ hostname: 'alpha-renamed' }));
    process.kill(pidOf(homes.a), 'SIGHUP');
    await expect
      .poll(async () => (await meshctl(homes.a, 'info', '--json')).json?.data?.hostname, {
        timeout: 20_000,
      })
      .toBe('alpha-renamed');
    // Registered with the registry, not only remembered locally (alpha is private: ask alpha).
    const found = await meshctl(homes.a, 'find', 'alpha-renamed', '--json');
    expect(found.code, found.err).toBe(0);
    expect(found.json.data).toMatchObject({ hostname: 'alpha-renamed', public: false });
    const diag = await meshctl(homes.a, 'diag', '--json');
    expect(diag.json.data.events.map((e: { type: string }) => e.type)).toContain('reload');
  });

  it('connect pipes stdin through the stream (echo service) to stdout', async () => {
    const child = spawn(process.execPath, [MESHCTL, 'connect', 'beta', '7'], {
      env: { ...process.env, MESH_HOME: homes.a },
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    child.stdin.end('line one\nline two\n');
    expect(await exited).toBe(0);
    expect(out).toBe('line one\nline two\n');
  });

  it('send-message lands in the peer inbox; publish reaches a subscriber', async () => {
    const m = await meshctl(
      homes.a,
      'send-message',
      'beta',
      '--data',
      '{"hello":1}',
      '--type',
      'json',
      '--json',
    );
    expect(m.code, m.err).toBe(0);
    expect(m.json.data.ack).toMatch(/^ACK JSON 11 bytes/);
    expect(readdirSync(path.join(homes.b, 'inbox')).length).toBeGreaterThan(0);
    const sub = spawn(
      process.execPath,
      [MESHCTL, 'subscribe', 'beta', 'alerts', '--count', '1', '--timeout', '20s'],
      { env: { ...process.env, MESH_HOME: homes.a } },
    );
    let subOut = '';
    sub.stdout.on('data', (c: Buffer) => (subOut += c.toString()));
    await new Promise<void>((resolve) => {
      let err = '';
      sub.stderr.on('data', (c: Buffer) => {
        err += c.toString();
        if (err.includes('subscribed')) resolve();
      });
    });
    const exited = new Promise<number | null>((r) => sub.once('exit', r));
    const p = await meshctl(homes.b, 'publish', 'beta', 'alerts', '--data', 'disk full', '--json');
    expect(p.code, p.err).toBe(0);
    expect(await exited).toBe(0);
    expect(subOut).toContain('[alerts] disk full');
  });

  it('daemon stop removes the pid file; afterwards commands fail with not_running (exit 3)', async () => {
    const pid = pidOf(homes.b);
    // An open stream from alpha to beta's echo service: a graceful stop ends it with FIN.
    const open = spawn(process.execPath, [MESHCTL, 'connect', 'beta', '7'], {
      env: { ...process.env, MESH_HOME: homes.a },
    });
    const openExit = new Promise<number | null>((r) => open.once('exit', r));
    await new Promise<void>((resolve) => {
      let err = '';
      open.stderr.on('data', (c: Buffer) => {
        err += c.toString();
        if (err.includes('connected to')) resolve();
      });
    });
    // The open connection shows up with its transport statistics (§E.6 conn_list fields).
    const conns = await meshctl(homes.a, 'connections', '--json');
    expect(conns.code, conns.err).toBe(0);
    const row = conns.json.data.connections.find(
      (c: { remote_port: number; state: string }) =>
        c.remote_port === 7 && c.state === 'ESTABLISHED',
    );
    expect(row).toMatchObject({ state: 'ESTABLISHED', local_port: expect.any(Number) });
    for (const key of [
      'cong_win',
      'ssthresh',
      'in_flight',
      'srtt_ms',
      'rttvar_ms',
      'unacked',
      'ooo_buf',
      'peer_recv_win',
      'recv_win',
      'in_recovery',
      'bytes_sent',
      'bytes_recv',
      'segs_sent',
      'segs_recv',
      'retransmits',
      'fast_retx',
      'sack_recv',
      'sack_sent',
      'dup_acks',
    ])
      expect(row, key).toHaveProperty(key);
    const r = await meshctl(homes.b, 'daemon', 'stop', '--json');
    expect(r.code, r.err).toBe(0);
    expect(r.json.data).toEqual({ pid, forced: false });
    expect(alive(pid)).toBe(false);
    expect(existsSync(path.join(homes.b, 'meshd.pid'))).toBe(false);
    expect(existsSync(path.join(homes.b, 'mesh.sock'))).toBe(false);
    expect(await openExit).toBe(0); // the peer saw FIN, not a reset
    open.stdin.end();
    const events = readFileSync(path.join(homes.b, 'connection-events.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events.at(-1)).toMatchObject({ type: 'daemon_stop', link: 'daemon', reason: 'SIGTERM' });
    // Deregistered from the registry; the beacon link closed with the tunnel.
    expect(events.filter((e) => e.type === 'closed').map((e) => e.link)).toEqual([
      'registry',
      'beacon',
    ]);
    const info = await meshctl(homes.b, 'info', '--json');
    expect(info.code).toBe(3);
    expect(info.json).toMatchObject({
      status: 'error',
      code: 'not_running',
      hint: 'start the daemon with: meshctl daemon start',
    });
  });

  it("a kill -9ed daemon's stale pid file is handled on the next start (and --plugins loads a plugin)", async () => {
    const absent = await meshctl(homes.a, 'call', 'greeter.greet', '--json');
    expect([absent.code, absent.json?.code]).toEqual([9, 'method_not_found']);
    const pid = pidOf(homes.a);
    process.kill(pid, 'SIGKILL');
    while (alive(pid)) await new Promise((r) => setImmediate(r));
    expect(pidOf(homes.a)).toBe(pid);
    const status = await meshctl(homes.a, 'daemon', 'status', '--json');
    expect(status.json.data).toMatchObject({ running: false, responsive: false });
    // Before: no plugin, so its method does not exist.
    const r = await meshctl(
      homes.a,
      'daemon',
      'start',
      '--registry',
      registry,
      '--listen',
      '127.0.0.1:0',
      '--plugins',
      writeGreeterPlugin(),
      '--json',
    );
    expect(r.code, r.err).toBe(0);
    expect(r.json.data.pid).not.toBe(pid);
    expect(pidOf(homes.a)).toBe(r.json.data.pid);
    // The runtime-loaded plugin's method is served and listed.
    const plugins = await meshctl(homes.a, 'plugins', '--json');
    // Beside the trust plugins meshd imports by default.
    expect(plugins.json.data.plugins).toContainEqual({
      name: 'greeter',
      version: '',
      methods: ['greeter.greet'],
    });
    expect(plugins.json.data.plugins.map((p: { name: string }) => p.name).sort()).toEqual([
      'greeter',
      'handshake',
      'trustedagents',
    ]);
    const greet = await meshctl(homes.a, 'call', 'greeter.greet', '{"name":"bob"}', '--json');
    expect(greet.code, greet.err).toBe(0);
    expect(greet.json.data).toEqual({ hello: 'bob', node_id: r.json.data.node_id });
    const stop = await meshctl(homes.a, 'daemon', 'stop', '--json');
    expect(stop.code).toBe(0);
  });
});
