// The meshctl binary.
import { releaseStdin, runCli } from './cli/run.js';
import { TABLE } from './commands/table.js';

runCli(process.argv.slice(2), TABLE).then(
  (code) => {
    process.exitCode = code;
    // Streams to the daemon are closed; nothing should keep the loop alive, but stdin might.
    releaseStdin();
  },
  (err: unknown) => {
    process.stderr.write(
      `meshctl: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = 1;
  },
);
