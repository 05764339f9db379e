// CLI errors: a stable code, a message, a hint, and the exit code that code always maps to.

/** Exit status per error code (the `--json` contract; `context` lists it). */
export const EXIT_CODES: Readonly<Record<string, number>> = Object.freeze({
  internal: 1,
  invalid_argument: 2,
  not_running: 3,
  not_found: 4,
  already_exists: 5,
  connection_failed: 6,
  timeout: 7,
  unavailable: 8,
  method_not_found: 9,
});

/**
 * @param code - an error code.
 * @returns its exit status (1 for codes without their own).
 */
export function exitCodeOf(code: string): number {
  return EXIT_CODES[code] ?? 1;
}

/** An error meshctl reports under the output contract. */
export class CliError extends Error {
  /** Stable code. */
  readonly code: string;
  /** Next step for the user. */
  readonly hint: string | undefined;

  /**
   * @param code - stable code (see {@link EXIT_CODES}).
   * @param message - what went wrong.
   * @param hint - what to do next.
   */
  constructor(code: string, message: string, hint?: string) {
    super(message);
    this.name = 'CliError';
    this.code = code;
    this.hint = hint;
  }
}

/**
 * A usage mistake (exit 2).
 * @param message - what is wrong.
 * @param usage - the command's usage line.
 * @param suggestion - a "did you mean" line, shown before the usage.
 * @returns the error.
 */
export function usageError(message: string, usage?: string, suggestion?: string): CliError {
  const where = usage === undefined ? 'see: meshctl help' : `usage: ${usage}`;
  return new CliError(
    'invalid_argument',
    message,
    suggestion === undefined ? where : `${suggestion}\n${where}`,
  );
}

/**
 * Normalises anything thrown into a {@link CliError} (IpcErrors keep their code and hint).
 * @param err - the thrown value.
 * @returns the error to report.
 */
export function toCliError(err: unknown): CliError {
  if (err instanceof CliError) return err;
  if (err instanceof Error) {
    const code =
      typeof (err as { code?: unknown }).code === 'string'
        ? (err as unknown as { code: string }).code
        : 'internal';
    const hint =
      typeof (err as { hint?: unknown }).hint === 'string'
        ? (err as unknown as { hint: string }).hint
        : undefined;
    // Node's own errno codes are not part of the contract.
    const known = code in EXIT_CODES || /^[a-z_]+$/.test(code);
    return new CliError(known ? code : 'internal', err.message, hint);
  }
  return new CliError('internal', String(err));
}
