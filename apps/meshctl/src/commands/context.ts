// meshctl context: the machine-readable catalogue agents read to drive meshctl.
import { EXIT_CODES } from '../cli/errors.js';
import { GLOBAL_FLAGS } from '../cli/argv.js';
import type { Command } from '../cli/types.js';

/**
 * Builds the `context` command over the finished table (it lists itself too).
 * @param version - meshctl's version.
 * @param table - every command.
 * @returns the command.
 */
export function contextCommand(version: string, table: () => readonly Command[]): Command {
  return {
    name: 'context',
    args: [],
    description: 'machine-readable catalogue of commands, flags, output and error codes',
    returns:
      'version, commands{name: {args, description, returns, flags}}, global_flags, error_codes{code: exit}',
    run: async () => ({
      version,
      commands: Object.fromEntries(
        table().map((c) => [
          c.name,
          { args: c.args, description: c.description, returns: c.returns, flags: c.flags ?? {} },
        ]),
      ),
      global_flags: GLOBAL_FLAGS,
      output: {
        ok: '{"status":"ok","data":…} on stdout, exit 0',
        error: '{"status":"error","code":…,"message":…,"hint":…} on stderr, exit per error_codes',
      },
      error_codes: EXIT_CODES,
    }),
  };
}
