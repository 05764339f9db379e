// The mesh-rendezvous process: parse, start, print the ready line, stop on SIGTERM/SIGINT.
import { UsageError, helpText, parseCommandLine } from './cli/config.js';
import { createLogger } from './logging/logger.js';
import { startRendezvous } from './server/rendezvous.js';

/** What {@link main} needs from the process (injectable for tests). */
export interface ProcessIo {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Registers the shutdown trigger (SIGTERM/SIGINT in the real process). */
  readonly onShutdownSignal: (handler: (signal: string) => void) => void;
}

/**
 * Runs the program until a shutdown signal.
 * @returns the exit status: 0 after a clean shutdown or --help, 1 on a runtime failure,
 *   2 on a usage error.
 */
export async function main(io: ProcessIo): Promise<number> {
  let request;
  try {
    request = parseCommandLine(io.argv, io.env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr(`mesh-rendezvous: ${err.message}\nRun mesh-rendezvous --help for the flags.\n`);
    return 2;
  }
  if (request.kind === 'help') {
    io.stdout(helpText());
    return 0;
  }
  const { config } = request;
  const logger = createLogger({
    level: config.logLevel,
    format: config.logFormat,
    write: io.stderr,
  });

  let rendezvous;
  try {
    rendezvous = await startRendezvous(config, logger);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`mesh-rendezvous: ${err.message}\n`);
      return 2;
    }
    const code = (err as { code?: unknown }).code;
    logger.error('start failed', {
      err: (err as Error).message,
      ...(typeof code === 'string' ? { code } : {}),
    });
    return 1;
  }

  const signal = await new Promise<string>((resolve) => {
    io.onShutdownSignal(resolve);
    io.stdout(`${JSON.stringify(rendezvous.ready)}\n`);
  });
  logger.info('shutting down', { signal });
  try {
    await rendezvous.close();
  } catch (err) {
    logger.error('shutdown failed', { err: (err as Error).message });
    return 1;
  }
  logger.info('stopped');
  return 0;
}
