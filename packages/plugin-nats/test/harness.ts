// Real parts for the NATS tests: the Debian nats-server in operator/JWT mode with keys generated
// here, and an HTTPS credential endpoint with a self-signed certificate made by openssl.
import { execFile, execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { connect, jwtAuthenticator } from 'nats';
import type { NatsConnection } from 'nats';
import { encodeAccount, encodeOperator, encodeUser } from 'nats-jwt';
import { createAccount, createOperator, createUser } from 'nkeys.js';
import type { KeyPair } from 'nkeys.js';
import type { NatsCredential } from '../src/credentials/credentials.js';

const run = promisify(execFile);
let installing: Promise<string> | undefined;

function findServer(): string | undefined {
  for (const candidate of ['/usr/sbin/nats-server', '/usr/bin/nats-server']) {
    try {
      execFileSync(candidate, ['--version'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // not here
    }
  }
  try {
    return (
      execFileSync('sh', ['-c', 'command -v nats-server'], { encoding: 'utf8' }).trim() || undefined
    );
  } catch {
    return undefined;
  }
}

/**
 * The nats-server binary; installs the Debian package once when it is missing. Fails (never
 * skips) with a clear message when it cannot be installed.
 */
export function ensureNatsServer(): Promise<string> {
  installing ??= (async () => {
    const found = findServer();
    if (found) return found;
    try {
      await run('apt-get', ['update', '-qq'], { timeout: 300_000 });
      await run('apt-get', ['install', '-y', '-qq', 'nats-server'], { timeout: 300_000 });
    } catch (err) {
      throw new Error(
        `nats-server is not installed and "apt-get install -y nats-server" failed (run it as root): ${String(err)}`,
      );
    }
    const installed = findServer();
    if (!installed) throw new Error('apt-get installed nats-server but the binary is not on PATH');
    return installed;
  })();
  return installing;
}

/** The keys of one operator-mode deployment. */
export interface Trust {
  readonly operator: KeyPair;
  readonly account: KeyPair;
  readonly operatorJwt: string;
  readonly accountJwt: string;
}

export async function makeTrust(): Promise<Trust> {
  const operator = createOperator();
  const account = createAccount();
  const operatorJwt = await encodeOperator('mesh-test-operator', operator);
  const accountJwt = await encodeAccount(
    'mesh-test-account',
    account,
    {
      limits: {
        conn: -1,
        subs: -1,
        data: -1,
        payload: -1,
        leaf: -1,
        imports: -1,
        exports: -1,
        wildcards: true,
      },
    },
    { signer: operator },
  );
  return { operator, account, operatorJwt, accountJwt };
}

/** A user credential signed by the account, expiring `ttlSeconds` from now. */
export async function userCredential(trust: Trust, ttlSeconds: number): Promise<NatsCredential> {
  const user = createUser();
  const jwt = await encodeUser(
    'mesh-node',
    user,
    trust.account,
    {},
    {
      exp: Math.floor(Date.now() / 1000) + ttlSeconds,
    },
  );
  return { kind: 'jwt', jwt, seed: new TextDecoder().decode(user.getSeed()) };
}

/** A running nats-server. */
export class NatsServer {
  readonly dir: string;
  port = 0;
  #child: ChildProcess | undefined;
  readonly #bin: string;

  private constructor(bin: string, dir: string) {
    this.#bin = bin;
    this.dir = dir;
  }

  static async start(trust: Trust): Promise<NatsServer> {
    const bin = await ensureNatsServer();
    const dir = mkdtempSync(path.join(tmpdir(), 'nats-srv-'));
    writeFileSync(
      path.join(dir, 'server.conf'),
      `operator: "${trust.operatorJwt}"\nresolver: MEMORY\nresolver_preload: {\n  ${trust.account.getPublicKey()}: "${trust.accountJwt}"\n}\n`,
    );
    const server = new NatsServer(bin, dir);
    await server.#spawn(-1);
    return server;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  async #spawn(port: number): Promise<void> {
    const child = spawn(
      this.#bin,
      ['-c', path.join(this.dir, 'server.conf'), '-a', '127.0.0.1', '-p', String(port)],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    this.#child = child;
    await new Promise<void>((resolve, reject) => {
      let log = '';
      const onData = (chunk: Buffer): void => {
        log += chunk.toString('utf8');
        const m = /Listening for client connections on [\d.]+:(\d+)/.exec(log);
        if (m && /Server is ready/.test(log)) {
          this.port = Number(m[1]);
          child.stderr.off('data', onData);
          child.stderr.resume();
          resolve();
        }
      };
      child.stderr.on('data', onData);
      child.once('exit', (code) => reject(new Error(`nats-server exited (${code}):\n${log}`)));
      child.once('error', reject);
    });
  }

  /** Stops the server (SIGTERM) and waits for it to exit. */
  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }

  /** Starts it again on the same port. */
  async restart(): Promise<void> {
    await this.stop();
    await this.#spawn(this.port);
  }

  async close(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A plain NATS client for the test's side (subscriber / commander) with a long-lived user. */
export async function testClient(server: NatsServer, trust: Trust): Promise<NatsConnection> {
  const cred = await userCredential(trust, 3600);
  if (cred.kind !== 'jwt') throw new Error('unreachable');
  return connect({
    servers: server.url,
    authenticator: jwtAuthenticator(cred.jwt, new TextEncoder().encode(cred.seed)),
    reconnectTimeWait: 50,
    maxReconnectAttempts: -1,
  });
}

/** An HTTPS credential endpoint with a self-signed certificate generated by openssl. */
export class CredentialEndpoint {
  readonly ca: string;
  readonly requests: { authorization: string | undefined; body: string }[] = [];
  /** What to answer next: a credential, or an HTTP status. */
  answer: () => Promise<NatsCredential | number> = () => Promise.resolve(503);
  #server: Server;
  readonly #dir: string;

  private constructor(dir: string, key: string, cert: string) {
    this.#dir = dir;
    this.ca = cert;
    this.#server = createServer({ key, cert }, (req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        this.requests.push({ authorization: req.headers.authorization, body });
        void this.answer().then((a) => {
          if (typeof a === 'number') res.writeHead(a).end();
          else
            res
              .writeHead(200, { 'content-type': 'application/json' })
              .end(
                JSON.stringify(
                  a.kind === 'jwt' ? { jwt: a.jwt, seed: a.seed } : { token: a.token },
                ),
              );
        });
      });
    });
  }

  static async start(): Promise<CredentialEndpoint> {
    const dir = mkdtempSync(path.join(tmpdir(), 'nats-ca-'));
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ]);
    const endpoint = new CredentialEndpoint(
      dir,
      readFileSync(key, 'utf8'),
      readFileSync(cert, 'utf8'),
    );
    await new Promise<void>((resolve) => endpoint.#server.listen(0, '127.0.0.1', resolve));
    return endpoint;
  }

  get url(): string {
    return `https://127.0.0.1:${(this.#server.address() as AddressInfo).port}/credentials`;
  }

  get caFile(): string {
    return path.join(this.#dir, 'cert.pem');
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

/** Polls a condition on the event loop (no fixed sleeps). */
export async function until(check: () => boolean, what: string, limitMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > limitMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
