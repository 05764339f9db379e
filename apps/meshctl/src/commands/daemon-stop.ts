// meshctl daemon stop: SIGTERM, wait, SIGKILL after the deadline.
import { rmSync } from 'node:fs';
import { CliError } from '../cli/errors.js';
import type { Command } from '../cli/types.js';
import { daemonFiles, isAlive, probe, readPid } from '../util/daemon-process.js';
import { parseDuration, stringFlag } from '../util/parse.js';

/** Result of `daemon stop`. */
export interface DaemonStopResult {
  readonly pid: number;
  readonly forced: boolean;
}

export const daemonStop: Command = {
  name: 'daemon stop',
  args: [],
  description: 'stop the daemon: SIGTERM, then SIGKILL after the deadline',
  returns: 'pid, forced',
  flags: { timeout: { type: 'string', description: 'grace period before SIGKILL (default 10s)' } },
  async run(ctx): Promise<DaemonStopResult> {
    const files = daemonFiles(ctx.home);
    let pid = readPid(files.pid);
    if (pid !== 0 && !isAlive(pid)) rmSync(files.pid, { force: true }); // stale: its daemon died
    if (pid === 0 || !isAlive(pid)) pid = (await probe(ctx.socketPath))?.pid ?? 0;
    if (pid === 0 || !isAlive(pid)) {
      throw new CliError(
        'not_running',
        'no daemon is running',
        'start the daemon with: meshctl daemon start',
      );
    }
    process.kill(pid, 'SIGTERM');
    const deadline =
      Date.now() + parseDuration(stringFlag(ctx.flags, 'timeout') ?? '10s', 'timeout');
    while (Date.now() < deadline && isAlive(pid)) await new Promise((r) => setTimeout(r, 50));
    let forced = false;
    if (isAlive(pid)) {
      process.kill(pid, 'SIGKILL');
      forced = true;
      while (isAlive(pid)) await new Promise((r) => setTimeout(r, 20));
      // A killed daemon cannot clean up after itself.
      rmSync(files.pid, { force: true });
      rmSync(ctx.socketPath, { force: true });
    }
    return { pid, forced };
  },
  human: (d: DaemonStopResult) =>
    `daemon stopped pid=${d.pid}${d.forced ? ' (killed after the deadline)' : ''}`,
};
