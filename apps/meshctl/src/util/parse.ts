// Argument value parsers shared by commands.
import { usageError } from '../cli/errors.js';

/**
 * Parses a duration: `500ms`, `30s`, `2m`, `1h`, or plain seconds.
 * @param text - the value.
 * @param flag - flag name for the error.
 * @returns milliseconds.
 */
export function parseDuration(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw usageError(`--${flag} must be a duration like 30s, 500ms or 2m, got "${text}"`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return Math.round(n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit]!);
}

/**
 * @param text - the value.
 * @param what - argument name for the error.
 * @returns a port 0..65535.
 */
export function parsePort(text: string, what = 'port'): number {
  if (!/^\d+$/.test(text) || Number(text) > 65535)
    throw usageError(`${what} must be 0..65535, got "${text}"`);
  return Number(text);
}

/**
 * @param text - the value.
 * @param what - argument name for the error.
 * @param min - smallest allowed.
 * @returns a non-negative integer.
 */
export function parseCount(text: string, what: string, min = 1): number {
  if (!/^\d+$/.test(text) || Number(text) < min)
    throw usageError(`${what} must be an integer ≥ ${min}, got "${text}"`);
  return Number(text);
}

/**
 * @param text - a node id in decimal, or an address whose node part is used.
 * @returns the node id.
 */
export function parseNodeId(text: string): number {
  if (/^\d+$/.test(text) && Number(text) > 0 && Number(text) <= 0xffffffff) return Number(text);
  const m = /^\d+:[0-9a-fA-F]{4}\.([0-9a-fA-F]{4})\.([0-9a-fA-F]{4})$/.exec(text);
  if (m) return parseInt(m[1] + m[2], 16);
  throw usageError(`expected a node id or an address, got "${text}"`);
}

/**
 * @param flags - parsed flags.
 * @param name - flag name.
 * @returns the string value, or undefined.
 */
export function stringFlag(
  flags: Readonly<Record<string, string | boolean>>,
  name: string,
): string | undefined {
  const v = flags[name];
  return typeof v === 'string' ? v : undefined;
}

/**
 * The command's `--timeout` as a dial deadline: a dial never outlasts the whole command.
 * @param flags - parsed flags.
 * @returns milliseconds, or undefined when no --timeout was given.
 */
export function dialTimeoutOf(
  flags: Readonly<Record<string, string | boolean>>,
): number | undefined {
  const text = stringFlag(flags, 'timeout');
  return text === undefined ? undefined : parseDuration(text, 'timeout');
}
