import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { RegistryClient } from '@mesh/registry-client';
import { ENVELOPE_FIELDS, REGISTRY_AUDIENCE, canonicalEnvelope, hashRequestBody } from '@mesh/wire';
import type { RegistryClientOptions } from '@mesh/registry-client';
import { RegistryServer } from '../src/index.js';
import type { RegistryServerOptions } from '../src/index.js';

ed.hashes.sha512 = sha512;

/** A test identity: Ed25519 key pair with a sign helper. */
export interface Identity {
  readonly secret: Uint8Array;
  readonly publicKey: string;
  sign(challenge: string): Uint8Array;
  signB64(challenge: string): string;
}

export function identity(): Identity {
  const secret = ed.utils.randomSecretKey();
  const publicKey = Buffer.from(ed.getPublicKey(secret)).toString('base64');
  const sign = (c: string): Uint8Array => ed.sign(new TextEncoder().encode(c), secret);
  return { secret, publicKey, sign, signB64: (c) => Buffer.from(sign(c)).toString('base64') };
}

/**
 * `msg` with a request envelope (Go reqsig form) signed by `id` for node `node`; the timestamp,
 * nonce and audience can be overridden to build stale, replayed or misdirected envelopes.
 */
export function withEnvelope(
  msg: Record<string, unknown>,
  id: Identity,
  node: number,
  opts: { timestamp?: number; nonce?: string; audience?: string } = {},
): Record<string, unknown> {
  const text = canonicalEnvelope({
    network: 0,
    node,
    timestamp: opts.timestamp ?? Math.floor(Date.now() / 1000),
    nonce: opts.nonce ?? randomBytes(8).toString('hex'),
    bodyHash: hashRequestBody(msg),
    audience: opts.audience ?? REGISTRY_AUDIENCE,
  });
  return {
    ...msg,
    [ENVELOPE_FIELDS.envelope]: text,
    [ENVELOPE_FIELDS.signature]: id.signB64(text),
  };
}

/** Tracks everything a test opens so afterEach can close it. */
export class Harness {
  readonly servers: RegistryServer[] = [];
  readonly clients: RegistryClient[] = [];
  readonly sockets: Socket[] = [];
  readonly dirs: string[] = [];

  /** The simulated clock of each server started with `now`: its clients sign envelopes by it. */
  readonly #clocks = new WeakMap<RegistryServer, () => number>();

  async server(options: RegistryServerOptions = {}): Promise<RegistryServer> {
    const s = new RegistryServer({ port: 0, ...options });
    this.servers.push(s);
    if (options.now) this.#clocks.set(s, options.now);
    await s.listen();
    return s;
  }

  client(server: RegistryServer, options: Partial<RegistryClientOptions> = {}): RegistryClient {
    const clock = this.#clocks.get(server);
    const c = new RegistryClient({
      port: server.address().port,
      reconnect: { attempts: 1 },
      timeoutMs: 10_000,
      ...(clock ? { clock } : {}),
      ...options,
    });
    this.clients.push(c);
    return c;
  }

  /** A registered node with its own signing client. */
  async node(
    server: RegistryServer,
    options: Partial<RegistryClientOptions> & { hostname?: string } = {},
  ) {
    const id = identity();
    const { hostname, ...rest } = options;
    const client = this.client(server, { signer: id.sign, ...rest });
    const reg = await client.register({
      listenAddr: '0.0.0.0:4000',
      publicKey: id.publicKey,
      ...(hostname ? { hostname } : {}),
    });
    return { id, client, nodeId: reg.nodeId, reg };
  }

  tempDir(): string {
    const d = mkdtempSync(path.join(tmpdir(), 'mesh-registry-'));
    this.dirs.push(d);
    return d;
  }

  async raw(server: RegistryServer): Promise<RawSocket> {
    const socket = connect({ host: '127.0.0.1', port: server.address().port });
    this.sockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawSocket(socket);
  }

  async close(): Promise<void> {
    for (const c of this.clients.splice(0)) await c.close();
    for (const s of this.sockets.splice(0)) s.destroy();
    for (const s of this.servers.splice(0)) await s.close();
    for (const d of this.dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  }
}

/** A bare socket with helpers to read exact byte counts (no client library). */
export class RawSocket {
  #buf = Buffer.alloc(0);
  #waiters: (() => void)[] = [];
  closed = false;

  constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.#buf = Buffer.concat([this.#buf, d]);
      this.#wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.#wake();
    });
    socket.on('error', () => {});
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  async read(n: number): Promise<Buffer> {
    while (this.#buf.length < n) {
      if (this.closed) throw new Error(`connection closed with ${this.#buf.length}/${n} bytes`);
      await new Promise<void>((r) => this.#waiters.push(r));
    }
    const out = this.#buf.subarray(0, n);
    this.#buf = this.#buf.subarray(n);
    return out;
  }

  /** Reads one `[4B length][body]` unit and returns the body. */
  async readUnit(): Promise<Buffer> {
    const len = (await this.read(4)).readUInt32BE(0);
    return this.read(len);
  }

  async untilClosed(): Promise<void> {
    while (!this.closed) await new Promise<void>((r) => this.#waiters.push(r));
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }
}

/** `[4B length][JSON]`. */
export function jsonMessage(obj: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(obj));
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length);
  return Buffer.concat([head, body]);
}

/** `[4B length][1B type][payload]`. */
export function binaryFrame(type: number, payload: Uint8Array): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(payload.length + 1);
  head[4] = type;
  return Buffer.concat([head, payload]);
}
