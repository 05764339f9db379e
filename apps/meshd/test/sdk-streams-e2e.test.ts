// SDK streams end to end on the raw byte path: two meshd daemons with real engines (UDP tunnel on
// loopback, in-process registry and beacon), @mesh/client on each, stream bytes on attached raw
// connections to each daemon's IPC socket.
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { tmpdir } from 'node:os';
import { Beacon } from '@mesh/beacon';
import { connect } from '@mesh/client';
import type { MeshClient, MeshListener, MeshStream } from '@mesh/client';
import { Daemon } from '@mesh/daemon';
import { attachRaw } from '@mesh/ipc';
import { MemoryStore, RegistryServer } from '@mesh/registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/config.js';
import { Meshd } from '../src/daemon/meshd.js';
import { createLogger } from '../src/logging/logger.js';

interface Node {
  meshd: Meshd;
  client: MeshClient;
  address: string;
  socket: string;
}

let root: string;
let registry: RegistryServer;
let beacon: Beacon;
let a: Node;
let b: Node;
let nextPort = 5000;

async function startNode(name: string): Promise<Node> {
  const home = path.join(root, name);
  const config = resolveConfig(
    {
      registry: `127.0.0.1:${registry.address().port}`,
      beacon: `127.0.0.1:${beacon.address().udp!.port}`,
      listen: '127.0.0.1:0',
      socket: path.join(root, `${name}.sock`),
      public: true,
    },
    {},
    { MESH_HOME: home },
  );
  const meshd = new Meshd({
    config,
    flags: {},
    logger: createLogger({ level: 'error', format: 'json', write: () => {} }),
    createEngine: (cfg) =>
      new Daemon({
        registry: cfg.registry,
        beacon: cfg.beacon!,
        listen: cfg.listen,
        identityPath: cfg.identity,
        stateDir: cfg.home,
        public: cfg.public,
      }),
    version: 'test',
  });
  await meshd.start();
  const client = await connect({ socketPath: config.socket, clientName: 'test' });
  return { meshd, client, address: (await client.info()).address, socket: config.socket };
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

// Not `for await`: that destroys the stream at the end, and these tests write after reading.
function readAll(stream: MeshStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
  });
}

/** b listens on a fresh port; a dials it. Resolves with both ends. */
async function pair(): Promise<{ out: MeshStream; inn: MeshStream; listener: MeshListener }> {
  const port = nextPort++;
  const listener = await b.client.listen(port);
  const accepted = listener.accept();
  const out = await a.client.dial(b.address, port);
  const inn = (await accepted)!;
  return { out, inn, listener };
}

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'meshd-sdk-streams-'));
  registry = new RegistryServer({ host: '127.0.0.1', port: 0, store: new MemoryStore() });
  await registry.listen();
  beacon = new Beacon({ udp: { host: '127.0.0.1', port: 0 } });
  await beacon.listen();
  a = await startNode('a');
  b = await startNode('b');
});

afterAll(async () => {
  for (const n of [a, b]) {
    await n?.client.close();
    await n?.meshd.stop('test');
  }
  await registry?.close();
  await beacon?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('SDK streams between two meshd daemons', () => {
  it('moves 8 MiB one way intact (sha256), then FIN both ways closes both ends', async () => {
    const { out, inn, listener } = await pair();
    const payload = randomBytes(8 * 1024 * 1024);
    const got = readAll(inn);
    out.end(payload);
    expect(sha(await got)).toBe(sha(payload));
    const back = readAll(out);
    inn.end();
    expect((await back).length).toBe(0);
    await Promise.all([
      out.closed ? undefined : once(out, 'close'),
      inn.closed ? undefined : once(inn, 'close'),
    ]);
    await listener.close();
  });

  it('echoes 1 MiB back on the same stream', async () => {
    const { out, inn, listener } = await pair();
    inn.pipe(inn);
    const payload = randomBytes(1024 * 1024);
    const back = readAll(out);
    out.end(payload);
    expect(sha(await back)).toBe(sha(payload));
    await listener.close();
  });

  it('half-close: the dialer ends first and still reads the reply', async () => {
    const { out, inn, listener } = await pair();
    const request = readAll(inn).then((req) => inn.end(`reply to ${req.toString()}`));
    out.end('question');
    expect((await readAll(out)).toString()).toBe('reply to question');
    await request;
    await listener.close();
  });

  it('half-close: the acceptor ends first and still reads everything the dialer sends', async () => {
    const { out, inn, listener } = await pair();
    inn.end('greeting');
    expect((await readAll(out)).toString()).toBe('greeting');
    const rest = readAll(inn);
    const more = randomBytes(256 * 1024);
    out.end(more);
    expect(sha(await rest)).toBe(sha(more));
    await listener.close();
  });

  it('destroy() on one side is a reset the other side sees as an error', async () => {
    const { out, inn, listener } = await pair();
    out.write('x');
    await once(inn, 'data');
    const failed = once(inn, 'error');
    out.destroy();
    const [err] = (await failed) as [Error & { code: string }];
    expect(err.code).toBe('connection_failed');
    // And the other way round.
    const second = await pair();
    second.inn.write('y');
    await once(second.out, 'data');
    const failed2 = once(second.out, 'error');
    second.inn.destroy();
    expect(((await failed2) as [Error & { code: string }])[0].code).toBe('connection_failed');
    await listener.close();
    await second.listener.close();
  });

  it('a stream whose reader stalls does not hold up another stream of the same client', async () => {
    const stalled = await pair();
    const live = await pair();
    live.inn.pipe(live.inn);
    // b floods the stalled stream whenever it can; a does not read it, so b's writes back up.
    const block = Buffer.alloc(64 * 1024, 1);
    let written = 0;
    let flooding = true;
    const flood = (async () => {
      while (flooding) {
        written += block.length;
        if (!stalled.inn.write(block)) await once(stalled.inn, 'drain');
      }
      stalled.inn.end();
    })();
    await expect.poll(() => stalled.inn.writableNeedDrain).toBe(true);
    for (let i = 0; i < 20; i++) {
      const back = once(live.out, 'data');
      live.out.write(`ping ${i}`);
      expect(((await back) as [Buffer])[0].toString()).toBe(`ping ${i}`);
    }
    // Still backed up after the pings: the live stream went past a stalled one.
    expect(stalled.inn.writableNeedDrain).toBe(true);
    flooding = false;
    const got = readAll(stalled.out);
    await flood;
    expect((await got).length).toBe(written);
    stalled.out.end();
    live.out.end();
    await stalled.listener.close();
    await live.listener.close();
  });

  it('refuses a reused attach token, and an expired one (its stream is reset)', async () => {
    const port = nextPort++;
    const listener = await b.client.listen(port);
    const accepted = listener.accept();
    const first = await a.client.ipc.call('conn.dial', { target: b.address, port });
    const raw = await attachRaw(a.socket, first.attach_token);
    await expect(attachRaw(a.socket, first.attach_token)).rejects.toMatchObject({
      code: 'attach_refused',
    });
    raw.end('via raw');
    const inn = (await accepted)!;
    expect((await readAll(inn)).toString()).toBe('via raw');
    inn.end();
    raw.destroy();
    // Never attached: after 5 s the daemon resets the stream and forgets the token.
    const accepted2 = listener.accept();
    const unclaimed = await a.client.ipc.call('conn.dial', { target: b.address, port });
    const inn2 = (await accepted2)!;
    const [err] = (await once(inn2, 'error')) as [Error & { code: string }];
    expect(err.code).toBe('connection_failed');
    await expect(attachRaw(a.socket, unclaimed.attach_token)).rejects.toMatchObject({
      code: 'attach_refused',
    });
    await listener.close();
  }, 20_000);
});
