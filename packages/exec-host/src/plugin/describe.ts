// Reads a plugin executable's description (name, version, payload kinds) by launching it once.
import type { Logger } from '@mesh/daemonapi';
import { noopLogger } from '@mesh/daemonapi';
import { unary } from '../daemon/rpc.js';
import { PluginProcess } from '../launch/plugin-process.js';
import type { LaunchOptions } from '../launch/plugin-process.js';
import type { PluginDescription } from './process-plugin.js';

/**
 * Launches the executable, asks for its Description and stops it.
 * @param options - launch options.
 * @returns what the plugin says about itself.
 */
export async function describePlugin(
  options: Omit<LaunchOptions, 'logger'> & { readonly logger?: Logger },
): Promise<PluginDescription> {
  const proc = await PluginProcess.launch({ ...options, logger: options.logger ?? noopLogger });
  try {
    return await unary<PluginDescription>(
      proc.plugin,
      'Describe',
      {},
      options.startTimeoutMs ?? 10_000,
    );
  } finally {
    await proc.stop(2000);
  }
}
