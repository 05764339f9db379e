// The effective configuration: defaults ← config file ← environment ← flags.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { meshHome, resolveSocketPath } from '@mesh/ipc';
import { validateHostname } from '@mesh/daemon';
import { UsageError } from './flags.js';
import { BUILTIN_SERVICES, OPTIONS, flagName } from './options.js';
import type { MeshdFlags, OptionSpec } from './options.js';
import { closest } from './suggest.js';

/** Log levels, least to most severe. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
/** Log line formats. */
export type LogFormat = 'text' | 'json';
/** Relay paths to the beacon. */
export type TransportKind = 'udp' | 'ws' | 'auto';

/** The resolved daemon configuration. */
export interface MeshdConfig {
  /** State directory (MESH_HOME). */
  readonly home: string;
  /** Config file path, when one was given or the default one exists (SIGHUP re-reads it). */
  readonly configPath: string | undefined;
  /** Registry `host:port`, or several separated by commas (instances sharing one store). */
  readonly registry: string;
  /** Registry wire mode. */
  readonly registryMode: 'binary' | 'json';
  /** Talk TLS to the registry. */
  readonly registryTls: boolean;
  /** Pinned SHA-256 of the registry certificate (hex), `''` for system roots. */
  readonly registryFingerprint: string;
  /** Beacon `host:port`, when any. */
  readonly beacon: string | undefined;
  /** Beacon WebSocket relay URL, when any. */
  readonly beaconWs: string | undefined;
  /** Relay path. */
  readonly transport: TransportKind;
  /** UDP tunnel bind. */
  readonly listen: string;
  /** Fixed public endpoint, when any. */
  readonly endpoint: string | undefined;
  /** IPC socket path. */
  readonly socket: string;
  /** Identity file. */
  readonly identity: string;
  /** Hostname to register, `''` for none. */
  readonly hostname: string;
  /** Public visibility. */
  readonly public: boolean;
  /** Owner string, when any. */
  readonly owner: string | undefined;
  /** Webhook URL, `''` for none. */
  readonly webhook: string;
  /** Admin token for privileged registry calls, when any. */
  readonly adminToken: string | undefined;
  /** Approve every trust request. */
  readonly trustAutoApprove: boolean;
  /** Built-in services to run. */
  readonly services: {
    readonly echo: boolean;
    readonly dataExchange: boolean;
    readonly eventStream: boolean;
  };
  /** Extra plugin modules. */
  readonly plugins: readonly string[];
  /** Out-of-process plugins, `name=/path[,sha256=…][,mtls=off]`. */
  readonly pluginExec: readonly string[];
  /** Timeouts in ms; undefined takes the engine's default. */
  readonly timeouts: {
    readonly dial: number | undefined;
    readonly registry: number | undefined;
    readonly discovery: number | undefined;
    readonly keepalive: number | undefined;
    readonly pluginInit: number | undefined;
    readonly pluginShutdown: number | undefined;
  };
  /** Log level. */
  readonly logLevel: LogLevel;
  /** Log format. */
  readonly logFormat: LogFormat;
  /** Log file (rotated), or undefined for stderr. */
  readonly logFile: string | undefined;
  /** Rotate the log file at this many bytes; 0 never. */
  readonly logMaxBytes: number;
  /** Rotated files kept. */
  readonly logKeep: number;
  /** Byte cap on `received/`; 0 none. */
  readonly receivedMaxBytes: number;
  /** Byte cap on `inbox/`; 0 none. */
  readonly inboxMaxBytes: number;
}

/** The registry used when nothing names one: a rendezvous on this machine. */
export const DEFAULT_REGISTRY = '127.0.0.1:9000';

/**
 * Where meshd looks for a config file when `--config` is not given.
 * @param env - the environment (MESH_HOME).
 * @returns `$MESH_HOME/meshd.json`.
 */
export function defaultConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(meshHome(env), 'meshd.json');
}

const LEVELS: readonly string[] = ['debug', 'info', 'warn', 'error'];
const BY_KEY = new Map<string, OptionSpec>(OPTIONS.map((o) => [o.key, o]));

/** Config-file keys → camelCase (`log-level`, `log_level` and `logLevel` all work). */
function normaliseKey(key: string): string {
  return key.replace(/[-_]([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/**
 * Parses a duration: a number of ms, or text like `500ms`, `10s`, `2m`.
 * @param value - the setting.
 * @param name - its flag name, for the message.
 * @returns milliseconds.
 * @throws UsageError on anything else.
 */
export function parseDurationMs(value: string | number, name: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(String(value).trim());
  if (!m)
    throw new UsageError(`--${name} must be a duration like 500ms, 10s or 2m, got "${value}"`);
  const n = Number(m[1]);
  return Math.round(m[2] === 's' ? n * 1000 : m[2] === 'm' ? n * 60_000 : n);
}

/**
 * Parses a size: a number of bytes, or text like `512k`, `10MiB`, `1G`.
 * @param value - the setting.
 * @param name - its flag name, for the message.
 * @returns bytes.
 * @throws UsageError on anything else.
 */
export function parseBytes(value: string | number, name: string): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  const m = /^(\d+)\s*([kmg]?)(i?b)?$/i.exec(String(value).trim());
  if (!m)
    throw new UsageError(`--${name} must be a size like 1048576, 512k or 10MiB, got "${value}"`);
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2].toLowerCase()] ?? 1;
  return Number(m[1]) * unit;
}

function checkValue(file: string, k: string, o: OptionSpec, value: unknown): unknown {
  const bad = (what: string): UsageError =>
    new UsageError(`config ${file}: "${k}" must be ${what}`);
  switch (o.type) {
    case 'boolean':
      if (typeof value !== 'boolean') throw bad('true or false');
      return value;
    case 'list':
    case 'entries':
      if (!Array.isArray(value) || !value.every((p) => typeof p === 'string'))
        throw bad('an array of strings');
      return value;
    case 'duration':
    case 'bytes':
    case 'count':
      if (typeof value !== 'string' && typeof value !== 'number') throw bad('a number or a string');
      return value;
    default:
      if (typeof value !== 'string') throw bad('a string');
      return value;
  }
}

/**
 * Reads a JSON config file into flag form.
 * @param file - path to the JSON file.
 * @returns its values keyed like {@link MeshdFlags}.
 * @throws UsageError when the file is missing, not JSON, has an unknown key (naming the closest
 *   valid one) or a value of the wrong type.
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
  for (const [k, value] of Object.entries(raw as Record<string, unknown>)) {
    const o = BY_KEY.get(normaliseKey(k));
    if (!o || o.key === 'config') {
      const keys = OPTIONS.filter((x) => x.key !== 'config').map((x) => flagName(x.key));
      const guess = closest(flagName(normaliseKey(k)), keys);
      throw new UsageError(
        `config ${file}: unknown key "${k}"` +
          (guess === undefined ? '' : ` (did you mean "${guess}"?)`) +
          `; valid keys: ${keys.join(', ')}`,
      );
    }
    out[o.key] = checkValue(file, k, o, value);
  }
  return out;
}

/**
 * The config file meshd reads: `--config` when given, else the default location when it exists.
 * @param flags - the command line.
 * @param env - the environment.
 * @returns the path, or undefined.
 */
export function configFileOf(
  flags: MeshdFlags,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (flags.config !== undefined) return path.resolve(flags.config);
  const fallback = defaultConfigPath(env);
  return existsSync(fallback) ? fallback : undefined;
}

function parseServices(list: readonly string[] | undefined): MeshdConfig['services'] {
  if (list === undefined) return { echo: true, dataExchange: true, eventStream: true };
  const names = list.includes('none') ? [] : list;
  for (const n of names)
    if (!(BUILTIN_SERVICES as readonly string[]).includes(n)) {
      const guess = closest(n, BUILTIN_SERVICES);
      throw new UsageError(
        `--services: unknown service "${n}"${guess === undefined ? '' : ` (did you mean "${guess}"?)`}; choose from ${BUILTIN_SERVICES.join(', ')} or none`,
      );
    }
  return {
    echo: names.includes('echo'),
    dataExchange: names.includes('data-exchange'),
    eventStream: names.includes('event-stream'),
  };
}

/**
 * Merges defaults, the config file, the environment and flags (later wins).
 * @param flags - the command line.
 * @param file - the config file's values (`{}` when none).
 * @param env - the environment.
 * @returns the effective configuration.
 * @throws UsageError on an invalid value.
 */
export function resolveConfig(
  flags: MeshdFlags,
  file: MeshdFlags,
  env: NodeJS.ProcessEnv = process.env,
): MeshdConfig {
  const home = meshHome(env);
  const pick = <K extends keyof MeshdFlags>(key: K): MeshdFlags[K] | undefined => {
    if (flags[key] !== undefined) return flags[key];
    const envName = BY_KEY.get(key)?.env;
    if (envName !== undefined && env[envName] !== undefined && env[envName] !== '')
      return env[envName] as MeshdFlags[K];
    return file[key];
  };
  const duration = (key: keyof MeshdFlags): number | undefined => {
    const v = pick(key) as string | number | undefined;
    return v === undefined ? undefined : parseDurationMs(v, flagName(key));
  };
  const oneOf = <T extends string>(
    key: keyof MeshdFlags,
    allowed: readonly T[],
    fallback: T,
  ): T => {
    const v = (pick(key) as string | undefined) ?? fallback;
    if (!(allowed as readonly string[]).includes(v)) {
      const guess = closest(v, allowed);
      throw new UsageError(
        `--${flagName(key)} must be one of ${allowed.join(', ')}, got "${v}"${guess === undefined ? '' : ` (did you mean "${guess}"?)`}`,
      );
    }
    return v as T;
  };
  const logLevel = oneOf('logLevel', LEVELS as readonly LogLevel[], 'info');
  const logFormat = oneOf<LogFormat>('logFormat', ['text', 'json'], 'text');
  const transport = oneOf<TransportKind>('transport', ['udp', 'ws', 'auto'], 'udp');
  const beaconWs = pick('beaconWs');
  if (transport !== 'udp' && beaconWs === undefined)
    throw new UsageError(
      `--transport ${transport} needs --beacon-ws <url> (the beacon's WebSocket relay)`,
    );
  const socketSetting = flags.socket ?? file.socket;
  const logFile = pick('logFile');
  const logMaxBytes = pick('logMaxBytes');
  const logKeep = pick('logKeep');
  const servicesList = flags.services ?? file.services;
  return {
    home,
    configPath: configFileOf(flags, env),
    registry: pick('registry') ?? DEFAULT_REGISTRY,
    registryTls: (pick('registryTls') ?? false) || (pick('registryFingerprint') ?? '') !== '',
    registryFingerprint: pick('registryFingerprint') ?? '',
    registryMode: oneOf<'binary' | 'json'>('registryMode', ['binary', 'json'], 'binary'),
    beacon: pick('beacon'),
    beaconWs,
    transport,
    listen: pick('listen') ?? '0.0.0.0:0',
    endpoint: pick('endpoint'),
    socket: resolveSocketPath(socketSetting, env),
    identity: path.resolve(pick('identity') ?? path.join(home, 'identity.json')),
    hostname: hostnameOption(pick('hostname') ?? ''),
    public: pick('public') ?? false,
    owner: pick('owner'),
    webhook: pick('webhook') ?? '',
    adminToken: pick('adminToken'),
    trustAutoApprove: pick('trustAutoApprove') ?? false,
    services: parseServices(servicesList),
    plugins: [...(file.plugins ?? []), ...(flags.plugins ?? [])],
    pluginExec: [...(file.pluginExec ?? []), ...(flags.pluginExec ?? [])],
    timeouts: {
      dial: duration('dialTimeout'),
      registry: duration('registryTimeout'),
      discovery: duration('discoveryTimeout'),
      keepalive: duration('keepalive'),
      pluginInit: duration('pluginInitTimeout'),
      pluginShutdown: duration('pluginShutdownTimeout'),
    },
    logLevel,
    logFormat,
    logFile: logFile === undefined ? undefined : path.resolve(logFile),
    logMaxBytes:
      logMaxBytes === undefined ? 10 * 1024 * 1024 : parseBytes(logMaxBytes, 'log-max-bytes'),
    logKeep: logKeep === undefined ? 3 : parseBytes(logKeep, 'log-keep'),
    receivedMaxBytes: capOf(pick('receivedMaxBytes'), 'received-max-bytes'),
    inboxMaxBytes: capOf(pick('inboxMaxBytes'), 'inbox-max-bytes'),
  };
}

/** A folder byte cap: absent means none (0). */
function capOf(value: string | number | undefined, flag: string): number {
  return value === undefined ? 0 : parseBytes(value, flag);
}

/** `--hostname`, checked with the registry's rule so meshd refuses to start with a bad one. */
function hostnameOption(hostname: string): string {
  try {
    validateHostname(hostname);
  } catch (err) {
    throw new UsageError(`--hostname: ${(err as Error).message}`);
  }
  return hostname;
}
