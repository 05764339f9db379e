// Splits argv into command words, positionals and flags, with --json allowed anywhere.
import { usageError } from './errors.js';
import { closest } from './suggest.js';
import type { Command } from './types.js';

/** Flags every command accepts. */
export const GLOBAL_FLAGS = {
  json: {
    type: 'boolean',
    description: 'machine-readable output: {"status":"ok","data":…} / {"status":"error",…}',
  },
  socket: {
    type: 'string',
    description: 'IPC socket (default $MESH_SOCKET, then $MESH_HOME/mesh.sock)',
  },
  help: { type: 'boolean', description: 'show help for the command' },
} as const;

/** The parsed command line. */
export interface ParsedArgv {
  /** The matched command, or undefined for bare `meshctl` / `help`. */
  readonly command: Command | undefined;
  /** Positionals after the command words. */
  readonly args: string[];
  /** Flags. */
  readonly flags: Record<string, string | boolean>;
  /** `--json` given. */
  readonly json: boolean;
}

/**
 * Usage line of a command.
 * @param c - the command.
 * @returns e.g. `meshctl send <target> <port> --data <text>`.
 */
export function usageOf(c: Command): string {
  const flags = Object.entries(c.flags ?? {}).map(([k, f]) =>
    f.type === 'boolean' ? `[--${k}]` : `[--${k} <${k}>]`,
  );
  return ['meshctl', c.name, ...c.args, ...flags].join(' ');
}

/**
 * Parses argv against the command table.
 * @param argv - arguments after the program name.
 * @param commands - the table.
 * @returns the parse.
 * @throws CliError `invalid_argument` on an unknown command or flag, or a wrong argument count.
 */
export function parseArgv(argv: readonly string[], commands: readonly Command[]): ParsedArgv {
  const json = argv.includes('--json');
  const rest = argv.filter((a) => a !== '--json');
  // Command words are the leading non-flag tokens that match the longest command name.
  const words: string[] = [];
  for (const a of rest) {
    if (a.startsWith('-')) break;
    words.push(a);
  }
  let command: Command | undefined;
  let used = 0;
  for (let n = Math.min(words.length, 2); n >= 1 && !command; n--) {
    const name = words.slice(0, n).join(' ');
    command = commands.find((c) => c.name === name);
    if (command) used = n;
  }
  if (!command) {
    if (words.length === 0 || words[0] === 'help')
      return { command: undefined, args: words.slice(1), flags: { help: true }, json };
    const group = commands.filter((c) => c.name.startsWith(`${words[0]} `)).map((c) => c.name);
    if (group.length > 0) {
      const sub = words[1] === undefined ? undefined : closest(words.slice(0, 2).join(' '), group);
      throw usageError(
        `"${words.join(' ')}" needs a subcommand: ${group.join(', ')}`,
        undefined,
        sub === undefined ? undefined : `did you mean "meshctl ${sub}"?`,
      );
    }
    const typed = words.slice(0, 2).join(' ');
    const names = commands.map((c) => c.name);
    const guess = closest(typed, names) ?? closest(words[0], names);
    throw usageError(
      `unknown command "${words[0]}"`,
      undefined,
      guess === undefined ? undefined : `did you mean "meshctl ${guess}"?`,
    );
  }
  const spec: Record<string, { type: string }> = { ...GLOBAL_FLAGS, ...command.flags };
  const args: string[] = [];
  const flags: Record<string, string | boolean> = {};
  const tokens = rest.slice(used);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === '--') {
      args.push(...tokens.slice(i + 1));
      break;
    }
    if (!t.startsWith('--') || t === '-') {
      args.push(t);
      continue;
    }
    const eq = t.indexOf('=');
    const name = t.slice(2, eq === -1 ? undefined : eq);
    const f = spec[name];
    if (!f) {
      const guess = closest(name, Object.keys(spec));
      throw usageError(
        `unknown flag --${name} for "${command.name}"`,
        usageOf(command),
        guess === undefined ? undefined : `did you mean --${guess}?`,
      );
    }
    if (f.type === 'boolean') {
      if (eq !== -1) flags[name] = !['false', '0', 'no'].includes(t.slice(eq + 1));
      else flags[name] = true;
    } else if (eq !== -1) {
      flags[name] = t.slice(eq + 1);
    } else {
      const v = tokens[i + 1];
      if (v === undefined) throw usageError(`--${name} needs a value`, usageOf(command));
      flags[name] = v;
      i++;
    }
  }
  if (flags['help'] !== true) {
    const required = command.args.filter((a) => a.startsWith('<')).length;
    const variadic = command.args.some((a) => a.endsWith('...>') || a.endsWith('...]'));
    if (args.length < required)
      throw usageError(`"${command.name}" needs ${command.args.join(' ')}`, usageOf(command));
    if (!variadic && args.length > command.args.length) {
      throw usageError(`too many arguments for "${command.name}"`, usageOf(command));
    }
  }
  return { command, args, flags, json };
}
