// The daemon's registry options reach the registry client: a pinned TLS registry and a list of
// registry instances (regression: both were dropped between the daemon and its registry session,
// so a TLS registry was spoken to in plaintext and only the first instance was ever tried).
import { generateSelfSignedCertificate, MemoryStore, RegistryServer } from '@mesh/registry';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Daemon } from '../src/index.js';
import { FAST } from './harness.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function registry(options: ConstructorParameters<typeof RegistryServer>[0] = {}) {
  const server = new RegistryServer({
    host: '127.0.0.1',
    port: 0,
    store: new MemoryStore(),
    ...options,
  });
  const addr = await server.listen();
  cleanups.push(() => server.close());
  return { server, addr: `127.0.0.1:${addr.port}` };
}

async function daemon(
  registryAddr: string,
  extra: Partial<ConstructorParameters<typeof Daemon>[0]> = {},
) {
  const dir = await mkdtemp(path.join(tmpdir(), 'mesh-regopts-'));
  const d = new Daemon({
    registry: registryAddr,
    listen: '127.0.0.1:0',
    identityPath: path.join(dir, 'identity.json'),
    public: true,
    loadPlugins: false,
    ...FAST,
    ...extra,
  });
  cleanups.push(async () => {
    await d.stop();
    await rm(dir, { recursive: true, force: true });
  });
  await d.start();
  return d;
}

/** A loopback port nothing listens on (bound, then closed). */
async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

describe('registry options', () => {
  it('registers with a TLS registry whose certificate fingerprint is pinned', async () => {
    const cert = generateSelfSignedCertificate();
    const { server, addr } = await registry({ tls: cert });
    const d = await daemon(addr, { registryTls: { fingerprint: cert.fingerprint } });
    expect(d.nodeId()).toBeGreaterThan(0);
    const seen = await server.handleMessage({ type: 'lookup', node_id: d.nodeId() }, '127.0.0.1');
    expect(seen['public_key']).toBe(Buffer.from(d.identity()!.publicKey).toString('base64'));
  });

  it('fails over to the next registry instance when the first is down', async () => {
    const { addr } = await registry();
    const d = await daemon(`127.0.0.1:${await deadPort()},${addr}`);
    expect(d.nodeId()).toBeGreaterThan(0);
  });
});
