// meshctl daemon status: pid-file liveness plus IPC responsiveness.
import { CliError } from '../cli/errors.js';
import type { Command } from '../cli/types.js';
import { daemonFiles, isAlive, probe, readPid } from '../util/daemon-process.js';

/** Result of `daemon status`. */
export interface DaemonStatusResult {
  readonly running: boolean;
  readonly responsive: boolean;
  readonly pid: number;
  readonly socket: string;
  readonly node_id?: number;
  readonly address?: string;
  readonly hostname?: string;
}

export const daemonStatus: Command = {
  name: 'daemon status',
  args: [],
  description: 'whether the daemon runs and answers; --check exits 0/3 silently',
  returns: 'running, responsive, pid, socket, node_id, address, hostname',
  flags: {
    check: { type: 'boolean', description: 'no output; exit 0 when responsive, 3 when not' },
  },
  async run(ctx): Promise<DaemonStatusResult | undefined> {
    const pidFromFile = readPid(daemonFiles(ctx.home).pid);
    const info = await probe(ctx.socketPath);
    const pid = info?.pid ?? pidFromFile;
    const status: DaemonStatusResult = {
      running: info !== undefined || (pid !== 0 && isAlive(pid)),
      responsive: info !== undefined,
      pid,
      socket: ctx.socketPath,
      ...(info ? { node_id: info.node_id, address: info.address, hostname: info.hostname } : {}),
    };
    if (ctx.flags['check'] === true) {
      if (!status.responsive) throw new CliError('not_running', 'daemon not responsive');
      return undefined;
    }
    return status;
  },
  human: (d: DaemonStatusResult | undefined) =>
    d === undefined
      ? ''
      : d.responsive
        ? `daemon running pid=${d.pid} address=${d.address} hostname=${d.hostname || '-'}`
        : d.running
          ? `daemon process ${d.pid} is alive but not answering on ${d.socket}`
          : 'daemon not running',
};
