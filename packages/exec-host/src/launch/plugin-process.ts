// One plugin process: checksum, spawn (own process group), handshake line within the start
// timeout, version check, AutoMTLS, gRPC clients, broker stream, stdio, and a kill that takes
// the whole process group.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Client } from '@grpc/grpc-js';
import type { ClientDuplexStream, ClientReadableStream } from '@grpc/grpc-js';
import type { Logger } from '@mesh/daemonapi';
import {
  CHANNEL_OPTIONS,
  ENV_CLIENT_CERT,
  ENV_PROTOCOL_VERSIONS,
  GrpcBroker,
  NoCommonVersionError,
  PluginExitedError,
  StartTimeoutError,
  channelCredentials,
  derToPem,
  generateCertificate,
  grpcTarget,
  parseHandshakeLine,
  protos,
} from '@mesh/goplugin';
import type { HandshakeLine, MagicCookie, MtlsConfig } from '@mesh/goplugin';
import { PluginLogMapper } from '../log/plugin-log.js';
import { verifyChecksum } from './checksum.js';

/** How to launch a plugin executable. */
export interface LaunchOptions {
  /** Executable path. */
  readonly path: string;
  /** Arguments. */
  readonly args?: readonly string[];
  /** Expected SHA-256 (hex); checked before every launch when set. */
  readonly sha256?: string;
  /** The magic cookie. */
  readonly cookie: MagicCookie;
  /** App protocol versions the host speaks. */
  readonly versions: readonly number[];
  /** AutoMTLS. @defaultValue true */
  readonly autoMTLS?: boolean;
  /** How long the plugin has to print its handshake line. @defaultValue 10000 */
  readonly startTimeoutMs?: number;
  /** Extra environment (the daemon's environment is inherited). */
  readonly env?: Readonly<Record<string, string>>;
  /** The plugin's logger in the daemon (stderr lines are mapped into it). */
  readonly logger: Logger;
}

/** What reattaching to a running plugin needs (go-plugin's ReattachConfig). */
export interface ReattachConfig {
  /** Negotiated app protocol version. */
  readonly protocolVersion: number;
  /** `unix` or `tcp`. */
  readonly network: 'unix' | 'tcp';
  /** Socket path or host:port. */
  readonly address: string;
  /** The plugin's pid. */
  readonly pid: number;
}

/** A started (or reattached) plugin process with its gRPC clients. */
export class PluginProcess {
  /** The child, when this host launched it. */
  readonly child: ChildProcess | undefined;
  /** Process id. */
  readonly pid: number;
  /** The parsed handshake line. */
  readonly handshake: HandshakeLine;
  /** mesh.plugin.v1.Plugin client. */
  readonly plugin: Client;
  /** go-plugin's controller client. */
  readonly controller: Client;
  /** The host's side of the broker. */
  readonly broker: GrpcBroker;
  /** Stderr mapping (keeps the last error line). */
  readonly log: PluginLogMapper;
  /** Resolves with the exit description once the process exits. */
  readonly exited: Promise<string>;
  readonly #clients: Client[];
  readonly #streams: Array<ClientDuplexStream<unknown, unknown> | ClientReadableStream<unknown>>;
  #exitedFlag = false;

  private constructor(init: {
    child: ChildProcess | undefined;
    pid: number;
    handshake: HandshakeLine;
    tls: MtlsConfig | undefined;
    log: PluginLogMapper;
    exited: Promise<string>;
  }) {
    this.child = init.child;
    this.pid = init.pid;
    this.handshake = init.handshake;
    this.log = init.log;
    this.exited = init.exited;
    void this.exited.then(() => (this.#exitedFlag = true));
    const p = protos();
    const target = grpcTarget(init.handshake.network, init.handshake.address);
    const credentials = channelCredentials(init.tls);
    // One channel shared by all clients of this process.
    this.plugin = new p.MeshPlugin(target, credentials, CHANNEL_OPTIONS);
    const channelOverride = { channelOverride: this.plugin.getChannel() };
    this.controller = new p.GRPCController(target, credentials, channelOverride);
    const brokerClient = new p.GRPCBroker(target, credentials, channelOverride);
    const stdioClient = new p.GRPCStdio(target, credentials, channelOverride);
    this.#clients = [this.plugin, this.controller, brokerClient, stdioClient];
    this.broker = new GrpcBroker(init.tls === undefined ? {} : { tls: init.tls });
    const brokerStream = (
      brokerClient as unknown as { StartStream(): ClientDuplexStream<unknown, unknown> }
    ).StartStream();
    this.broker.attach(brokerStream);
    // Stdio forwarding when the plugin offers it; UNIMPLEMENTED from plugins that do not is fine.
    const stdio = (
      stdioClient as unknown as { StreamStdio(r: unknown): ClientReadableStream<unknown> }
    ).StreamStdio({});
    stdio.on('data', (d: { channel: string; data: Uint8Array }) => {
      for (const line of Buffer.from(d.data).toString('utf8').split('\n'))
        if (line !== '') init.log.line(line);
    });
    stdio.on('error', () => {});
    this.#streams = [brokerStream, stdio];
  }

  /** Whether the process has exited. */
  get hasExited(): boolean {
    return this.#exitedFlag;
  }

  /** The config another host needs to reattach to this process. */
  reattachConfig(): ReattachConfig {
    return {
      protocolVersion: this.handshake.app,
      network: this.handshake.network,
      address: this.handshake.address,
      pid: this.pid,
    };
  }

  /**
   * Launches a plugin and completes the handshake.
   * @param options - executable, cookie, versions, timeouts.
   * @returns the running process.
   * @throws ChecksumMismatchError, StartTimeoutError, MalformedHandshakeError,
   *   NoCommonVersionError or PluginExitedError.
   */
  static async launch(options: LaunchOptions): Promise<PluginProcess> {
    if (options.sha256 !== undefined) await verifyChecksum(options.path, options.sha256);
    const cert = options.autoMTLS === false ? undefined : generateCertificate();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...options.env,
      [options.cookie.key]: options.cookie.value,
      [ENV_PROTOCOL_VERSIONS]: options.versions.join(','),
    };
    if (cert !== undefined) env[ENV_CLIENT_CERT] = cert.certPem;
    else delete env[ENV_CLIENT_CERT];
    // detached: its own process group, so a kill reaches its children too. Stdin stays a pipe
    // the plugin watches: when this process dies, EOF tells the plugin to exit.
    const child = spawn(options.path, [...(options.args ?? [])], {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    const log = new PluginLogMapper(options.logger);
    const stderrLines = createInterface({ input: child.stderr });
    stderrLines.on('line', (l) => log.line(l));
    const exited = new Promise<string>((resolve) => {
      // 'close': the process exited and its stdio pipes are closed too.
      child.once('close', (code, signal) =>
        resolve(signal !== null ? `killed by ${signal}` : `exit code ${code}`),
      );
      child.once('error', (e) => resolve(`failed to start: ${e.message}`));
    });
    child.stdin.on('error', () => {});
    const ms = options.startTimeoutMs ?? 10_000;
    const stdoutLines = createInterface({ input: child.stdout });
    let timer: NodeJS.Timeout | undefined;
    let handshake: HandshakeLine;
    try {
      const line = await new Promise<string>((resolve, reject) => {
        timer = setTimeout(() => reject(new StartTimeoutError(options.path, ms)), ms);
        stdoutLines.once('line', resolve);
        void exited.then((how) =>
          reject(
            new PluginExitedError(
              options.path,
              `${how} before the handshake${log.lastLine === undefined ? '' : `; its last stderr line: ${log.lastLine}`}`,
            ),
          ),
        );
      });
      handshake = parseHandshakeLine(line);
      if (!options.versions.includes(handshake.app))
        throw new NoCommonVersionError(options.versions, String(handshake.app));
      if (handshake.protocol !== 'grpc')
        throw new NoCommonVersionError(
          options.versions,
          `${handshake.app} over ${handshake.protocol} (only grpc is supported)`,
        );
    } catch (error) {
      killGroup(child);
      await exited;
      throw error;
    } finally {
      clearTimeout(timer);
    }
    // Later stdout lines are read and dropped so the pipe never blocks the plugin.
    stdoutLines.on('line', () => {});
    const tls: MtlsConfig | undefined =
      cert === undefined
        ? undefined
        : {
            certPem: cert.certPem,
            keyPem: cert.keyPem,
            peerCertPem: handshake.serverCert === undefined ? '' : derToPem(handshake.serverCert),
          };
    if (tls !== undefined && tls.peerCertPem === '') {
      killGroup(child);
      await exited;
      throw new NoCommonVersionError(
        options.versions,
        `${handshake.app} without AutoMTLS (no server certificate in the handshake line)`,
      );
    }
    return new PluginProcess({ child, pid: child.pid ?? 0, handshake, tls, log, exited });
  }

  /**
   * Connects to a plugin process another host started (no AutoMTLS, no checksum: the
   * certificates and the executable belong to the original launch).
   * @param config - from {@link reattachConfig}.
   * @param logger - the plugin's logger.
   * @returns the process; `exited` resolves when its pid disappears.
   */
  static reattach(config: ReattachConfig, logger: Logger): PluginProcess {
    try {
      process.kill(config.pid, 0);
    } catch {
      throw new PluginExitedError(`pid ${config.pid}`, 'no such process to reattach to');
    }
    let poll: NodeJS.Timeout | undefined;
    const exited = new Promise<string>((resolve) => {
      poll = setInterval(() => {
        try {
          process.kill(config.pid, 0);
        } catch {
          clearInterval(poll);
          resolve('exited (reattached)');
        }
      }, 1000);
      poll.unref();
    });
    const handshake: HandshakeLine = {
      core: 1,
      app: config.protocolVersion,
      network: config.network,
      address: config.address,
      protocol: 'grpc',
    };
    const proc = new PluginProcess({
      child: undefined,
      pid: config.pid,
      handshake,
      tls: undefined,
      log: new PluginLogMapper(logger),
      exited,
    });
    void exited.then(() => clearInterval(poll));
    proc.#stopPoll = () => {
      clearInterval(poll);
    };
    return proc;
  }

  #stopPoll: (() => void) | undefined;

  /**
   * Asks the plugin to exit (go-plugin's controller Shutdown) and waits up to `deadlineMs`;
   * then kills its process group. Closes every client. Idempotent.
   * @param deadlineMs - grace period.
   */
  async stop(deadlineMs: number): Promise<void> {
    // EOF on stdin is the SDK's second exit signal; closing it early also frees the pipe.
    this.child?.stdin?.destroy();
    if (!this.#exitedFlag && this.child !== undefined) {
      const controller = this.controller as unknown as {
        Shutdown(req: unknown, options: { deadline: number }, cb: (e: unknown) => void): void;
      };
      await new Promise<void>((resolve) =>
        controller.Shutdown({}, { deadline: Date.now() + deadlineMs }, () => resolve()),
      );
      // Close the channels before the plugin's server goes away: a channel that sees its server
      // vanish keeps retrying on a backoff timer until it is closed. Streams first: an open call
      // keeps its subchannel referenced.
      for (const st of this.#streams) st.cancel();
      for (const c of this.#clients) c.close();
      let timer: NodeJS.Timeout | undefined;
      const inTime = await Promise.race([
        this.exited.then(() => true),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), deadlineMs))),
      ]);
      clearTimeout(timer);
      if (!inTime) killGroup(this.child);
      await this.exited;
      // Let the process and pipe handles finish closing before callers count resources.
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.close();
  }

  /** Kills the process group at once (SIGKILL) and waits for the exit. */
  async kill(): Promise<void> {
    this.child?.stdin?.destroy();
    if (this.child !== undefined && !this.#exitedFlag) {
      killGroup(this.child);
      await this.exited;
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.close();
  }

  /**
   * Closes the clients, streams and broker. Once the plugin has exited, also kills what is left
   * of its process group (children it started), so no plugin process outlives it.
   */
  close(): void {
    if (this.#exitedFlag && this.child?.pid !== undefined) {
      try {
        process.kill(-this.child.pid, 'SIGKILL');
      } catch {
        // the group is already empty
      }
    }
    this.#stopPoll?.();
    for (const s of this.#streams) s.cancel();
    this.broker.close();
    for (const c of this.#clients) c.close();
    this.child?.stdin?.destroy();
  }
}

/** SIGKILL to the child's process group (its children too), falling back to the child. */
function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}
