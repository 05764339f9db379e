// Shell completion: candidates for the word being typed, and the bash/zsh/fish glue that asks for them.
import { GLOBAL_FLAGS } from './argv.js';
import type { Command } from './types.js';

/**
 * Completion candidates.
 * @param table - the command table.
 * @param words - the words typed after `meshctl`, the last one being completed (may be `''`).
 * @returns matching command words or flags.
 */
export function completions(table: readonly Command[], words: readonly string[]): string[] {
  const current = words.at(-1) ?? '';
  const before = words.slice(0, -1).filter((w) => !w.startsWith('-'));
  const command =
    table.find((c) => c.name === before.slice(0, 2).join(' ')) ??
    table.find((c) => c.name === before[0]);
  if (current.startsWith('-')) {
    const flags = Object.keys({ ...GLOBAL_FLAGS, ...(command?.flags ?? {}) }).map((f) => `--${f}`);
    return flags.filter((f) => f.startsWith(current));
  }
  const depth = before.length;
  if (depth === 0)
    return [...new Set(table.map((c) => c.name.split(' ')[0]))].filter((w) =>
      w.startsWith(current),
    );
  if (depth === 1) {
    const subs = table
      .filter((c) => c.name.startsWith(`${before[0]} `))
      .map((c) => c.name.split(' ')[1]);
    return subs.filter((w) => w.startsWith(current));
  }
  return [];
}

/** Shells `meshctl completion` writes a script for. */
export const SHELLS = ['bash', 'zsh', 'fish'] as const;

/**
 * The completion script of a shell; each asks `meshctl __complete <words…>` for candidates.
 * @param shell - bash, zsh or fish.
 * @returns the script.
 */
export function completionScript(shell: (typeof SHELLS)[number]): string {
  switch (shell) {
    case 'bash':
      return [
        '# meshctl completion for bash: add to ~/.bashrc: eval "$(meshctl completion bash)"',
        '_meshctl() {',
        "  local IFS=$'\\n'",
        '  COMPREPLY=($(meshctl __complete "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))',
        '}',
        'complete -F _meshctl meshctl',
      ].join('\n');
    case 'zsh':
      return [
        '# meshctl completion for zsh: add to ~/.zshrc: eval "$(meshctl completion zsh)"',
        '_meshctl() {',
        '  local -a candidates',
        '  candidates=("${(@f)$(meshctl __complete "${(@)words[2,CURRENT]}" 2>/dev/null)}")',
        '  compadd -- $candidates',
        '}',
        'compdef _meshctl meshctl',
      ].join('\n');
    case 'fish':
      return [
        '# meshctl completion for fish: meshctl completion fish > ~/.config/fish/completions/meshctl.fish',
        "complete -c meshctl -f -a '(meshctl __complete (commandline -opc)[2..-1] (commandline -ct) 2>/dev/null)'",
      ].join('\n');
  }
}
