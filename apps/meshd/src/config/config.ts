// The effective configuration: defaults ← config file ← environment ← flags.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { meshHome, resolveSocketPath } from '@mesh/ipc';
import type { MeshdFlags } from './flags.js';
import { UsageError } from './flags.js';

/** Log levels, least to most severe. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
/** Log line formats. */
export type LogFormat = 'text' | 'json';

/** The resolved daemon configuration. */
export interface MeshdConfig {
  /** State directory (MESH_HOME). */
  readonly home: string;
  /** Config file path, when one was given (SIGHUP re-reads it). */
  readonly configPath: string | undefined;
  /** Registry `host:port`, or several separated by commas (instances sharing one store). */
  readonly registry: string;
  /** Talk TLS to the registry. */
  readonly registryTls: boolean;
  /** Pinned SHA-256 of the registry certificate (hex), `''` for system roots. */
  readonly registryFingerprint: string;
  /** Beacon `host:port`, when any. */
  readonly beacon: string | undefined;
  /** UDP tunnel bind. */
  readonly listen: string;
  /** IPC socket path. */
  readonly socket: string;
  /** Identity file. */
  readonly identity: string;
  /** Hostname to register, `''` for none. */
  readonly hostname: string;
  /** Public visibility. */
  readonly public: boolean;
  /** Webhook URL, `''` for none. */
  readonly webhook: string;
  /** Extra plugin modules. */
  readonly plugins: readonly string[];
  /** Log level. */
  readonly logLevel: LogLevel;
  /** Log format. */
  readonly logFormat: LogFormat;
}

/** The registry used when nothing names one: a rendezvous on this machine. */
export const DEFAULT_REGISTRY = '127.0.0.1:9000';

const LEVELS: readonly string[] = ['debug', 'info', 'warn', 'error'];

/** Config-file keys → flag names (both `log-level` and `log_level` spellings). */
function normaliseKey(key: string): string {
  return key.replace(/[-_]([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/**
 * Reads a JSON config file into flag form.
 * @param file - path to the JSON file.
 * @returns its values keyed like {@link MeshdFlags}.
 * @throws UsageError when the file is missing, not JSON, or has a value of the wrong type.
 */
export async function loadConfigFile(file: string): Promise<MeshdFlags> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read config file ${file}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`config file ${file} is not valid JSON: ${(err as Error).message}`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new UsageError(`config file ${file} must hold a JSON object`);
  const out: Record<string, unknown> = {};
  const strings = [
    'registry',
    'registryFingerprint',
    'beacon',
    'listen',
    'socket',
    'identity',
    'hostname',
    'webhook',
    'logLevel',
    'logFormat',
  ];
  for (const [k, value] of Object.entries(raw as Record<string, unknown>)) {
    const key = normaliseKey(k);
    if (strings.includes(key)) {
      if (typeof value !== 'string')
        throw new UsageError(`config ${file}: "${k}" must be a string`);
      out[key] = value;
    } else if (key === 'public' || key === 'registryTls') {
      if (typeof value !== 'boolean')
        throw new UsageError(`config ${file}: "${k}" must be true or false`);
      out[key] = value;
    } else if (key === 'plugins') {
      if (!Array.isArray(value) || !value.every((p) => typeof p === 'string')) {
        throw new UsageError(`config ${file}: "plugins" must be an array of module names`);
      }
      out[key] = value;
    }
    // Unknown keys are ignored so newer config files work with older daemons.
  }
  return out;
}

/**
 * Merges defaults, the config file, the environment and flags (later wins).
 * @param flags - the command line.
 * @param file - the config file's values (`{}` when none).
 * @param env - the environment.
 * @returns the effective configuration.
 * @throws UsageError on an invalid log level or format.
 */
export function resolveConfig(
  flags: MeshdFlags,
  file: MeshdFlags,
  env: NodeJS.ProcessEnv = process.env,
): MeshdConfig {
  const home = meshHome(env);
  const pick = <K extends keyof MeshdFlags>(
    key: K,
    envName?: string,
  ): MeshdFlags[K] | undefined => {
    if (flags[key] !== undefined) return flags[key];
    if (envName !== undefined && env[envName] !== undefined && env[envName] !== '')
      return env[envName] as MeshdFlags[K];
    return file[key];
  };
  const logLevel = pick('logLevel') ?? 'info';
  if (!LEVELS.includes(logLevel))
    throw new UsageError(`--log-level must be one of ${LEVELS.join(', ')}, got "${logLevel}"`);
  const logFormat = pick('logFormat') ?? 'text';
  if (logFormat !== 'text' && logFormat !== 'json')
    throw new UsageError(`--log-format must be text or json, got "${logFormat}"`);
  const socketSetting = flags.socket ?? file.socket;
  return {
    home,
    configPath: flags.config === undefined ? undefined : path.resolve(flags.config),
    registry: pick('registry', 'MESH_REGISTRY') ?? DEFAULT_REGISTRY,
    registryTls: (pick('registryTls') ?? false) || (pick('registryFingerprint') ?? '') !== '',
    registryFingerprint: pick('registryFingerprint') ?? '',
    beacon: pick('beacon', 'MESH_BEACON'),
    listen: pick('listen') ?? '0.0.0.0:0',
    socket: resolveSocketPath(socketSetting, env),
    identity: path.resolve(pick('identity') ?? path.join(home, 'identity.json')),
    hostname: pick('hostname') ?? '',
    public: pick('public') ?? false,
    webhook: pick('webhook') ?? '',
    plugins: [...(file.plugins ?? []), ...(flags.plugins ?? [])],
    logLevel: logLevel as LogLevel,
    logFormat,
  };
}
