// Key rotation end to end against a real registry and beacon, with two daemons on loopback.
import { RegistryClient } from '@mesh/registry-client';
import { readFile, stat, writeFile, access } from 'node:fs/promises';
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Daemon } from '../src/daemon/daemon.js';
import { Identity } from '../src/identity/identity.js';
import { ECHO_PORT } from '../src/services/echo.js';
import { nextEvent } from './helpers.js';
import { startDaemon, startRendezvous, type Rendezvous, type TestDaemon } from './harness.js';

let rv: Rendezvous;
const daemons: TestDaemon[] = [];
const extra: Daemon[] = [];
const cleanups: (() => Promise<void>)[] = [];
beforeEach(async () => {
  rv = await startRendezvous();
});
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
  for (const d of extra.splice(0)) await d.stop();
  for (const d of daemons.splice(0)) await d.stop();
  await rv.close();
});

/** Sends `text` to the peer's echo service and returns what came back before its FIN. */
async function echo(from: Daemon, to: number, text: string): Promise<string> {
  const conn = await from.dial({ network: 0, node: to }, ECHO_PORT, { timeoutMs: 10_000 });
  const chunks: Buffer[] = [];
  conn.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise<void>((resolve, reject) => {
    conn.once('end', resolve);
    conn.once('error', reject);
  });
  conn.end(text);
  await ended;
  return Buffer.concat(chunks).toString();
}

async function registryKey(nodeId: number): Promise<string> {
  const [host, port] = rv.registryAddr.split(':');
  const client = new RegistryClient({ host, port: Number(port), mode: 'json' });
  try {
    return (await client.lookup(nodeId)).publicKey;
  } finally {
    await client.close();
  }
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

async function fileKey(file: string): Promise<string> {
  return (JSON.parse(await readFile(file, 'utf8')) as { public_key: string }).public_key;
}

describe('Daemon.rotateKey', () => {
  it('tells the registry, keeps the old key as identity.json.old and the peer keeps talking to the node', async () => {
    const a = await startDaemon(rv);
    const b = await startDaemon(rv);
    daemons.push(a, b);
    const aId = a.daemon.nodeId();
    expect(await echo(b.daemon, aId, 'before')).toBe('before');
    const oldKey = a.daemon.identity()!.publicKeyBase64;

    // b authenticates a's new key in a fresh exchange that a starts itself.
    const rekeyed = nextEvent(
      b.daemon.bus(),
      'tunnel.established',
      (e) => e.payload['peer_node_id'] === aId && e.payload['rekeyed'] === true,
    );
    const rotated = nextEvent(a.daemon.bus(), 'identity.rotated');
    const result = await a.daemon.rotateKey();

    const identityFile = path.join(a.dir, 'identity.json');
    expect(result).toEqual({
      node_id: aId,
      public_key: a.daemon.identity()!.publicKeyBase64,
      old_public_key: oldKey,
      identity_path: identityFile,
      backup_path: `${identityFile}.old`,
    });
    expect(result.public_key).not.toBe(oldKey);
    expect((await rotated).payload).toEqual({
      node_id: aId,
      public_key: result.public_key,
      old_public_key: oldKey,
    });
    expect(await registryKey(aId)).toBe(result.public_key);
    expect(await fileKey(identityFile)).toBe(result.public_key);
    expect(await fileKey(`${identityFile}.old`)).toBe(oldKey);
    expect(await exists(`${identityFile}.pending`)).toBe(false);
    expect((await stat(identityFile)).mode & 0o777).toBe(0o600);
    expect((await stat(`${identityFile}.old`)).mode & 0o777).toBe(0o600);

    expect((await rekeyed).payload['authenticated']).toBe(true);
    expect(await echo(b.daemon, aId, 'after')).toBe('after');
    expect(await echo(a.daemon, b.daemon.nodeId(), 'back')).toBe('back');
    expect(a.daemon.nodeId()).toBe(aId);
    // The registry session signs with the new key.
    expect(await a.daemon.heartbeatNow()).toBe(true);
  });

  it('a peer meeting the node afresh after the rotation authenticates the new key', async () => {
    const a = await startDaemon(rv);
    const b = await startDaemon(rv);
    daemons.push(a, b);
    const aId = a.daemon.nodeId();
    expect(await echo(b.daemon, aId, 'hello')).toBe('hello');
    const result = await a.daemon.rotateKey();
    await b.daemon.forgetPeer(aId);
    await a.daemon.forgetPeer(b.daemon.nodeId());
    const rejected: unknown[] = [];
    b.daemon.bus().on('security.key_exchange_rejected', (e) => rejected.push(e.payload));
    const established = nextEvent(
      b.daemon.bus(),
      'tunnel.established',
      (e) => e.payload['peer_node_id'] === aId,
    );
    expect(await echo(b.daemon, aId, 'again')).toBe('again');
    expect(rejected).toEqual([]);
    expect((await established).payload['authenticated']).toBe(true);
    expect(await registryKey(aId)).toBe(result.public_key);
  });

  it('refuses the old key’s signatures afterwards', async () => {
    const a = await startDaemon(rv);
    daemons.push(a);
    const aId = a.daemon.nodeId();
    await a.daemon.rotateKey();
    const old = await Identity.load(path.join(a.dir, 'identity.json.old'));
    const [host, port] = rv.registryAddr.split(':');
    const client = new RegistryClient({
      host,
      port: Number(port),
      nodeId: aId,
      signer: (challenge) => old!.sign(new TextEncoder().encode(challenge)),
    });
    cleanups.push(() => client.close());
    await expect(client.heartbeat()).rejects.toMatchObject({ code: 'REMOTE' });
    await expect(client.rotateKey(Identity.generate().publicKeyBase64)).rejects.toMatchObject({
      code: 'REMOTE',
    });
    expect(await registryKey(aId)).toBe(a.daemon.identity()!.publicKeyBase64);
  });

  it('a rotation the registry refuses keeps the old key and leaves no pending file', async () => {
    const a = await startDaemon(rv);
    daemons.push(a);
    const oldKey = a.daemon.identity()!.publicKeyBase64;
    // The registry forgets the node: rotate_key is refused (not found).
    await a.daemon.rawRegistryClient()!.deregister();
    await expect(a.daemon.rotateKey()).rejects.toMatchObject({ code: 'ROTATION_REFUSED' });
    expect(a.daemon.identity()!.publicKeyBase64).toBe(oldKey);
    expect(await exists(path.join(a.dir, 'identity.json.pending'))).toBe(false);
    expect(await fileKey(path.join(a.dir, 'identity.json'))).toBe(oldKey);
  });
});

describe('an interrupted rotation is settled at the next start', () => {
  /** Starts a daemon, stops it, and writes a pending key as a rotation that crashed would. */
  async function crashedRotation(
    tellRegistry: boolean,
  ): Promise<{ dir: string; nodeId: number; oldKey: string; newKey: string }> {
    const d = await startDaemon(rv);
    daemons.push(d);
    const nodeId = d.daemon.nodeId();
    const old = d.daemon.identity()!;
    await d.daemon.stop();
    const next = Identity.generate();
    await writeFile(
      path.join(d.dir, 'identity.json.pending'),
      JSON.stringify({ ...next.toJSON(), node_id: nodeId }),
      { mode: 0o600 },
    );
    if (tellRegistry) {
      const [host, port] = rv.registryAddr.split(':');
      const client = new RegistryClient({
        host,
        port: Number(port),
        nodeId,
        signer: (c) => old.sign(new TextEncoder().encode(c)),
      });
      await client.rotateKey(next.publicKeyBase64);
      await client.close();
    }
    return { dir: d.dir, nodeId, oldKey: old.publicKeyBase64, newKey: next.publicKeyBase64 };
  }

  function restart(dir: string): Promise<Daemon> {
    const again = new Daemon({
      registry: rv.registryAddr,
      listen: '127.0.0.1:0',
      identityPath: path.join(dir, 'identity.json'),
      loadPlugins: false,
    });
    extra.push(again);
    return again.start().then(() => again);
  }

  it('finishes it when the registry holds the new key', async () => {
    const c = await crashedRotation(true);
    const d = await restart(c.dir);
    expect(d.nodeId()).toBe(c.nodeId);
    expect(d.identity()!.publicKeyBase64).toBe(c.newKey);
    expect(await fileKey(path.join(c.dir, 'identity.json'))).toBe(c.newKey);
    expect(await fileKey(path.join(c.dir, 'identity.json.old'))).toBe(c.oldKey);
    expect(await exists(path.join(c.dir, 'identity.json.pending'))).toBe(false);
    expect(await d.heartbeatNow()).toBe(true);
  });

  it('rolls it back when the registry holds the old key', async () => {
    const c = await crashedRotation(false);
    const d = await restart(c.dir);
    expect(d.nodeId()).toBe(c.nodeId);
    expect(d.identity()!.publicKeyBase64).toBe(c.oldKey);
    expect(await fileKey(path.join(c.dir, 'identity.json'))).toBe(c.oldKey);
    expect(await exists(path.join(c.dir, 'identity.json.pending'))).toBe(false);
    expect(await registryKey(c.nodeId)).toBe(c.oldKey);
  });
});

/**
 * A TCP proxy in front of the registry that cuts the daemon's connection when it sees a
 * `rotate_key` request: `applied` forwards the request and drops the answer, `lost` drops the
 * request itself. Anything else passes through.
 */
async function cuttingProxy(
  target: string,
): Promise<{ addr: string; mode: 'pass' | 'applied' | 'lost'; close(): Promise<void> }> {
  const [host, port] = target.split(':');
  const sockets = new Set<Socket>();
  const state = {
    addr: '',
    mode: 'pass' as 'pass' | 'applied' | 'lost',
    close: (): Promise<void> => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((client) => {
    const upstream = tcpConnect(Number(port), host);
    sockets.add(client).add(upstream);
    let cutAfterAnswer = false;
    client.on('data', (chunk: Buffer) => {
      if (state.mode !== 'pass' && chunk.includes('rotate_key')) {
        if (state.mode === 'lost') {
          client.destroy();
          upstream.destroy();
          return;
        }
        cutAfterAnswer = true;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (cutAfterAnswer) {
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(chunk);
    });
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  state.addr = `127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  return state;
}

describe('a rotation whose answer is lost', () => {
  it('fails ROTATION_UNKNOWN and is finished at the next heartbeat when the registry applied it', async () => {
    const proxy = await cuttingProxy(rv.registryAddr);
    cleanups.push(() => proxy.close());
    const a = await startDaemon(rv, { registry: proxy.addr });
    daemons.push(a);
    const aId = a.daemon.nodeId();
    const oldKey = a.daemon.identity()!.publicKeyBase64;
    proxy.mode = 'applied';
    const error = await a.daemon.rotateKey().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ROTATION_UNKNOWN', retryable: true });
    const pendingFile = path.join(a.dir, 'identity.json.pending');
    expect(await exists(pendingFile)).toBe(true);
    const newKey = await fileKey(pendingFile);
    expect(await registryKey(aId)).toBe(newKey);
    // Still the old key until the registry is asked.
    expect(a.daemon.identity()!.publicKeyBase64).toBe(oldKey);

    proxy.mode = 'pass';
    expect(await a.daemon.heartbeatNow()).toBe(true);
    expect(a.daemon.identity()!.publicKeyBase64).toBe(newKey);
    expect(await exists(pendingFile)).toBe(false);
    expect(await fileKey(path.join(a.dir, 'identity.json'))).toBe(newKey);
    expect(await fileKey(path.join(a.dir, 'identity.json.old'))).toBe(oldKey);
    expect(a.daemon.nodeId()).toBe(aId);
  });

  it('fails ROTATION_UNKNOWN and rolls back at the next rotation when the registry never got it', async () => {
    const proxy = await cuttingProxy(rv.registryAddr);
    cleanups.push(() => proxy.close());
    const a = await startDaemon(rv, { registry: proxy.addr });
    daemons.push(a);
    const aId = a.daemon.nodeId();
    const oldKey = a.daemon.identity()!.publicKeyBase64;
    proxy.mode = 'lost';
    await expect(a.daemon.rotateKey()).rejects.toMatchObject({ code: 'ROTATION_UNKNOWN' });
    expect(await registryKey(aId)).toBe(oldKey);
    proxy.mode = 'pass';
    // The next rotation settles the lost one first (rolled back), then rotates.
    const result = await a.daemon.rotateKey();
    expect(result.old_public_key).toBe(oldKey);
    expect(await registryKey(aId)).toBe(result.public_key);
    expect(await exists(path.join(a.dir, 'identity.json.pending'))).toBe(false);
  });
});
