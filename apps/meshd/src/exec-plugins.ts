// Out-of-process plugins (--plugin-exec / "plugin-exec"): each executable is described once,
// then registered like an imported plugin, so the engine loads, orders and stops it as any
// other. @mesh/exec-host launches and supervises the processes; it (with grpc-js) is imported
// only when a --plugin-exec is given, so a daemon without one does not pay for loading it.
import { registerPlugin } from '@mesh/daemonapi';
import type { Logger } from '@mesh/daemonapi';
import type { ProcessPlugin, ProcessPluginStatus } from '@mesh/exec-host';
import { UsageError } from './config/flags.js';

/** One parsed `--plugin-exec` value. */
export interface PluginExecSpec {
  /** Registration name. */
  readonly name: string;
  /** Executable path. */
  readonly path: string;
  /** Expected SHA-256, hex. */
  readonly sha256?: string;
  /** AutoMTLS (default on). */
  readonly autoMTLS: boolean;
}

/**
 * Parses `name=/path[,sha256=<hex>][,mtls=off]`.
 * @param text - the flag value.
 * @returns the spec.
 * @throws UsageError when it is malformed.
 */
export function parsePluginExec(text: string): PluginExecSpec {
  const [head = '', ...options] = text.split(',');
  const eq = head.indexOf('=');
  const name = head.slice(0, eq).trim();
  const file = head.slice(eq + 1).trim();
  if (eq <= 0 || file === '')
    throw new UsageError(
      `--plugin-exec "${text}": expected name=/path/to/executable[,sha256=<hex>]`,
    );
  let sha256: string | undefined;
  let autoMTLS = true;
  for (const option of options) {
    const [key, value = ''] = option.split('=').map((s) => s.trim());
    if (key === 'sha256' && /^[0-9a-fA-F]{64}$/.test(value)) sha256 = value.toLowerCase();
    else if (key === 'mtls' && (value === 'off' || value === 'on')) autoMTLS = value === 'on';
    else throw new UsageError(`--plugin-exec "${text}": unknown or invalid option "${option}"`);
  }
  return { name, path: file, autoMTLS, ...(sha256 === undefined ? {} : { sha256 }) };
}

const running = new Map<string, ProcessPlugin>();

/**
 * Describes every executable and registers a factory for it.
 * @param specs - the `--plugin-exec` values.
 * @param logger - for describe-time stderr lines.
 */
export async function registerExecPlugins(specs: readonly string[], logger: Logger): Promise<void> {
  if (specs.length === 0) return;
  const parsed = specs.map(parsePluginExec);
  const { MESH_PLUGIN_COOKIE, MESH_PROTOCOL_VERSIONS, ProcessPlugin, describePlugin } =
    await import('@mesh/exec-host');
  for (const spec of parsed) {
    const launch = {
      path: spec.path,
      cookie: MESH_PLUGIN_COOKIE,
      versions: MESH_PROTOCOL_VERSIONS,
      autoMTLS: spec.autoMTLS,
      ...(spec.sha256 === undefined ? {} : { sha256: spec.sha256 }),
    };
    const description = await describePlugin({ ...launch, logger: logger.child(spec.name) });
    registerPlugin(spec.name, () => {
      const plugin = new ProcessPlugin({ ...launch, name: spec.name, description });
      running.set(spec.name, plugin);
      return plugin;
    });
  }
}

/**
 * Supervision state of an out-of-process plugin, for `plugins`.
 * @param name - plugin name.
 * @returns pid, restarts, last error and version; undefined for in-process plugins.
 */
export function execPluginStatus(
  name: string,
): (ProcessPluginStatus & { readonly version?: string }) | undefined {
  const plugin = running.get(name);
  if (plugin === undefined) return undefined;
  return {
    ...plugin.status(),
    ...(plugin.version === undefined ? {} : { version: plugin.version }),
  };
}
