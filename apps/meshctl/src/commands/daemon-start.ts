// meshctl daemon start: fork meshd detached with its log file and wait until it answers.
import { mkdirSync, rmSync } from 'node:fs';
import { CliError } from '../cli/errors.js';
import type { Command } from '../cli/types.js';
import {
  closeFd,
  daemonFiles,
  findMeshd,
  isAlive,
  openLog,
  probe,
  readPid,
  tailLog,
} from '../util/daemon-process.js';
import { parseDuration, stringFlag } from '../util/parse.js';

/** String flags passed through to meshd unchanged (meshd --help describes them). */
const FORWARDED: Readonly<Record<string, string>> = {
  config: 'meshd JSON config file (default $MESH_HOME/meshd.json when present)',
  registry: 'registry host:port (default 127.0.0.1:9000)',
  beacon: 'beacon host:port',
  'beacon-ws': "beacon's WebSocket relay URL (with --transport ws|auto)",
  transport: 'relay path: udp | ws | auto',
  listen: 'UDP tunnel bind host:port',
  endpoint: 'fixed public endpoint host:port (skips discovery)',
  identity: 'identity file',
  hostname: 'hostname to register',
  owner: 'owner string',
  webhook: 'webhook URL',
  'admin-token': 'admin token for privileged registry calls',
  services: 'built-in services: echo,data-exchange,event-stream or none',
  plugins: 'comma-separated plugin modules (package names or .js/.mjs paths)',
  'dial-timeout': 'default dial deadline',
  'registry-timeout': 'registry request timeout',
  'log-level': 'debug|info|warn|error',
  'log-format': 'text|json',
  'log-max-bytes': 'rotate meshd.log at this size (default 10MiB)',
  'log-keep': 'rotated logs kept (default 3)',
  'received-max-bytes': 'byte cap on received/ (default 0: no cap)',
  'inbox-max-bytes': 'byte cap on inbox/ (default 0: no cap)',
};
const FORWARDED_BOOLEANS: Readonly<Record<string, string>> = {
  public: 'make the node public',
  'trust-auto-approve': 'approve every trust request',
};

/** The hint for a daemon that could not reach its registry. */
function registryHint(
  ctx: { flags: Readonly<Record<string, string | boolean>>; env: NodeJS.ProcessEnv },
  log: string,
): string | undefined {
  if (!/ECONNREFUSED|registry/i.test(log)) return undefined;
  const named = stringFlag(ctx.flags, 'registry') ?? ctx.env['MESH_REGISTRY'];
  return named === undefined || named === ''
    ? 'no registry answers at the default 127.0.0.1:9000: start one on this machine with "mesh-rendezvous" (npm install -g mesh-rendezvous, or node apps/rendezvous/dist/index.js in the repo), or pass --registry host:port'
    : `is a registry (mesh-rendezvous) running at ${named}?`;
}

/** Result of `daemon start`. */
export interface DaemonStartResult {
  readonly pid: number;
  readonly node_id: number;
  readonly address: string;
  readonly hostname: string;
  readonly socket: string;
  readonly log_file: string;
}

export const daemonStart: Command = {
  name: 'daemon start',
  args: [],
  description:
    'start meshd in the background (log in $MESH_HOME/meshd.log) and wait until it answers',
  returns: 'pid, node_id, address, hostname, socket, log_file',
  flags: {
    ...Object.fromEntries(
      Object.entries(FORWARDED).map(([k, description]) => [
        k,
        { type: 'string' as const, description },
      ]),
    ),
    ...Object.fromEntries(
      Object.entries(FORWARDED_BOOLEANS).map(([k, description]) => [
        k,
        { type: 'boolean' as const, description },
      ]),
    ),
    timeout: { type: 'string', description: 'how long to wait for the daemon (default 15s)' },
  },
  async run(ctx): Promise<DaemonStartResult> {
    const files = daemonFiles(ctx.home);
    mkdirSync(ctx.home, { recursive: true, mode: 0o700 });
    const running = await probe(ctx.socketPath);
    if (running)
      throw new CliError(
        'already_exists',
        `a daemon is already running (pid ${running.pid})`,
        'stop it with: meshctl daemon stop',
      );
    const owner = readPid(files.pid);
    if (owner !== 0 && isAlive(owner)) {
      throw new CliError(
        'already_exists',
        `a daemon is already running (pid ${owner}) but does not answer on ${ctx.socketPath}`,
        'check: meshctl daemon status',
      );
    }
    if (owner !== 0) rmSync(files.pid, { force: true }); // stale: its process is gone
    // meshd writes its own log (rotated); stdout/stderr still go to the same file for crashes.
    const args: string[] = ['--socket', ctx.socketPath, '--log-file', files.log];
    for (const f of Object.keys(FORWARDED)) {
      const v = stringFlag(ctx.flags, f);
      if (v !== undefined) args.push(`--${f}`, v);
    }
    for (const f of Object.keys(FORWARDED_BOOLEANS)) if (ctx.flags[f] === true) args.push(`--${f}`);
    const script = findMeshd(ctx.env);
    const log = openLog(files.log);
    // Loaded here: every other command starts faster without `node:child_process`.
    const { spawn } = await import('node:child_process');
    const child = spawn(
      script === undefined ? 'meshd' : process.execPath,
      script === undefined ? args : [script, ...args],
      {
        detached: true,
        stdio: ['ignore', log, log],
        env: { ...ctx.env, MESH_HOME: ctx.home },
      },
    );
    closeFd(log);
    let exited: number | null | undefined;
    child.once('exit', (code) => (exited = code));
    child.once('error', () => (exited = -1));
    child.unref();
    const deadline =
      Date.now() + parseDuration(stringFlag(ctx.flags, 'timeout') ?? '15s', 'timeout');
    ctx.progress('starting meshd…');
    while (Date.now() < deadline) {
      if (exited !== undefined) {
        const tail = tailLog(files.log);
        throw new CliError(
          exited === 2 ? 'invalid_argument' : 'internal',
          `meshd exited during start (code ${exited}):\n${tail}`,
          registryHint(ctx, tail) ?? `see ${files.log}`,
        );
      }
      const info = await probe(ctx.socketPath);
      if (info) return { ...info, socket: ctx.socketPath, log_file: files.log };
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new CliError(
      'timeout',
      `meshd did not answer within the deadline:\n${tailLog(files.log)}`,
      `see ${files.log}`,
    );
  },
  human: (d: DaemonStartResult) =>
    `daemon started pid=${d.pid}\n  address  ${d.address}\n  node id  ${d.node_id}\n  hostname ${d.hostname || '-'}\n  socket   ${d.socket}\n  log      ${d.log_file}`,
};
