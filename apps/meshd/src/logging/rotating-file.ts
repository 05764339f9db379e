// A log sink that appends to a file and rotates it by size: meshd.log → meshd.log.1 → … → meshd.log.<keep>.
import { closeSync, fstatSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';

/** Options of {@link rotatingFileWriter}. */
export interface RotatingFileOptions {
  /** The live log file. */
  readonly file: string;
  /** Rotate once the file would grow beyond this many bytes; 0 never rotates. */
  readonly maxBytes: number;
  /** Rotated files kept (`file.1` … `file.<keep>`); older ones are deleted. */
  readonly keep: number;
}

/**
 * Opens (0600, append) a rotating log file. Writes are synchronous, so the last lines before a
 * crash are on disk.
 * @param options - file, size limit, files kept.
 * @returns a line writer and a close function.
 */
export function rotatingFileWriter(options: RotatingFileOptions): {
  write(line: string): void;
  close(): void;
} {
  let fd = openSync(options.file, 'a', 0o600);
  let size = fstatSync(fd).size;
  const rotate = (): void => {
    closeSync(fd);
    if (options.keep <= 0) rmSync(options.file, { force: true });
    else {
      rmSync(`${options.file}.${options.keep}`, { force: true });
      for (let n = options.keep - 1; n >= 1; n--) {
        try {
          renameSync(`${options.file}.${n}`, `${options.file}.${n + 1}`);
        } catch {
          // that generation does not exist yet
        }
      }
      renameSync(options.file, `${options.file}.1`);
    }
    fd = openSync(options.file, 'a', 0o600);
    size = 0;
  };
  return {
    write(line: string): void {
      const bytes = Buffer.from(line);
      if (options.maxBytes > 0 && size > 0 && size + bytes.length > options.maxBytes) rotate();
      writeSync(fd, bytes);
      size += bytes.length;
    },
    close(): void {
      closeSync(fd);
    },
  };
}
