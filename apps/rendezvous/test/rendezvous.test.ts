// Spawns the built mesh-rendezvous binary and talks to it over real sockets.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { connect as tlsConnect } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseHostPort } from '@mesh/protocol';
import type { HostPort } from '@mesh/protocol';
import { FLAGS } from '../src/cli/flags.js';
import type { ReadyLine } from '../src/server/rendezvous.js';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/index.js');

beforeAll(() => {
  if (!existsSync(bin)) {
    throw new Error(
      `${bin} is missing: run \`pnpm --filter mesh-rendezvous run build\` before these tests`,
    );
  }
});

let dir: string;
const children = new Set<ChildProcess>();
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'rendezvous-app-'));
});
afterEach(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
  }
  children.clear();
  rmSync(dir, { recursive: true, force: true });
});

interface Running {
  readonly child: ChildProcess;
  readonly ready: ReadyLine;
  readonly stderr: () => string;
  readonly exit: Promise<number | null>;
}

/** Spawns the binary and resolves with its ready line (rejects if it exits first). */
function start(args: string[]): Promise<Running> {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => {
      try {
        const ready = JSON.parse(line) as ReadyLine;
        resolve({ child, ready, stderr: () => stderr, exit });
      } catch {
        reject(new Error(`first stdout line is not JSON: ${line}`));
      }
    });
    void exit.then((code) => reject(new Error(`exited with ${code} before ready:\n${stderr}`)));
  });
}

/** Runs the binary to completion. */
function runToExit(
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

const hostPort = (text: string): HostPort => parseHostPort(text);

/** One JSON request/response over the registry's `[4B length][JSON]` framing. */
function registryRequest(addr: string, message: object): Promise<Record<string, unknown>> {
  const { host, port } = hostPort(addr);
  return new Promise((resolve, reject) => {
    const socket = connect(port, host);
    const body = Buffer.from(JSON.stringify(message));
    const head = Buffer.alloc(4);
    head.writeUInt32BE(body.length);
    socket.write(Buffer.concat([head, body]));
    let buf = Buffer.alloc(0);
    socket.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 4 && buf.length >= 4 + buf.readUInt32BE(0)) {
        socket.destroy();
        resolve(JSON.parse(buf.subarray(4, 4 + buf.readUInt32BE(0)).toString('utf8')));
      }
    });
    socket.on('error', reject);
  });
}

function publicKeyBase64(): string {
  const { publicKey } = generateKeyPairSync('ed25519');
  return publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('base64');
}

/** Discover over UDP; resolves with the reply bytes. */
function udpDiscover(addr: string, node: number): Promise<{ reply: Buffer; localPort: number }> {
  const { host, port } = hostPort(addr);
  const socket = createSocket('udp4');
  return new Promise((resolve, reject) => {
    socket.on('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      socket.once('message', (reply) => {
        const localPort = socket.address().port;
        socket.close();
        resolve({ reply, localPort });
      });
      // Padded as mesh nodes send it: the beacon never answers with more than it received.
      const msg = Buffer.alloc(21);
      msg[0] = 0x01;
      msg.writeUInt32BE(node, 1);
      socket.send(msg, port, host);
    });
  });
}

/**
 * A minimal RFC 6455 client (the app does not depend on `ws`): upgrade, send one masked binary
 * message, return the payload of the first message back.
 */
function wsExchange(url: string, payload: Buffer): Promise<Buffer> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(u.port), u.hostname);
    socket.on('error', reject);
    socket.write(
      `GET ${u.pathname} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\n` +
        `Connection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n` +
        'Sec-WebSocket-Version: 13\r\n\r\n',
    );
    let buf = Buffer.alloc(0);
    let upgraded = false;
    socket.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (!upgraded) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        if (!buf.subarray(0, end).toString().startsWith('HTTP/1.1 101')) {
          reject(new Error(`upgrade refused: ${buf.subarray(0, end).toString()}`));
          return;
        }
        upgraded = true;
        buf = buf.subarray(end + 4);
        const mask = randomBytes(4);
        const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]));
        socket.write(Buffer.concat([Buffer.from([0x82, 0x80 | payload.length]), mask, masked]));
      }
      // Server frames are unmasked; replies here are short (length < 126).
      if (buf.length >= 2 && buf.length >= 2 + (buf[1] & 0x7f)) {
        socket.destroy();
        resolve(buf.subarray(2, 2 + (buf[1] & 0x7f)));
      }
    });
  });
}

const loopbackArgs = (store: string, extra: string[] = []): string[] => [
  '--registry-addr=127.0.0.1:0',
  '--beacon-addr=127.0.0.1:0',
  '--ws-addr=127.0.0.1:0',
  `--store=${store}`,
  '--admin-token=test-admin-secret',
  '--log-format=json',
  ...extra,
];

describe('mesh-rendezvous binary', () => {
  it('--help documents every flag and exits 0', async () => {
    const { code, stdout } = await runToExit(['--help']);
    expect(code).toBe(0);
    for (const flag of FLAGS) expect(stdout).toContain(`--${flag.name}`);
    // The flags the issue names, independently of the table the help text is built from.
    for (const name of [
      'registry-addr',
      'beacon-addr',
      'ws-addr',
      'store',
      'admin-token',
      'metrics-addr',
      'log-level',
      'log-format',
      'config',
    ]) {
      expect(stdout).toMatch(new RegExp(`--${name} <[^>]+>\\s+\\S`));
    }
  });

  it('exits 2 on a bad flag', async () => {
    const { code, stderr } = await runToExit(['--no-such-flag']);
    expect(code).toBe(2);
    expect(stderr).toContain('no-such-flag');
  });

  it('exits 1 when a port is taken', async () => {
    const first = await start(loopbackArgs(':memory:'));
    const { code, stderr } = await runToExit([
      `--registry-addr=${first.ready.registry}`,
      '--store=:memory:',
      '--beacon-addr=',
      '--ws-addr=',
    ]);
    expect(code).toBe(1);
    expect(stderr).toContain('start failed');
    first.child.kill('SIGTERM');
    expect(await first.exit).toBe(0);
  });

  it('serves registry, beacon and WebSocket relay, shuts down on SIGTERM and keeps state', async () => {
    const store = path.join(dir, 'state.db');
    const first = await start(loopbackArgs(store, ['--metrics-addr=127.0.0.1:0']));
    const { ready } = first;
    expect(ready).toMatchObject({ event: 'ready', pid: first.child.pid, store });
    expect(ready.beacon).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(ready.ws).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/v1\/compat$/);
    expect(ready.metrics).toMatch(/^127\.0\.0\.1:\d+$/);

    // Registry: register a node, look it up.
    const publicKey = publicKeyBase64();
    const registered = await registryRequest(ready.registry, {
      type: 'register',
      listen_addr: '127.0.0.1:4000',
      public_key: publicKey,
    });
    expect(registered).toMatchObject({ type: 'register_ok', public_key: publicKey });
    const nodeId = registered['node_id'] as number;
    expect(
      await registryRequest(ready.registry, { type: 'lookup', node_id: nodeId }),
    ).toMatchObject({
      type: 'lookup_ok',
      node_id: nodeId,
      public_key: publicKey,
    });

    // The beacon announced itself to the registry.
    const list = await registryRequest(ready.registry, { type: 'beacon_list' });
    expect(list).toMatchObject({
      type: 'beacon_list_ok',
      beacons: [{ id: ready.beaconId, addr: ready.beacon }],
    });

    // Beacon over UDP: the reply carries the observed endpoint.
    const { reply, localPort } = await udpDiscover(ready.beacon!, 5);
    expect([...reply]).toEqual([0x02, 4, 127, 0, 0, 1, localPort >> 8, localPort & 0xff]);

    // Beacon over WebSocket: same protocol, one beacon message per binary WebSocket message.
    const wsReply = await wsExchange(ready.ws!, Buffer.from([0x01, 0, 0, 0, 6]));
    expect(wsReply[0]).toBe(0x02);

    // Metrics endpoint answers.
    const metrics = await fetch(`http://${ready.metrics}/metrics`).then((r) => r.text());
    expect(metrics).toContain('pilot_');

    first.child.kill('SIGTERM');
    expect(await first.exit).toBe(0);
    expect(first.stderr()).toContain('"msg":"stopped"');

    // Restart on the same store: the node is still registered with the same key.
    const second = await start(loopbackArgs(store));
    expect(
      await registryRequest(second.ready.registry, { type: 'lookup', node_id: nodeId }),
    ).toMatchObject({ type: 'lookup_ok', node_id: nodeId, public_key: publicKey });
    second.child.kill('SIGINT');
    expect(await second.exit).toBe(0);
  });

  it('refuses a store that lost acknowledged data unless --accept-data-loss, never reusing ids', async () => {
    const store = path.join(dir, 'state.db');
    const first = await start(loopbackArgs(store));
    const registered = await registryRequest(first.ready.registry, {
      type: 'register',
      listen_addr: '127.0.0.1:4000',
      public_key: publicKeyBase64(),
    });
    expect(registered['node_id']).toBe(1);
    first.child.kill('SIGTERM');
    expect(await first.exit).toBe(0);
    truncateSync(store, 0);

    const refused = await runToExit(loopbackArgs(store));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('STORE_DAMAGED');
    expect(refused.stderr).toContain('--accept-data-loss');

    const second = await start(loopbackArgs(store, ['--accept-data-loss']));
    expect(
      await registryRequest(second.ready.registry, {
        type: 'register',
        listen_addr: '127.0.0.1:4000',
        public_key: publicKeyBase64(),
      }),
    ).toMatchObject({ type: 'register_ok', node_id: 2 });
    second.child.kill('SIGTERM');
    expect(await second.exit).toBe(0);
  });

  it('reads a JSON config file, with flags winning', async () => {
    const config = path.join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        registry_addr: '127.0.0.1:0',
        beacon_addr: '127.0.0.1:0',
        ws_addr: '',
        store: ':memory:',
        log_level: 'error',
      }),
    );
    const run = await start([
      `--config=${config}`,
      '--log-level=debug',
      '--log-format=json',
      '--beacon-id=4242',
    ]);
    expect(run.ready).toMatchObject({ ws: null, store: ':memory:', beaconId: 4242 });
    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
    // The file asked for level error; the flag (debug) won, so info lines appear.
    expect(run.stderr()).toContain('"level":"info"');
  });
});

describe('mesh-rendezvous TLS', () => {
  it('--tls generates a self-signed certificate whose SHA-256 the ready line and log carry', async () => {
    const r = await start(loopbackArgs(':memory:', ['--tls']));
    expect(r.ready.tlsFingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(r.stderr()).toContain(r.ready.tlsFingerprint);
    const { host, port } = parseHostPort(r.ready.registry);
    const served = await new Promise<string>((resolve, reject) => {
      const s = tlsConnect({ host, port, rejectUnauthorized: false }, () => {
        const raw = s.getPeerCertificate().raw;
        s.destroy();
        resolve(createHash('sha256').update(raw).digest('hex'));
      });
      s.once('error', reject);
    });
    expect(served).toBe(r.ready.tlsFingerprint);
  });

  it('--tls-cert without --tls-key is a usage error', async () => {
    const { code, stderr } = await runToExit(loopbackArgs(':memory:', ['--tls-cert=x.pem']));
    expect(code).toBe(2);
    expect(stderr).toContain('--tls-cert and --tls-key go together');
  });
});
