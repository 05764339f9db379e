// Command line → RendezvousConfig: parse flags, read the JSON config file, merge with defaults.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { FlagSpec, RendezvousConfig } from './flags.js';
import { DEFAULTS, FLAGS } from './flags.js';

/** A bad command line or config file; the process exits with status 2. */
export class UsageError extends Error {
  /** Class name, kept on the instance so it survives bundling. */
  static override readonly name: string = 'UsageError';
  /** Stable code. */
  readonly code = 'usage' as const;

  /**
   * @param message - what is wrong, for a person.
   * @param options - `cause`.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UsageError';
  }
}

/** What the command line asks for. */
export type CliRequest =
  { readonly kind: 'help' } | { readonly kind: 'run'; readonly config: RendezvousConfig };

/** Source of a setting value. */
type Settings = Partial<Record<keyof RendezvousConfig, string | boolean>>;

const flagByName = new Map(FLAGS.map((f) => [f.name, f]));

/** `registry_addr` / `registryAddr` / `registry-addr` → `registry-addr`. */
function normaliseKey(key: string): string {
  return key
    .replace(/_/g, '-')
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase();
}

/** Checks a value against the flag's choices. */
function checked(flag: FlagSpec, value: string, where: string): string {
  if (flag.choices && !flag.choices.includes(value)) {
    throw new UsageError(
      `${where}: ${flag.name} must be one of ${flag.choices.join(', ')}, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/**
 * Reads a JSON config file into settings. Keys are flag names in hyphen, underscore or camelCase
 * form; values are strings (numbers are accepted and turned into strings).
 * @throws UsageError for an unreadable file, bad JSON, an unknown key or a wrong value type.
 */
export function readConfigFile(path: string): Settings {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new UsageError(`cannot read config file ${path}: ${(cause as Error).message}`, { cause });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (cause) {
    throw new UsageError(`config file ${path} is not valid JSON: ${(cause as Error).message}`, {
      cause,
    });
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new UsageError(`config file ${path} must hold a JSON object`);
  }
  const out: Settings = {};
  for (const [rawKey, value] of Object.entries(data)) {
    const flag = flagByName.get(normaliseKey(rawKey));
    if (flag?.key === undefined) {
      throw new UsageError(`config file ${path}: unknown key ${JSON.stringify(rawKey)}`);
    }
    if (flag.type === 'boolean') {
      if (typeof value !== 'boolean')
        throw new UsageError(`config file ${path}: ${rawKey} must be true or false`);
      out[flag.key] = value;
      continue;
    }
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new UsageError(`config file ${path}: ${rawKey} must be a string`);
    }
    out[flag.key] = checked(flag, String(value), `config file ${path}`);
  }
  return out;
}

/**
 * Parses the command line and merges, highest first: flags, environment variables, the
 * `--config` file, defaults.
 * @param argv - arguments after the program name.
 * @param env - environment (for `MESH_ADMIN_TOKEN`).
 * @throws UsageError on unknown flags, missing values, bad choices or a bad config file.
 */
export function parseCommandLine(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): CliRequest {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: Object.fromEntries(
        FLAGS.map((f) => [f.name, f.short ? { type: f.type, short: f.short } : { type: f.type }]),
      ),
      strict: true,
      allowPositionals: false,
    }));
  } catch (cause) {
    throw new UsageError((cause as Error).message, { cause });
  }
  if (values['help'] === true) return { kind: 'help' };

  const configPath = values['config'];
  const fromFile = typeof configPath === 'string' ? readConfigFile(configPath) : {};
  const merged: Record<string, string | boolean> = { ...DEFAULTS, ...fromFile };
  for (const flag of FLAGS) {
    if (flag.key === undefined) continue;
    if (flag.type === 'boolean') {
      const v = values[flag.name] ?? merged[flag.key];
      if (typeof v !== 'boolean')
        throw new UsageError(`${flag.name} must be true or false, got ${JSON.stringify(v)}`);
      merged[flag.key] = v;
      continue;
    }
    const envValue = flag.env === undefined ? undefined : env[flag.env];
    if (envValue !== undefined && envValue !== '') merged[flag.key] = envValue;
    const value = values[flag.name];
    if (typeof value === 'string') merged[flag.key] = checked(flag, value, `--${flag.name}`);
    else merged[flag.key] = checked(flag, String(merged[flag.key] ?? ''), flag.name);
  }
  parseDuration(String(merged['staleAfter'] ?? ''), 'stale-after');
  if (merged['beaconId'] !== '') parseBeaconId(String(merged['beaconId'] ?? ''));
  return { kind: 'run', config: merged as unknown as RendezvousConfig };
}

/**
 * Parses a duration such as `500ms`, `90s`, `30m` or `1h`.
 * @returns milliseconds.
 * @throws UsageError for anything else.
 */
export function parseDuration(text: string, flag: string): number {
  const m = /^(\d+)(ms|s|m|h)$/.exec(text.trim());
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;
  const ms = m ? Number(m[1]) * unit[m[2] as keyof typeof unit] : NaN;
  if (!Number.isSafeInteger(ms) || ms <= 0) {
    throw new UsageError(
      `--${flag} must be a positive duration like 90s, 30m or 1h, got ${JSON.stringify(text)}`,
    );
  }
  return ms;
}

/**
 * Parses a beacon id: a decimal integer in 1..4294967295.
 * @throws UsageError otherwise.
 */
export function parseBeaconId(text: string): number {
  const id = /^\d{1,10}$/.test(text) ? Number(text) : NaN;
  if (!(id >= 1 && id <= 0xffffffff)) {
    throw new UsageError(
      `--beacon-id must be an integer in 1..4294967295, got ${JSON.stringify(text)}`,
    );
  }
  return id;
}

/** The --help text, generated from the flag table so it lists every flag. */
export function helpText(): string {
  const rows = FLAGS.map((f) => {
    const left = `${f.short ? `-${f.short}, ` : '    '}--${f.name}${f.value ? ` <${f.value}>` : ''}`;
    const notes: string[] = [];
    const def = f.key === undefined ? undefined : DEFAULTS[f.key];
    if (def !== undefined) notes.push(`default ${JSON.stringify(def)}`);
    if (f.choices) notes.push(`one of ${f.choices.join('|')}`);
    if (f.env) notes.push(`env ${f.env}`);
    return { left, right: `${f.description}${notes.length ? ` (${notes.join('; ')})` : ''}` };
  });
  const width = Math.max(...rows.map((r) => r.left.length)) + 2;
  return [
    'Usage: mesh-rendezvous [flags]',
    '',
    'Runs the mesh registry (TCP) and beacon (UDP + WebSocket relay) in one process.',
    'Prints one JSON line {"event":"ready",...} on stdout once every listener is bound;',
    'SIGTERM or SIGINT flush the store, close the listeners and exit 0.',
    '',
    'Flags:',
    ...rows.map((r) => `  ${r.left.padEnd(width)}${r.right}`),
    '',
  ].join('\n');
}
