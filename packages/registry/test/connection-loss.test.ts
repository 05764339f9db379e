import { connect, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MAGIC } from '@mesh/wire';
import { Harness, identity } from './helpers.js';

const h = new Harness();

/**
 * A TCP proxy in front of a real registry that records every request type it forwards and, when
 * told to, drops both connections as soon as the registry's answer to a given request type comes
 * back: the registry has applied the request, the client never sees the answer.
 */
class DroppingProxy {
  readonly requests: string[] = [];
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #dropAnswerTo = new Set<string>();

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(upstreamPort: number): Promise<DroppingProxy> {
    const server = createServer();
    const proxy = new DroppingProxy(server);
    server.on('connection', (client) => proxy.#pipe(client, upstreamPort));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.#server.address() as { port: number }).port;
  }

  /** Drops the connection instead of delivering the answer to the next `type` request. */
  dropAnswerTo(type: string): void {
    this.#dropAnswerTo.add(type);
  }

  count(type: string): number {
    return this.requests.filter((t) => t === type).length;
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #pipe(client: Socket, upstreamPort: number): void {
    const upstream = connect(upstreamPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      this.#sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => {
        this.#sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    let buf = Buffer.alloc(0);
    let binary: boolean | undefined;
    let dropNextAnswer = false;
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      buf = Buffer.concat([buf, chunk]);
      if (binary === undefined && buf.length >= 4) {
        binary = buf.subarray(0, 4).equals(Buffer.from(MAGIC));
        if (binary) buf = buf.subarray(5);
      }
      while (binary !== undefined && buf.length >= 4 && buf.length >= 4 + buf.readUInt32BE(0)) {
        const body = buf.subarray(4, 4 + buf.readUInt32BE(0));
        buf = buf.subarray(4 + body.length);
        const type = requestType(body, binary);
        this.requests.push(type);
        if (this.#dropAnswerTo.delete(type)) dropNextAnswer = true;
      }
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!dropNextAnswer) {
        client.write(chunk);
        return;
      }
      dropNextAnswer = false;
      client.destroy();
      upstream.destroy();
    });
  }
}

/** The request type of one frame body (binary: frame type byte, JSON passthrough: its `type`). */
function requestType(body: Buffer, binary: boolean): string {
  if (binary) {
    const names: Record<number, string> = { 0x01: 'heartbeat', 0x02: 'lookup', 0x03: 'resolve' };
    if (body[0] !== 0x00) return names[body[0]] ?? `0x${body[0].toString(16)}`;
    body = body.subarray(1);
  }
  return String((JSON.parse(body.toString('utf8')) as { type?: unknown }).type);
}

let proxy: DroppingProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
  await h.close();
});

describe.each(['binary', 'json'] as const)(
  'a connection dropped after the registry applied the request (%s mode)',
  (mode) => {
    it('rotate_key is not sent again and fails with CONNECTION_LOST; lookup is resent', async () => {
      const server = await h.server();
      proxy = await DroppingProxy.start(server.address().port);
      const old = identity();
      const client = h.client(server, {
        mode,
        port: proxy.port,
        signer: old.sign,
        reconnect: { attempts: 3, initialDelayMs: 1 },
      });
      const { nodeId } = await client.register({
        listenAddr: '0.0.0.0:4000',
        publicKey: old.publicKey,
      });

      const next = identity();
      proxy.dropAnswerTo('rotate_key');
      await expect(client.rotateKey(next.publicKey)).rejects.toMatchObject({
        code: 'CONNECTION_LOST',
        retryable: true,
      });
      expect(proxy.count('rotate_key')).toBe(1);
      // The registry did rotate: the caller must now check, not blindly resend with the old key.
      const direct = h.client(server);
      expect((await direct.lookup(nodeId)).publicKey).toBe(next.publicKey);

      client.setSigner(next.sign);
      proxy.dropAnswerTo('lookup');
      expect((await client.lookup(nodeId)).publicKey).toBe(next.publicKey);
      expect(proxy.count('lookup')).toBe(2);
      // The signed, idempotent heartbeat is resent too, and signs with the new key.
      proxy.dropAnswerTo('heartbeat');
      expect((await client.heartbeat()).time).toBeGreaterThan(0);
      expect(proxy.count('heartbeat')).toBe(2);
    });
  },
);
