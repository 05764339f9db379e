// meshctl daemon start: fork meshd detached with its log file and wait until it answers.
import { spawn } from 'node:child_process';
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

const FORWARDED = [
  'config',
  'registry',
  'beacon',
  'listen',
  'identity',
  'hostname',
  'webhook',
  'plugins',
  'log-level',
  'log-format',
];

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
    config: { type: 'string', description: 'meshd JSON config file' },
    registry: { type: 'string', description: 'registry host:port' },
    beacon: { type: 'string', description: 'beacon host:port' },
    listen: { type: 'string', description: 'UDP tunnel bind host:port' },
    identity: { type: 'string', description: 'identity file' },
    hostname: { type: 'string', description: 'hostname to register' },
    public: { type: 'boolean', description: 'make the node public' },
    webhook: { type: 'string', description: 'webhook URL' },
    plugins: { type: 'string', description: 'comma-separated plugin modules' },
    'log-level': { type: 'string', description: 'debug|info|warn|error' },
    'log-format': { type: 'string', description: 'text|json' },
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
    const args: string[] = ['--socket', ctx.socketPath];
    for (const f of FORWARDED) {
      const v = stringFlag(ctx.flags, f);
      if (v !== undefined) args.push(`--${f}`, v);
    }
    if (ctx.flags['public'] === true) args.push('--public');
    const script = findMeshd(ctx.env);
    const log = openLog(files.log);
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
        throw new CliError(
          'internal',
          `meshd exited during start (code ${exited}):\n${tailLog(files.log)}`,
          `see ${files.log}`,
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
