// serve(plugin): runs a plugin object as a go-plugin gRPC plugin process. It checks the magic
// cookie, negotiates the protocol version, sets up AutoMTLS when the host asks for it, serves
// health / controller / broker / stdio / mesh.plugin.v1.Plugin on a private unix socket, prints
// the handshake line, and exits when the host shuts it down or its stdin closes (host gone).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Server, status } from '@grpc/grpc-js';
import type { Client } from '@grpc/grpc-js';
import type {
  ServerUnaryCall,
  ServerWritableStream,
  ServerDuplexStream,
  sendUnaryData,
} from '@grpc/grpc-js';
import type { Plugin, PluginContext } from '@mesh/daemonapi';
import {
  BadCookieError,
  CHANNEL_OPTIONS,
  CORE_PROTOCOL_VERSION,
  ENV_CLIENT_CERT,
  ENV_PROTOCOL_VERSIONS,
  ENV_UNIX_SOCKET_DIR,
  GrpcBroker,
  formatHandshakeLine,
  generateCertificate,
  grpcTarget,
  negotiateVersion,
  protos,
  serverCredentials,
} from '@mesh/goplugin';
import type { MagicCookie, MtlsConfig } from '@mesh/goplugin';
import { stderrLogger } from '../log/stderr-logger.js';
import { toServiceError } from '../remote/errors.js';
import { RemoteDaemon } from '../remote/remote-daemon.js';
import type { InitSnapshot } from '../remote/remote-daemon.js';
import { MESH_PLUGIN_COOKIE, MESH_PROTOCOL_VERSIONS } from './constants.js';

/** Options of {@link serve}. */
export interface ServeOptions {
  /** The magic cookie. @defaultValue {@link MESH_PLUGIN_COOKIE} */
  readonly cookie?: MagicCookie;
  /** The environment. @defaultValue process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Exit the process when stdin ends (the host died). @defaultValue true */
  readonly exitOnStdinEnd?: boolean;
}

/** A running plugin server (tests stop it with `close`). */
export interface ServedPlugin {
  /** The handshake line printed. */
  readonly handshake: string;
  /** Resolves once the host asked for shutdown (or `close` was called). */
  readonly done: Promise<void>;
  /** Stops serving. */
  close(): Promise<void>;
}

const EMPTY = {};

/**
 * Serves `plugin` as an out-of-process plugin. Call it from the plugin executable's entry
 * point; the process exits with 0 after the host's Shutdown, and with 1 (after a message on
 * stderr) when it was not started by a plugin host.
 * @param plugin - any plugin object, unchanged.
 * @param options - cookie and environment.
 * @returns the running server.
 */
export async function serve(plugin: Plugin, options: ServeOptions = {}): Promise<ServedPlugin> {
  const env = options.env ?? process.env;
  const cookie = options.cookie ?? MESH_PLUGIN_COOKIE;
  if (env[cookie.key] !== cookie.value) {
    const error = new BadCookieError(cookie.key);
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
    throw error;
  }
  const version = negotiateVersion(MESH_PROTOCOL_VERSIONS, env[ENV_PROTOCOL_VERSIONS]);
  const hostCert = env[ENV_CLIENT_CERT];
  let tls: MtlsConfig | undefined;
  let certDer: Uint8Array | undefined;
  if (hostCert !== undefined && hostCert !== '') {
    const own = generateCertificate();
    tls = { certPem: own.certPem, keyPem: own.keyPem, peerCertPem: hostCert };
    certDer = own.certDer;
  }
  const log = stderrLogger(plugin.name);
  const ownDir = env[ENV_UNIX_SOCKET_DIR] === undefined || env[ENV_UNIX_SOCKET_DIR] === '';
  const dir = ownDir
    ? mkdtempSync(path.join(os.tmpdir(), 'mesh-plugin-'))
    : (env[ENV_UNIX_SOCKET_DIR] as string);
  const socket = path.join(dir, `plugin-${process.pid}.sock`);
  const broker = new GrpcBroker({ ...(tls === undefined ? {} : { tls }), socketDir: dir });
  const server = new Server({ 'grpc.max_receive_message_length': 0x7fffffff });
  const p = protos();
  const aborter = new AbortController();
  let daemon: RemoteDaemon | undefined;
  let daemonClient: Client | undefined;
  let shutdownDone: Promise<void> | undefined;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const stdio = new Set<ServerWritableStream<unknown, unknown>>();

  const unary =
    <Req>(fn: (req: Req) => unknown) =>
    (call: ServerUnaryCall<Req, unknown>, cb: sendUnaryData<unknown>): void => {
      Promise.resolve()
        .then(() => fn(call.request))
        .then(
          (res) => cb(null, res ?? EMPTY),
          (err: unknown) => cb(toServiceError(err)),
        );
    };

  const shutdownPlugin = (deadlineMs: number): Promise<void> => {
    shutdownDone ??= (async () => {
      const deadline = new AbortController();
      const timer = setTimeout(
        () => deadline.abort(new Error('shutdown deadline')),
        Math.max(deadlineMs, 1),
      );
      try {
        await plugin.shutdown(deadline.signal);
        await daemon?.flush();
      } finally {
        clearTimeout(timer);
        aborter.abort();
      }
    })();
    return shutdownDone;
  };

  server.addService(p.Health.service, {
    Check: unary(() => ({ status: 'SERVING' })),
    Watch: (call: ServerWritableStream<unknown, unknown>) => call.write({ status: 'SERVING' }),
  });
  server.addService(p.GRPCBroker.service, {
    StartStream: (call: ServerDuplexStream<unknown, unknown>) => broker.attach(call),
  });
  server.addService(p.GRPCStdio.service, {
    StreamStdio: (call: ServerWritableStream<unknown, unknown>) => {
      stdio.add(call);
      call.on('cancelled', () => stdio.delete(call));
    },
  });
  server.addService(p.GRPCController.service, {
    Shutdown: unary(async () => {
      await shutdownPlugin(2000).catch((e: unknown) =>
        log.error('shutdown failed', { error: String(e) }),
      );
      setImmediate(() => void finish());
    }),
  });
  server.addService(p.MeshPlugin.service, {
    Describe: unary(() => ({
      name: plugin.name,
      version: plugin.version ?? '',
      payload_kinds: [...(plugin.payloadKinds ?? [])],
      provides: (plugin.provides ?? []).map((k) => k.name),
      needs: (plugin.needs ?? []).map((k) => k.name),
      handles_peer_forgotten: typeof plugin.onPeerForgotten === 'function',
    })),
    Init: unary(async (req: InitSnapshot) => {
      const target = await broker.dial(req.daemon_broker_id);
      daemonClient = new p.MeshDaemon(target.target, target.credentials, CHANNEL_OPTIONS);
      const remote = new RemoteDaemon(daemonClient, req, (e) =>
        log.warn('daemon call failed', { error: e instanceof Error ? e.message : String(e) }),
      );
      daemon = remote;
      const context: PluginContext = {
        logger: log,
        signal: aborter.signal,
        ...(req.data_dir === '' ? {} : { dataDir: req.data_dir }),
        peers: remote.peers(),
        control: remote.control(),
      };
      await plugin.init(remote, context);
      await remote.flush();
    }),
    Shutdown: unary(async (req: { deadline_ms: number }) => {
      await shutdownPlugin(req.deadline_ms || 2000);
    }),
    HandlePayload: unary(async (req: { source: number; kind: string; body: Uint8Array }) => {
      await plugin.handlePayload?.(req.source, { kind: req.kind, body: new Uint8Array(req.body) });
    }),
    PeerForgotten: unary(async (req: { node_id: number }) => {
      await plugin.onPeerForgotten?.(req.node_id);
    }),
    InvokeMethod: unary(async (req: { name: string; params_json: string }) => {
      const handler = daemon?.method(req.name);
      if (handler === undefined)
        throw Object.assign(new Error(`method not found: ${req.name}`), {
          code: 'METHOD_NOT_FOUND',
        });
      const result: unknown = await handler(
        req.params_json === '' ? undefined : JSON.parse(req.params_json),
        {
          signal: aborter.signal,
        },
      );
      return { json: JSON.stringify(result ?? null) };
    }),
    DeliverDatagram: unary(
      (req: {
        dst_port: number;
        src_network: number;
        src_node: number;
        src_port: number;
        data: Uint8Array;
      }) => {
        daemon?.datagramHandler(req.dst_port)?.({
          src: { network: req.src_network, node: req.src_node },
          srcPort: req.src_port,
          dstPort: req.dst_port,
          data: new Uint8Array(req.data),
        });
      },
    ),
    InvokeService: unary(async (req: { service: string; method: string; args_json: string }) => {
      const impl = daemon?.providedService(req.service);
      const fn = impl?.[req.method];
      if (typeof fn !== 'function')
        throw Object.assign(new Error(`service ${req.service} has no method ${req.method}`), {
          code: 'SERVICE_UNAVAILABLE',
        });
      const args = JSON.parse(req.args_json || '[]') as unknown[];
      const result: unknown = await (fn as (...a: unknown[]) => unknown).apply(impl, args);
      return { json: JSON.stringify(result ?? null) };
    }),
  });

  await new Promise<void>((resolve, reject) =>
    server.bindAsync(grpcTarget('unix', socket), serverCredentials(tls), (e) =>
      e ? reject(e) : resolve(),
    ),
  );

  let finished: Promise<void> | undefined;
  const finish = (): Promise<void> => {
    finished ??= (async () => {
      daemon?.closeStreams();
      daemonClient?.close();
      broker.close();
      for (const s of stdio) s.end();
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      server.forceShutdown();
      if (ownDir) rmSync(dir, { recursive: true, force: true });
      resolveDone();
    })();
    return finished;
  };

  const handshake = formatHandshakeLine({
    core: CORE_PROTOCOL_VERSION,
    app: version,
    network: 'unix',
    address: socket,
    protocol: 'grpc',
    ...(certDer === undefined ? {} : { serverCert: certDer }),
  });
  process.stdout.write(handshake + '\n');

  if (options.exitOnStdinEnd !== false) {
    // Node has no parent-death signal: the host keeps our stdin open, so EOF means it is gone.
    process.stdin.on('end', () => process.exit(0));
    process.stdin.on('error', () => process.exit(0));
    process.stdin.resume();
    void done.then(() => {
      process.stdin.pause();
      process.stdin.destroy();
    });
  }
  // go-plugin plugins ignore SIGINT: a Ctrl-C to the terminal's process group must not kill
  // the plugin before its host shuts it down.
  process.on('SIGINT', () => log.debug('ignoring SIGINT; the host shuts plugins down'));
  void status;
  return { handshake, done, close: finish };
}
