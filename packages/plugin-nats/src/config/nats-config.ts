// The bridge's configuration: `nats.json` in the plugin's data directory (or given in code).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { NatsPluginError } from '../errors.js';

/** File name of the configuration inside the plugin's data directory. */
export const CONFIG_FILE = 'nats.json';

/** The bridge's settings. */
export interface NatsConfig {
  /** Server URLs. */
  readonly servers: readonly string[];
  /** Subject prefix: events go to `<prefix>.<node_id>.<topic>`. @defaultValue `mesh` */
  readonly prefix?: string;
  /**
   * The credentials file (`{"jwt","seed"}` or `{"token"}`, 0600); relative paths are resolved
   * against the data directory. @defaultValue `credentials.json`
   */
  readonly credentialsFile?: string;
  /** Where fresh credentials come from, when JWTs expire. */
  readonly refresh?: {
    /** HTTPS endpoint answering a POST with a fresh credential. */
    readonly url: string;
    /** Bearer token for the endpoint. */
    readonly bearer?: string;
    /** PEM file with the CA that signed the endpoint's certificate (instead of the system store). */
    readonly caFile?: string;
    /** Refresh this many seconds before `exp`. @defaultValue 30 */
    readonly skewSeconds?: number;
    /** First retry delay after a transient failure, ms (doubles, max 30 s). @defaultValue 1000 */
    readonly backoffBaseMs?: number;
  };
  /** The command subject (off unless `enabled`). */
  readonly commands?: {
    /** Subscribe at all. @defaultValue false */
    readonly enabled?: boolean;
    /** The subject. @defaultValue `<prefix>.<node_id>.cmd` */
    readonly subject?: string;
    /** Methods that may run; everything else is refused with `METHOD_NOT_ALLOWED`. */
    readonly allow?: readonly string[];
  };
  /** Events kept while disconnected. @defaultValue 1024 */
  readonly bufferSize?: number;
  /** Connection-state events kept for `nats.status` / `meshctl diag`. @defaultValue 256 */
  readonly ringSize?: number;
  /** Delay between reconnect attempts, ms. @defaultValue 1000 */
  readonly reconnectWaitMs?: number;
}

/** A configuration error with `code` NATS_CONFIG_INVALID. */
function bad(message: string): NatsPluginError {
  return new NatsPluginError('NATS_CONFIG_INVALID', message);
}

/**
 * Validates a configuration object (the JSON file's keys in snake_case or camelCase).
 * @param raw - parsed JSON.
 * @param where - for messages.
 * @returns the configuration.
 * @throws NatsPluginError `NATS_CONFIG_INVALID`.
 */
export function parseNatsConfig(raw: unknown, where: string): NatsConfig {
  if (typeof raw !== 'object' || raw === null) throw bad(`${where} must be a JSON object`);
  const o = raw as Record<string, unknown>;
  const get = (camel: string, snake: string): unknown => o[camel] ?? o[snake];
  const servers = typeof o['servers'] === 'string' ? [o['servers']] : o['servers'];
  if (
    !Array.isArray(servers) ||
    servers.length === 0 ||
    !servers.every((s) => typeof s === 'string')
  )
    throw bad(`${where}: "servers" must list at least one nats:// URL`);
  const prefix = o['prefix'] ?? 'mesh';
  if (typeof prefix !== 'string' || !/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(prefix))
    throw bad(`${where}: "prefix" must be subject tokens without wildcards`);
  const refresh = o['refresh'] as Record<string, unknown> | undefined;
  if (refresh !== undefined && (typeof refresh !== 'object' || typeof refresh['url'] !== 'string'))
    throw bad(`${where}: "refresh" needs a "url"`);
  const commands = o['commands'] as Record<string, unknown> | undefined;
  const allow = commands?.['allow'] ?? [];
  if (!Array.isArray(allow) || !allow.every((a) => typeof a === 'string'))
    throw bad(`${where}: "commands.allow" must be a list of method names`);
  const num = (v: unknown, name: string): number | undefined => {
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !(v > 0))
      throw bad(`${where}: "${name}" must be a positive number`);
    return v;
  };
  const credentialsFile = get('credentialsFile', 'credentials_file');
  const bufferSize = num(get('bufferSize', 'buffer_size'), 'buffer_size');
  const ringSize = num(get('ringSize', 'ring_size'), 'ring_size');
  const reconnectWaitMs = num(get('reconnectWaitMs', 'reconnect_wait_ms'), 'reconnect_wait_ms');
  return {
    servers: servers,
    prefix,
    ...(typeof credentialsFile === 'string' ? { credentialsFile } : {}),
    ...(refresh !== undefined
      ? {
          refresh: {
            url: refresh['url'] as string,
            ...(typeof refresh['bearer'] === 'string' ? { bearer: refresh['bearer'] } : {}),
            ...(typeof (refresh['caFile'] ?? refresh['ca_file']) === 'string'
              ? { caFile: (refresh['caFile'] ?? refresh['ca_file']) as string }
              : {}),
            ...(num(refresh['skewSeconds'] ?? refresh['skew_seconds'], 'skew_seconds') !== undefined
              ? { skewSeconds: (refresh['skewSeconds'] ?? refresh['skew_seconds']) as number }
              : {}),
            ...(num(refresh['backoffBaseMs'] ?? refresh['backoff_base_ms'], 'backoff_base_ms') !==
            undefined
              ? {
                  backoffBaseMs: (refresh['backoffBaseMs'] ?? refresh['backoff_base_ms']) as number,
                }
              : {}),
          },
        }
      : {}),
    commands: {
      enabled: commands?.['enabled'] === true,
      ...(typeof commands?.['subject'] === 'string' ? { subject: commands['subject'] } : {}),
      allow: allow,
    },
    ...(bufferSize !== undefined ? { bufferSize } : {}),
    ...(ringSize !== undefined ? { ringSize } : {}),
    ...(reconnectWaitMs !== undefined ? { reconnectWaitMs } : {}),
  };
}

/**
 * Reads `nats.json` from the data directory.
 * @param dir - the plugin's data directory.
 * @returns the configuration, or `undefined` when there is no file.
 * @throws NatsPluginError `NATS_CONFIG_INVALID`.
 */
export async function loadNatsConfig(dir: string): Promise<NatsConfig | undefined> {
  const file = path.join(dir, CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    return parseNatsConfig(JSON.parse(text), file);
  } catch (err) {
    if (err instanceof NatsPluginError) throw err;
    throw new NatsPluginError('NATS_CONFIG_INVALID', `${file} is not JSON`, { cause: err });
  }
}
