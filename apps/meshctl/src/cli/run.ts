// Runs one meshctl invocation under the output contract and returns the exit code.
import type { MeshClient } from '@mesh/client';
import { parseArgv, usageOf } from './argv.js';
import { completions } from './complete.js';
import { exitCodeOf, toCliError } from './errors.js';
import type { Command, CommandContext } from './types.js';

/** Where meshctl reads and writes (tests pass their own). */
export interface CliIo {
  /** Writes to stdout. */
  out(text: string): void;
  /** Writes to stderr. */
  err(text: string): void;
  /** Standard input. */
  readonly stdin: NodeJS.ReadableStream;
  /** Standard output stream (raw bytes for `connect`). */
  readonly stdout: NodeJS.WritableStream;
  /** Environment. */
  readonly env: NodeJS.ProcessEnv;
}

let stdinOpened = false;

/**
 * The process's real IO. `stdin` is a getter: Node builds `process.stdin` (a socket, a TTY or a
 * file stream) on first access, which a command that never reads it should not pay for.
 */
export const processIo: CliIo = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
  get stdin() {
    stdinOpened = true;
    return process.stdin;
  },
  get stdout() {
    return process.stdout;
  },
  env: process.env,
};

/**
 * Lets the process exit once a command is done, even if it opened standard input (an open
 * `process.stdin` keeps the event loop alive); does not create `process.stdin` when unused.
 */
export function releaseStdin(): void {
  if (stdinOpened) process.stdin.unref?.();
}

function helpText(table: readonly Command[], command?: Command): string {
  if (command) {
    const flags = Object.entries(command.flags ?? {}).map(
      ([k, f]) => `  --${k}${f.type === 'string' ? ' <value>' : ''}  ${f.description}`,
    );
    return [
      `usage: ${usageOf(command)}`,
      '',
      command.description,
      `returns: ${command.returns}`,
      ...(flags.length ? ['', 'flags:', ...flags] : []),
    ].join('\n');
  }
  const width = Math.max(...table.map((c) => c.name.length + c.args.join(' ').length + 1));
  return [
    'usage: meshctl <command> [args] [--json] [--socket <path>]   (meshctl --version)',
    '',
    ...table.map((c) => `  ${`${c.name} ${c.args.join(' ')}`.padEnd(width + 2)}${c.description}`),
    '',
    '--json anywhere prints {"status":"ok","data":…} on stdout or {"status":"error",…} on stderr.',
    'Targets are an address (0:0000.0000.0005), a node id (5) or a hostname.',
    'Environment: MESH_HOME (state, default ~/.mesh), MESH_SOCKET (IPC socket).',
  ].join('\n');
}

function render(command: Command, data: unknown): string {
  if (command.human) return (command.human as (d: unknown) => string)(data);
  if (data === undefined) return '';
  return typeof data === 'string' ? data : JSON.stringify(data, null, 2);
}

/**
 * Runs meshctl.
 * @param argv - arguments after the program name.
 * @param table - the command table.
 * @param io - streams and environment.
 * @returns the exit code.
 */
export async function runCli(
  argv: readonly string[],
  table: readonly Command[],
  io: CliIo = processIo,
): Promise<number> {
  // Shell completion asks for candidates; it never talks to the daemon.
  if (argv[0] === '__complete') {
    const found = completions(table, argv.slice(1));
    if (found.length > 0) io.out(found.join('\n') + '\n');
    return 0;
  }
  // `meshctl --version` is `meshctl version`.
  if (argv.some((a) => a === '--version' || a === '-V') && !argv.some((a) => !a.startsWith('-')))
    argv = ['version', ...argv.filter((a) => a !== '--version' && a !== '-V')];
  const json = argv.includes('--json');
  let client: MeshClient | undefined;
  try {
    const parsed = parseArgv(argv, table);
    if (!parsed.command || parsed.flags['help'] === true) {
      io.out(helpText(table, parsed.command) + '\n');
      return 0;
    }
    const command = parsed.command;
    // The client (and `node:net` with it) loads only when a command runs: `--help`, completion
    // and usage errors never pay for it.
    const { connect, meshHome, resolveSocketPath } = await import('@mesh/client');
    const socketFlag =
      typeof parsed.flags['socket'] === 'string' ? parsed.flags['socket'] : undefined;
    const socketPath = resolveSocketPath(socketFlag, io.env);
    const ctx: CommandContext = {
      args: parsed.args,
      flags: parsed.flags,
      json,
      socketPath,
      home: meshHome(io.env),
      env: io.env,
      client: async () => (client ??= await connect({ socketPath, clientName: 'meshctl' })),
      progress: (line) => {
        if (!json) io.err(line + '\n');
      },
      emit: (line) => io.out(line + '\n'),
      get stdin() {
        return io.stdin;
      },
      get stdout() {
        return io.stdout;
      },
    };
    const data = await command.run(ctx);
    if (json) io.out(JSON.stringify({ status: 'ok', data: data ?? null }) + '\n');
    else {
      const text = render(command, data);
      if (text !== '') io.out(text + '\n');
    }
    return 0;
  } catch (err) {
    const e = toCliError(err);
    if (json) {
      io.err(
        JSON.stringify({
          status: 'error',
          code: e.code,
          message: e.message,
          ...(e.hint !== undefined ? { hint: e.hint } : {}),
        }) + '\n',
      );
    } else {
      io.err(`error: ${e.message}\n${e.hint !== undefined ? `hint: ${e.hint}\n` : ''}`);
    }
    return exitCodeOf(e.code);
  } finally {
    await client?.close().catch(() => {});
  }
}
