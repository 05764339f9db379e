/**
 * `mesh-rendezvous`: the mesh registry and beacon in one process. Run `mesh-rendezvous --help`.
 *
 * @packageDocumentation
 */
import { main } from './main.js';

const status = await main({
  argv: process.argv.slice(2),
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  onShutdownSignal: (handler) => {
    let seen = false;
    const on = (signal: NodeJS.Signals): void => {
      // A second signal while shutting down means "now".
      if (seen) process.exit(1);
      seen = true;
      handler(signal);
    };
    process.on('SIGTERM', on);
    process.on('SIGINT', on);
  },
}).catch((err: unknown) => {
  process.stderr.write(`mesh-rendezvous: ${(err as Error).stack ?? String(err)}\n`);
  return 1;
});
process.exit(status);
