// meshd's entry: parse flags, load config, start, and map signals to reload and graceful stop.
import { Daemon, DAEMON_VERSION } from '@mesh/daemon';
import { registerExecPlugins } from './exec-plugins.js';
import path from 'node:path';
import { configFileOf, loadConfigFile, resolveConfig } from './config/config.js';
import { resolvePlugin } from './config/plugins.js';
import type { MeshdConfig } from './config/config.js';
import { USAGE, UsageError, parseMeshdArgs } from './config/flags.js';
import { Meshd } from './daemon/meshd.js';
import type { MeshdEngine } from './daemon/meshd.js';
import { AlreadyRunningError } from './lifecycle/pid-file.js';
import { createLogger } from './logging/logger.js';
import { rotatingFileWriter } from './logging/rotating-file.js';
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
  const t = config.timeouts;
  // exactOptionalPropertyTypes: unset settings are left out, so the engine's defaults apply.
  const defined = <T extends object>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as {
      [K in keyof T]?: Exclude<T[K], undefined>;
    };
  return new Daemon({
    registry: config.registry,
    registryMode: config.registryMode,
    ...defined({
      beacon: config.beacon,
      beaconWs: config.beaconWs,
      endpoint: config.endpoint,
      owner: config.owner,
      adminToken: config.adminToken,
      registryTimeoutMs: t.registry,
      discoveryTimeoutMs: t.discovery,
      keepaliveMs: t.keepalive,
      pluginInitTimeoutMs: t.pluginInit,
      pluginShutdownTimeoutMs: t.pluginShutdown,
    }),
    transport: config.transport,
    ...(config.registryTls
      ? {
          registryTls:
            config.registryFingerprint !== '' ? { fingerprint: config.registryFingerprint } : {},
        }
      : {}),
    listen: config.listen,
    identityPath: config.identity,
    stateDir: config.home,
    folderLimits: {
      receivedMaxBytes: config.receivedMaxBytes,
      inboxMaxBytes: config.inboxMaxBytes,
    },
    public: config.public,
    trustAutoApprove: config.trustAutoApprove,
    services: config.services,
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
    const configFile = configFileOf(flags);
    const file = configFile === undefined ? {} : await loadConfigFile(configFile);
    const resolved = resolveConfig(flags, file);
    // Plugins: package names from the user's project (the config file's entries from its own
    // directory), or compiled ES module files; anything else fails here with what to do.
    const canImport = (name: string): boolean => {
      try {
        import.meta.resolve(name);
        return true;
      } catch {
        return false;
      }
    };
    const fileBase = configFile === undefined ? process.cwd() : path.dirname(configFile);
    const config = {
      ...resolved,
      plugins: [
        ...(file.plugins ?? []).map((p) => resolvePlugin(p, fileBase, canImport)),
        ...(flags.plugins ?? []).map((p) => resolvePlugin(p, process.cwd(), canImport)),
      ],
    };
    const sink =
      config.logFile === undefined
        ? undefined
        : rotatingFileWriter({
            file: config.logFile,
            maxBytes: config.logMaxBytes,
            keep: config.logKeep,
          });
    logger = createLogger({
      level: config.logLevel,
      format: config.logFormat,
      ...(sink ? { write: (line: string) => sink.write(line) } : {}),
    });
    meshd = new Meshd({ config, flags, logger, createEngine, version: DAEMON_VERSION });
  } catch (err) {
    if (err instanceof UsageError) {
      // The message last, so a log tail (meshctl daemon start) shows it.
      process.stderr.write(`meshd: ${err.message}\n(meshd --help lists every flag and key)\n`);
      return 2;
    }
    throw err;
  }

  // Signals are handled from the first moment: a SIGTERM that arrives while the engine is still
  // starting (a `daemon stop` racing a slow start) waits for the start, then stops cleanly, and
  // a SIGHUP never kills the process with its default action.
  const log = logger;
  const daemon = meshd;
  const started = registerExecPlugins(meshd.config.pluginExec, logger.child('plugin')).then(() =>
    daemon.start(),
  );
  return new Promise<number>((resolve) => {
    let stopping = false;
    let startFailed = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      log.info('stopping', { signal });
      const deadline = setTimeout(() => {
        log.error('graceful stop timed out; exiting');
        resolve(1);
      }, STOP_DEADLINE_MS);
      deadline.unref();
      void started
        .catch(() => {})
        .then(() => daemon.stop(signal))
        .then(() => {
          clearTimeout(deadline);
          if (!startFailed) resolve(0);
        });
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGHUP', () => {
      if (stopping) return;
      started.then(
        () =>
          daemon.reload().catch((err: unknown) =>
            log.error('reload failed', {
              error: err instanceof Error ? err.message : String(err),
            }),
          ),
        () => {},
      );
    });
    started.catch((err: unknown) => {
      startFailed = true;
      if (err instanceof AlreadyRunningError) {
        log.error(err.message);
        resolve(3);
        return;
      }
      log.error('start failed', { error: err instanceof Error ? err.message : String(err) });
      resolve(1);
    });
  });
}
