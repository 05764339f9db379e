// Runs meshd with the process arguments and exits with its code.
import { main } from './main.js';

/** Runs meshd until a signal stops it, then exits the process with meshd's exit code. */
export function runMeshd(): void {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(
        `meshd: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exit(1);
    },
  );
}
