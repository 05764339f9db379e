import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { afterEach, describe, expect, it } from 'vitest';
import { hashRequestBody, parseEnvelope } from '@mesh/wire';
import {
  RegistryClient,
  challenges,
  isRegistryClientError,
  type RegistryConnectionLost,
} from '../src/index.js';
import { FakeRegistry, frame, message } from './fake-registry.js';
import type { Reply, SeenRequest } from './fake-registry.js';

ed.hashes.sha512 = sha512;

const fakes: FakeRegistry[] = [];
const clients: RegistryClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  for (const f of fakes.splice(0)) await f.close();
});

async function setup(
  handler: (req: SeenRequest) => Reply | Promise<Reply>,
  options: Partial<ConstructorParameters<typeof RegistryClient>[0]> = {},
) {
  const fake = new FakeRegistry(handler);
  fakes.push(fake);
  const port = await fake.listen();
  const client = new RegistryClient({
    port,
    reconnect: { attempts: 2, initialDelayMs: 1, maxDelayMs: 2 },
    ...options,
  });
  clients.push(client);
  return { fake, client, port };
}

const secret = ed.utils.randomSecretKey();
const publicKey = ed.getPublicKey(secret);
const signer = (c: string): Uint8Array => ed.sign(new TextEncoder().encode(c), secret);

function ok(obj: Record<string, unknown>): Buffer {
  return frame(0x00, Buffer.from(JSON.stringify(obj)));
}

describe('binary mode', () => {
  it('sends the preamble and signed native heartbeat/resolve frames (Go-style, no envelopes)', async () => {
    const { fake, client } = await setup(
      (req) => {
        if (req.type === 0x01) {
          const t = Buffer.alloc(9);
          t.writeBigUInt64BE(1_700_000_000n);
          t[8] = 1;
          return frame(0x81, t);
        }
        const body = Buffer.alloc(4 + 2 + 9 + 2 + 4);
        body.writeUInt32BE(7, 0);
        body.writeUInt16BE(9, 4);
        body.write('1.2.3.4:5', 6);
        body.writeUInt16BE(0, 15);
        body.writeUInt32BE(0xffffffff, 17);
        return frame(0x83, body);
      },
      { signer, nodeId: 5, envelopes: false },
    );
    expect(await client.heartbeat()).toEqual({ time: 1_700_000_000, keyExpiryWarning: true });
    expect(await client.resolve(7)).toEqual({
      nodeId: 7,
      realAddr: '1.2.3.4:5',
      lanAddrs: [],
      keyAgeDays: -1,
    });
    const [hb, rs] = fake.seen;
    expect(hb.mode).toBe('binary');
    expect(hb.payload.readUInt32BE(0)).toBe(5);
    expect(
      ed.verify(hb.payload.subarray(4, 68), new TextEncoder().encode('heartbeat:5'), publicKey),
    ).toBe(true);
    expect(rs.payload.readUInt32BE(0)).toBe(7);
    expect(rs.payload.readUInt32BE(4)).toBe(5);
    expect(
      ed.verify(
        rs.payload.subarray(8, 72),
        new TextEncoder().encode(challenges.resolve(5, 7)),
        publicKey,
      ),
    ).toBe(true);
  });

  it('decodes a binary lookup and maps error frames to RegistryRemoteError', async () => {
    const { client } = await setup((req) => {
      if (req.payload.readUInt32BE(0) === 9) {
        const msg = Buffer.from('node 9 not found');
        const p = Buffer.alloc(2);
        p.writeUInt16BE(msg.length);
        return frame(0xff, Buffer.concat([p, msg]));
      }
      // node 42, public, networks [1,2], pubkey AB, host.example, [t1], 1.2.3.4:444, ext-123
      return frame(
        0x82,
        Buffer.from(
          '0000002a010000000000020001000201ab0c686f73742e6578616d706c6501027431000b312e322e332e343a343434076578742d313233',
          'hex',
        ),
      );
    });
    expect(await client.lookup(42)).toEqual({
      nodeId: 42,
      address: '0:0000.0000.002A',
      networks: [1, 2],
      publicKey: 'qw==',
      public: true,
      hostname: 'host.example',
      tags: ['t1'],
      taskExec: false,
      realAddr: '1.2.3.4:444',
      externalId: 'ext-123',
    });
    const err = await client.lookup(9).catch((e: unknown) => e);
    expect(isRegistryClientError(err, 'REMOTE')).toBe(true);
    expect((err as Error).message).toBe('registry: node 9 not found');
  });

  it('sends everything else as JSON passthrough frames with base64 signatures', async () => {
    const { fake, client } = await setup(
      (req) =>
        ok({
          type: 'register_ok',
          node_id: 12,
          network_id: 0,
          address: '0:0000.0000.000C',
          public_key: req.json!['public_key'],
        }),
      { signer },
    );
    const r = await client.register({
      listenAddr: ':4000',
      publicKey: Buffer.from(publicKey).toString('base64'),
      hostname: 'h',
    });
    expect(r.nodeId).toBe(12);
    expect(client.nodeId).toBe(12);
    const sent = fake.seen[0].json!;
    const body = {
      type: 'register',
      listen_addr: ':4000',
      public_key: Buffer.from(publicKey).toString('base64'),
      hostname: 'h',
    };
    expect(sent).toMatchObject(body);
    // Go's proof of possession (RegisterWithKeyOpts) ...
    expect(
      ed.verify(
        Buffer.from(sent['signature'] as string, 'base64'),
        new TextEncoder().encode(challenges.register(':4000', body.public_key)),
        publicKey,
      ),
    ).toBe(true);
    // ... and a request envelope naming node 0 (no id yet) over this very body.
    const env = parseEnvelope(sent['envelope'] as string);
    expect(env).toMatchObject({ network: 0, node: 0, bodyHash: hashRequestBody(body) });
    expect(
      ed.verify(
        Buffer.from(sent['envelope_signature'] as string, 'base64'),
        new TextEncoder().encode(sent['envelope'] as string),
        publicKey,
      ),
    ).toBe(true);
  });

  it('sends signed heartbeats and resolves as JSON with a fresh envelope per attempt', async () => {
    let drop = true;
    const { fake, client } = await setup(
      (req) => {
        if (req.json?.['type'] === 'heartbeat' && drop) {
          drop = false;
          return 'close';
        }
        return req.json?.['type'] === 'heartbeat'
          ? ok({ type: 'heartbeat_ok', time: 1_700_000_000 })
          : ok({ type: 'resolve_ok', node_id: 7, real_addr: '1.2.3.4:5' });
      },
      { signer, nodeId: 5 },
    );
    await client.heartbeat();
    await client.resolve(7);
    const [first, resent, rs] = fake.seen.map((r) => r.json!);
    expect(first).toMatchObject({ type: 'heartbeat', node_id: 5 });
    const nonces = [first, resent].map((m) => parseEnvelope(m['envelope'] as string).nonce);
    expect(nonces[0]).not.toBe(nonces[1]);
    expect(parseEnvelope(rs['envelope'] as string)).toMatchObject({
      node: 5,
      bodyHash: hashRequestBody({ type: 'resolve', node_id: 7, requester_id: 5 }),
    });
  });
});

describe('JSON mode', () => {
  it('frames requests as [len][JSON] and signs them', async () => {
    const { fake, client } = await setup(
      () => message({ type: 'set_tags_ok', node_id: 3, tags: ['a'] }),
      { mode: 'json', signer, nodeId: 3 },
    );
    expect(await client.setTags(['#a'])).toEqual(['a']);
    const seen = fake.seen[0];
    expect(seen.mode).toBe('json');
    const sent = JSON.parse(seen.payload.toString());
    expect(sent).toMatchObject({ type: 'set_tags', node_id: 3, tags: ['#a'] });
    expect(
      ed.verify(
        Buffer.from(sent.signature, 'base64'),
        new TextEncoder().encode('set_tags:3'),
        publicKey,
      ),
    ).toBe(true);
  });

  it('carries the reply code as remoteCode, and classifies code-less replies by their text', async () => {
    const replies = [
      message({ type: 'error', error: 'whatever the text', code: 'RATE_LIMITED' }),
      message({ type: 'error', error: 'node 9 not found' }),
      message({ type: 'error', error: 'text', code: 'SOMETHING_NEW' }),
    ];
    const { client } = await setup(() => replies.shift()!, { mode: 'json' });
    await expect(client.request({ type: 'lookup', node_id: 9 })).rejects.toMatchObject({
      code: 'REMOTE',
      remoteCode: 'RATE_LIMITED',
      retryable: true,
    });
    await expect(client.request({ type: 'lookup', node_id: 9 })).rejects.toMatchObject({
      remoteCode: 'NOT_FOUND',
      retryable: false,
    });
    await expect(client.request({ type: 'lookup', node_id: 9 })).rejects.toMatchObject({
      remoteCode: 'UNKNOWN',
      retryable: false,
    });
  });

  it('maps {"type":"error"} to REMOTE and rejects responses without a type', async () => {
    let n = 0;
    const { client } = await setup(
      () => (n++ === 0 ? message({ type: 'error', error: 'resolve denied' }) : message({ x: 1 })),
      {
        mode: 'json',
      },
    );
    await expect(client.request({ type: 'lookup', node_id: 1 })).rejects.toMatchObject({
      code: 'REMOTE',
      remoteMessage: 'resolve denied',
    });
    await expect(client.request({ type: 'lookup', node_id: 1 })).rejects.toMatchObject({
      code: 'PROTOCOL',
    });
  });
});

describe('transport behaviour', () => {
  it('keeps exactly one request in flight', async () => {
    const { fake, client } = await setup(async (req) => {
      await new Promise((r) => setImmediate(r));
      return ok({ type: 'lookup_ok', node_id: req.json!['node_id'] });
    });
    const results = await Promise.all(
      [1, 2, 3, 4, 5].map((id) => client.request({ type: 'lookup', node_id: id })),
    );
    expect(results.map((r) => r['node_id'])).toEqual([1, 2, 3, 4, 5]);
    expect(fake.maxOutstanding).toBe(1);
    expect(fake.connections).toBe(1);
  });

  it('times out, drops the connection, and the next call reconnects', async () => {
    let n = 0;
    const { fake, client } = await setup(() =>
      n++ === 0 ? null : ok({ type: 'beacon_list_ok', beacons: [] }),
    );
    await expect(client.beaconList({ timeoutMs: 50 })).rejects.toMatchObject({
      code: 'TIMEOUT',
      retryable: true,
    });
    expect(await client.beaconList()).toEqual([]);
    expect(fake.connections).toBe(2);
  });

  it('aborts a call through its AbortSignal', async () => {
    const { client } = await setup(() => null);
    const ac = new AbortController();
    const p = client.beaconList({ signal: ac.signal });
    ac.abort();
    await expect(p).rejects.toMatchObject({ code: 'ABORTED' });
    const pre = new AbortController();
    pre.abort();
    await expect(client.beaconList({ signal: pre.signal })).rejects.toMatchObject({
      code: 'ABORTED',
    });
  });

  it('reconnects after a transport failure and retries the call once', async () => {
    let n = 0;
    const { fake, client } = await setup(() =>
      n++ === 0 ? 'close' : ok({ type: 'beacon_list_ok', beacons: [{ id: 1, addr: 'x:1' }] }),
    );
    expect(await client.beaconList()).toEqual([{ id: 1, addr: 'x:1' }]);
    expect(fake.connections).toBe(2);
    expect(fake.seen).toHaveLength(2);
  });

  it('does not resend a request that is unsafe to repeat: CONNECTION_LOST instead', async () => {
    const { fake, client } = await setup(() => 'close', { mode: 'json' });
    await expect(
      client.request({ type: 'create_network', name: 'x', admin_token: 't' }),
    ).rejects.toMatchObject({ code: 'CONNECTION_LOST', retryable: true });
    expect(fake.seen).toHaveLength(1);
    // Unknown types sent through request() are not resent either.
    await expect(client.request({ type: 'frobnicate' })).rejects.toMatchObject({
      code: 'CONNECTION_LOST',
    });
    expect(fake.seen).toHaveLength(2);
  });

  it('gives up with TRANSPORT when the registry is unreachable', async () => {
    const { client, fake } = await setup(() => null);
    await fake.close();
    fakes.splice(0);
    await expect(client.beaconList()).rejects.toMatchObject({ code: 'TRANSPORT' });
  });

  it('refuses signed calls before the node id is known, and calls after close', async () => {
    const { client } = await setup(() => null, { signer });
    await expect(client.heartbeat()).rejects.toMatchObject({ code: 'NO_IDENTITY' });
    await client.close();
    await expect(client.beaconList()).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('tells the owner at once when the registry drops the connection, not when the client does', async () => {
    const lost: RegistryConnectionLost[] = [];
    let notify = (): void => {};
    let n = 0;
    const { fake, client, port } = await setup(
      () => (n++ === 1 ? null : ok({ type: 'beacon_list_ok', beacons: [] })),
      {
        onConnectionLost: (e) => {
          lost.push(e);
          notify();
        },
      },
    );
    // An idle connection closed by the registry: reported with no call in flight.
    expect(await client.beaconList()).toEqual([]);
    const reported = new Promise<void>((resolve) => (notify = resolve));
    for (const s of fake.sockets) s.destroy();
    await reported;
    expect(lost).toHaveLength(1);
    expect(lost[0].address).toBe(`127.0.0.1:${port}`);
    expect(lost[0].error).toMatchObject({ code: 'TRANSPORT' });
    // A connection the client drops itself (a call's timeout, close()) is not reported: the
    // server sees each close only after the client's socket closed.
    await expect(client.beaconList({ timeoutMs: 50 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    const timedOut = fake.seen[1].socket;
    if (!timedOut.destroyed) await new Promise((r) => timedOut.once('close', r));
    expect(await client.beaconList()).toEqual([]);
    const last = fake.seen[2].socket;
    await client.close();
    if (!last.destroyed) await new Promise((r) => last.once('close', r));
    expect(lost).toHaveLength(1);
    expect(fake.connections).toBe(3);
  });

  it('close() during a reconnect backoff ends the call at once with CLOSED', async () => {
    const { client, fake } = await setup(() => null, {
      reconnect: { attempts: 5, initialDelayMs: 600_000, maxDelayMs: 600_000 },
      logger: {
        debug: (msg) => {
          // The first connect attempt failed; the client now sleeps 10 minutes before the next.
          if (msg === 'registry connect failed') setImmediate(() => void client.close());
        },
        warn() {},
      },
    });
    await fake.close();
    fakes.splice(0);
    await expect(client.beaconList()).rejects.toMatchObject({ code: 'CLOSED' });
  });
});
