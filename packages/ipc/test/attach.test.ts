// Raw attach connections: the MRAW preamble, single-use expiring tokens, half-close both ways.
import { once } from 'node:events';
import { createConnection } from 'node:net';
import type { Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ATTACH_OK,
  ATTACH_REFUSED,
  AttachTokens,
  IpcClient,
  IpcServer,
  MethodRegistry,
  RPC_VERSION,
  attachRaw,
  encodeAttachPreamble,
} from '../src/index.js';
import { rawClient, tempSocket } from './helpers.js';

let tmp: ReturnType<typeof tempSocket>;
let server: IpcServer;
let tokens: AttachTokens<string>;
let attached: { name: string; socket: Socket; head: Buffer }[];
let expired: string[];
const open: Socket[] = [];

function readAll(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (c: string) => (text += c));
    socket.once('end', () => resolve(text));
    socket.once('error', reject);
    socket.resume();
  });
}

async function rawAnswer(bytes: Buffer): Promise<{ answer: Buffer; closed: boolean }> {
  const s = createConnection(tmp.socketPath);
  open.push(s);
  s.write(bytes);
  const chunks: Buffer[] = [];
  s.on('data', (c: Buffer) => chunks.push(c));
  await once(s, 'close');
  return { answer: Buffer.concat(chunks), closed: true };
}

beforeEach(async () => {
  tmp = tempSocket();
  attached = [];
  expired = [];
  tokens = new AttachTokens<string>(5000);
  const registry = new MethodRegistry();
  registry.handleAttach((token) => {
    const name = tokens.take(token);
    if (name === undefined) return undefined;
    return (socket, head) => attached.push({ name, socket, head });
  });
  registry.register('stream.open', (params) => ({
    token: tokens.issue((params as { name: string }).name, (n) => expired.push(n)),
  }));
  server = new IpcServer({ socketPath: tmp.socketPath, registry, daemonVersion: 't' });
  await server.listen();
});

afterEach(async () => {
  for (const s of open.splice(0)) s.destroy();
  await server.close();
  tmp.cleanup();
});

async function issue(name: string): Promise<string> {
  const c = await IpcClient.connect({ socketPath: tmp.socketPath });
  try {
    return ((await c.callRaw('stream.open', { name })) as { token: string }).token;
  } finally {
    await c.close();
  }
}

async function nextAttach(): Promise<{ name: string; socket: Socket; head: Buffer }> {
  await expect.poll(() => attached.length).toBeGreaterThan(0);
  return attached.shift()!;
}

describe('raw attach', () => {
  it('carries bytes both ways on the attached socket, and each side can half-close', async () => {
    const client = await attachRaw(tmp.socketPath, await issue('s1'));
    open.push(client);
    const daemon = await nextAttach();
    expect(daemon.name).toBe('s1');
    expect(server.stats()).toMatchObject({ attached: 1, attachRefused: 0 });
    // client → daemon, then the client's FIN; the daemon can still answer afterwards.
    const atDaemon = readAll(daemon.socket);
    client.end('hello daemon');
    expect(await atDaemon).toBe('hello daemon');
    const atClient = readAll(client);
    daemon.socket.end('hello client');
    expect(await atClient).toBe('hello client');
    await once(client, 'close');
    await expect.poll(() => server.stats().attached).toBe(0);
  });

  it('hands bytes sent with the preamble to the acceptor, and keeps bytes sent with the answer', async () => {
    const token = Buffer.from(await issue('s2'), 'base64');
    const s = createConnection(tmp.socketPath);
    open.push(s);
    s.write(Buffer.concat([encodeAttachPreamble(token), Buffer.from('early')]));
    const daemon = await nextAttach();
    expect(daemon.head.toString()).toBe('early');
    // The daemon writes right after its answer byte; attachRaw must not lose those bytes.
    const token2 = await issue('s3');
    const pending = attachRaw(tmp.socketPath, token2);
    const second = await nextAttach();
    second.socket.end('first bytes');
    const client = await pending;
    open.push(client);
    expect(await readAll(client)).toBe('first bytes');
  });

  it('refuses a used token, an unknown one and another attach version with attach_refused', async () => {
    const token = await issue('once');
    open.push(await attachRaw(tmp.socketPath, token));
    await nextAttach();
    await expect(attachRaw(tmp.socketPath, token)).rejects.toMatchObject({
      code: 'attach_refused',
      rpcCode: -32011,
    });
    const unknown = Buffer.alloc(32, 7).toString('base64');
    await expect(attachRaw(tmp.socketPath, unknown)).rejects.toMatchObject({
      code: 'attach_refused',
    });
    const v9 = Buffer.concat([Buffer.from('MRAW'), Buffer.of(9), Buffer.alloc(32)]);
    expect(await rawAnswer(v9)).toEqual({ answer: Buffer.of(ATTACH_REFUSED), closed: true });
    expect(server.stats().attachRefused).toBe(3);
    expect(attached).toHaveLength(0);
  });

  it('refuses an expired token and reports it to its issuer', async () => {
    tokens = new AttachTokens<string>(30);
    const token = await issue('late');
    await expect.poll(() => expired).toEqual(['late']);
    const answer = await rawAnswer(encodeAttachPreamble(Buffer.from(token, 'base64')));
    expect(answer.answer).toEqual(Buffer.of(ATTACH_REFUSED));
    expect(attached).toHaveLength(0);
  });

  it('answers OK with one byte before any stream byte', async () => {
    const token = Buffer.from(await issue('ok'), 'base64');
    const s = createConnection(tmp.socketPath);
    open.push(s);
    s.write(encodeAttachPreamble(token));
    const [first] = (await once(s, 'data')) as [Buffer];
    expect(first[0]).toBe(ATTACH_OK);
  });

  it('still serves JSON-RPC whose first bytes arrive one at a time, and does not wait on a short line starting with M', async () => {
    const c = await rawClient(tmp.socketPath);
    open.push(c.socket);
    const line = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'rpc.hello',
      params: { rpc_version: RPC_VERSION },
    });
    c.socket.write(line.slice(0, 1));
    await new Promise((r) => setImmediate(r));
    c.send(line.slice(1));
    expect(await c.next()).toMatchObject({ id: 1, result: { rpc_version: 2 } });
    const m = await rawClient(tmp.socketPath);
    open.push(m.socket);
    m.send('MR');
    expect(await m.next()).toMatchObject({ error: { data: { code: 'parse_error' } } });
  });

  it('answers a version 1 client with version_mismatch naming both versions', async () => {
    const c = await rawClient(tmp.socketPath);
    open.push(c.socket);
    c.send(
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'rpc.hello', params: { rpc_version: 1 } }),
    );
    const reply = await c.next();
    expect(reply.error.data).toMatchObject({ code: 'version_mismatch', rpc_version: 2 });
    expect(reply.error.message).toMatch(/version 1.*version 2/);
  });

  it('close() ends attached and silent connections too', async () => {
    const client = await attachRaw(tmp.socketPath, await issue('x'));
    open.push(client);
    await nextAttach();
    const silent = createConnection(tmp.socketPath);
    open.push(silent);
    await once(silent, 'connect');
    client.resume();
    silent.resume();
    const gone = Promise.all([once(client, 'end'), once(silent, 'close')]);
    await server.close();
    await gone;
  });
});
