// meshctl version / --version: this CLI's version, and the daemon's and its contract's when one runs.
import type { VersionResult } from '@mesh/client';
import type { Command } from '../cli/types.js';

/** Result of `version`. */
export interface VersionReport {
  /** This CLI. */
  readonly meshctl: string;
  /** The running daemon's versions, or null when none answers. */
  readonly daemon: VersionResult | null;
}

/**
 * The `version` command.
 * @param cliVersion - meshctl's own version.
 * @returns the command.
 */
export function versionCommand(cliVersion: string): Command {
  return {
    name: 'version',
    args: [],
    description: "meshctl's version, and the running daemon's, plugin contract's and IPC's",
    returns:
      'meshctl, daemon{daemon_version, contract_version, rpc_version, commit, build_time} or null',
    async run(ctx): Promise<VersionReport> {
      let daemon: VersionResult | null = null;
      try {
        daemon = await (await ctx.client()).version();
      } catch {
        daemon = null; // not running, or too old to answer: the CLI's version still stands
      }
      return { meshctl: cliVersion, daemon };
    },
    human: (d: VersionReport) =>
      [
        `meshctl ${d.meshctl}`,
        d.daemon === null
          ? 'meshd    not running (start it with: meshctl daemon start)'
          : `meshd ${d.daemon.daemon_version}${d.daemon.commit ? ` (${d.daemon.commit})` : ''}`,
        ...(d.daemon === null
          ? []
          : [
              `plugin contract ${d.daemon.contract_version}`,
              `ipc protocol ${d.daemon.rpc_version}`,
            ]),
      ].join('\n'),
  };
}
