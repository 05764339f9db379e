// meshctl completion <shell>: prints the shell's completion script.
import { SHELLS, completionScript } from '../cli/complete.js';
import { usageError } from '../cli/errors.js';
import type { Command } from '../cli/types.js';

export const completion: Command = {
  name: 'completion',
  args: ['<shell>'],
  description: 'print the completion script for bash, zsh or fish',
  returns: 'the script (text)',
  async run(ctx) {
    const shell = ctx.args[0] as (typeof SHELLS)[number];
    if (!SHELLS.includes(shell))
      throw usageError(`no completion for "${ctx.args[0]}"; choose one of ${SHELLS.join(', ')}`);
    return completionScript(shell);
  },
  human: (d: string) => d,
};
