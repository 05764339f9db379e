// meshd's command line (node:util parseArgs): every flag is also a config-file key, both from OPTIONS.
import { parseArgs } from 'node:util';
import { MESH_ERROR } from '@mesh/daemonapi';
import { OPTIONS, flagName } from './options.js';
import type { MeshdFlags } from './options.js';
import { closest } from './suggest.js';

export type { MeshdFlags } from './options.js';

/** A command-line or config mistake; meshd prints it with the usage and exits 2. */
export class UsageError extends Error {
  /** Stable code. */
  readonly code = 'invalid_argument';
  /** Not worth retrying: the input must change. */
  readonly retryable = false;
  /** The mesh error brand. */
  readonly [MESH_ERROR] = true;
  /** @param message - what is wrong. */
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

function usageLine(o: (typeof OPTIONS)[number]): string {
  const value = o.type === 'boolean' ? '' : ` <${o.value ?? 'value'}>`;
  const env = o.env === undefined ? '' : ` (env ${o.env})`;
  return `  ${`--${flagName(o.key)}${value}`.padEnd(30)}${o.description}${env}`;
}

/** The usage text. */
export const USAGE = [
  'usage: meshd [flags]',
  '',
  ...OPTIONS.map(usageLine),
  `  ${'--version'.padEnd(30)}print the version`,
  `  ${'-h, --help'.padEnd(30)}this help`,
  '',
  'Every flag is also a config-file key (hyphen, underscore or camelCase form); flags win over',
  'the environment, which wins over the file. Without --config, $MESH_HOME/meshd.json is loaded',
  'when it exists. State lives under MESH_HOME (default ~/.mesh). SIGHUP reloads the config',
  'file; SIGTERM/SIGINT stop. Durations take ms, s or m (e.g. 500ms, 10s, 2m).',
].join('\n');

/**
 * Parses meshd's arguments.
 * @param argv - arguments after the program name.
 * @returns the flags that were given.
 * @throws UsageError on an unknown flag (naming the closest valid one), a missing value or a positional argument.
 */
export function parseMeshdArgs(argv: readonly string[]): MeshdFlags {
  const options: Record<
    string,
    { type: 'string' | 'boolean'; multiple?: boolean; short?: string }
  > = {
    help: { type: 'boolean', short: 'h' },
    version: { type: 'boolean' },
  };
  for (const o of OPTIONS)
    options[flagName(o.key)] = {
      type: o.type === 'boolean' ? 'boolean' : 'string',
      ...(o.type === 'list' || o.type === 'entries' || o.type === 'addresses'
        ? { multiple: true }
        : {}),
    };
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], strict: true, allowPositionals: false, options });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const unknown = /Unknown option '--?([^']+)'/.exec(message)?.[1];
    const guess = unknown === undefined ? undefined : closest(unknown, Object.keys(options));
    throw new UsageError(guess === undefined ? message : `${message} (did you mean --${guess}?)`);
  }
  const v = parsed.values as Record<string, string | boolean | string[] | undefined>;
  const flags: Record<string, unknown> = {};
  for (const o of OPTIONS) {
    const value = v[flagName(o.key)];
    if (value === undefined) continue;
    if (o.type === 'addresses' && Array.isArray(value)) {
      flags[o.key] = value.join(',');
      continue;
    }
    flags[o.key] =
      Array.isArray(value) && o.type === 'list'
        ? value
            .flatMap((p) => p.split(','))
            .map((p) => p.trim())
            .filter((p) => p !== '')
        : value;
  }
  if (v['help'] !== undefined) flags['help'] = v['help'];
  if (v['version'] !== undefined) flags['version'] = v['version'];
  return flags;
}
