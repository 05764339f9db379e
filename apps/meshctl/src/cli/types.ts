// The shape of a command: its catalogue entry (for `context` and help) and its implementation.
import type { MeshClient } from '@mesh/client';

/** One flag of a command. */
export interface FlagSpec {
  /** `boolean` flags take no value. */
  readonly type: 'string' | 'boolean';
  /** What it does. */
  readonly description: string;
}

/** What a running command gets. */
export interface CommandContext {
  /** Positional arguments after the command words. */
  readonly args: readonly string[];
  /** Flags given (strings or true). */
  readonly flags: Readonly<Record<string, string | boolean>>;
  /** `--json` mode. */
  readonly json: boolean;
  /** The IPC socket path. */
  readonly socketPath: string;
  /** The state directory. */
  readonly home: string;
  /** The environment. */
  readonly env: NodeJS.ProcessEnv;
  /** A connected client (connects on first use; closed after the command). */
  client(): Promise<MeshClient>;
  /** A progress or status line on stderr (human mode only). */
  progress(line: string): void;
  /** Writes a raw line to stdout (streaming commands: NDJSON in JSON mode). */
  emit(line: string): void;
  /** Standard input (for `connect`). */
  readonly stdin: NodeJS.ReadableStream;
  /** Standard output (for `connect`). */
  readonly stdout: NodeJS.WritableStream;
}

/** A command: catalogue entry plus behaviour. */
export interface Command {
  /** Command words, e.g. `info` or `daemon start`. */
  readonly name: string;
  /** Argument names: `<required>`, `[optional]`, `<many...>`. */
  readonly args: readonly string[];
  /** One line. */
  readonly description: string;
  /** What `data` holds on success. */
  readonly returns: string;
  /** Accepted flags. */
  readonly flags?: Readonly<Record<string, FlagSpec>>;
  /** Runs it; the resolved value becomes `data`. */
  run(ctx: CommandContext): Promise<unknown>;
  /** Human rendering of `data` (default: indented JSON, or nothing for undefined). */
  human?(data: never): string;
}
