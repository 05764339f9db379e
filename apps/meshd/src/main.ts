// meshd's entry: parse flags, load config, start, and map signals to reload and graceful stop.
import { Daemon, DAEMON_VERSION } from '@mesh/daemon';
import './plugins.js';
import { loadConfigFile, resolveConfig } from './config/config.js';
import type { MeshdConfig } from './config/config.js';
import { USAGE, UsageError, parseMeshdArgs } from './config/flags.js';
import { Meshd } from './daemon/meshd.js';
import type { MeshdEngine } from './daemon/meshd.js';
import { AlreadyRunningError } from './lifecycle/pid-file.js';
import { createLogger } from './logging/logger.js';
import type { MeshdLogger } from './logging/logger.js';

/** How long a graceful stop may take before meshd exits anyway. */
const STOP_DEADLINE_MS = 10_000;

/**
 * Builds the real engine from the configuration.
 * @param config - effective configuration.
 * @param logger - the engine's logger.
 * @returns the engine.
 */
export function createEngine(config: MeshdConfig, logger: MeshdLogger): MeshdEngine {
  return new Daemon({
    registry: config.registry,
    ...(config.beacon !== undefined ? { beacon: config.beacon } : {}),
    listen: config.listen,
    identityPath: config.identity,
    stateDir: config.home,
    public: config.public,
    ...(config.hostname !== '' ? { hostname: config.hostname } : {}),
    ...(config.plugins.length > 0 ? { plugins: config.plugins } : {}),
    logger: logger.child('engine'),
  });
}

/**
 * Runs meshd until a signal stops it.
 * @param argv - arguments after the program name.
 * @returns the exit code.
 */
export async function main(argv: readonly string[]): Promise<number> {
  let meshd: Meshd;
  let logger: MeshdLogger;
  try {
    const flags = parseMeshdArgs(argv);
    if (flags.help === true) {
      process.stdout.write(USAGE + '\n');
      return 0;
    }
    if (flags.version === true) {
      process.stdout.write(`meshd ${DAEMON_VERSION}\n`);
      return 0;
    }
    const file = flags.config === undefined ? {} : await loadConfigFile(flags.config);
    const config = resolveConfig(flags, file);
    logger = createLogger({ level: config.logLevel, format: config.logFormat });
    meshd = new Meshd({ config, flags, logger, createEngine, version: DAEMON_VERSION });
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`meshd: ${err.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw err;
  }

  try {
    await meshd.start();
  } catch (err) {
    if (err instanceof AlreadyRunningError) {
      logger.error(err.message);
      return 3;
    }
    logger.error('start failed', { error: err instanceof Error ? err.message : String(err) });
    return 1;
  }

  return new Promise<number>((resolve) => {
    const stop = (signal: string): void => {
      logger.info('stopping', { signal });
      const deadline = setTimeout(() => {
        logger.error('graceful stop timed out; exiting');
        resolve(1);
      }, STOP_DEADLINE_MS);
      deadline.unref();
      void meshd.stop(signal).then(() => {
        clearTimeout(deadline);
        resolve(0);
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    process.on('SIGHUP', () => {
      meshd.reload().catch((err: unknown) =>
        logger.error('reload failed', {
          error: err instanceof Error ? err.message : String(err),
        }),
      );
    });
  });
}
