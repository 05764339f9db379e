// One daemon per MESH_HOME: a pid file claimed with O_EXCL, with stale files of dead processes reclaimed.
import { link, readFile, unlink, writeFile } from 'node:fs/promises';

/** Another live daemon owns the pid file. */
export class AlreadyRunningError extends Error {
  /** Stable code. */
  readonly code = 'already_exists';
  /** The running daemon's pid. */
  readonly pid: number;
  /**
   * @param pid - the live owner.
   * @param file - the pid file.
   */
  constructor(pid: number, file: string) {
    super(`a daemon is already running with pid ${pid} (${file})`);
    this.name = 'AlreadyRunningError';
    this.pid = pid;
  }
}

/**
 * Whether a process exists (signal 0). EPERM means it exists but belongs to someone else.
 * @param pid - a process id.
 * @returns true when alive.
 */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Reads a pid file.
 * @param file - the pid file.
 * @returns the pid, or 0 when the file is absent or unreadable.
 */
export async function readPidFile(file: string): Promise<number> {
  try {
    const n = Number.parseInt((await readFile(file, 'utf8')).trim(), 10);
    return Number.isInteger(n) && n > 0 ? n : 0;
  } catch {
    return 0;
  }
}

/** A claimed pid file; {@link PidFile.release} removes it (only if it still names us). */
export interface PidFile {
  /** The file path. */
  readonly path: string;
  /** Removes the file if it still holds this process's pid. Idempotent. */
  release(): Promise<void>;
}

/**
 * Claims the pid file and writes this process's pid, atomically and mode 0600: the pid goes to
 * a private temp file first, which is then hard-linked to `file` — link() fails if `file`
 * exists, so the claim is exclusive like O_EXCL, and a reader never sees a partly written
 * file. A file naming a dead process (or garbage) is removed and the claim retried once; a
 * live owner is an error.
 * @param file - the pid file path.
 * @param pid - the pid to record (default: this process).
 * @returns the claim.
 * @throws AlreadyRunningError when a live process owns the file.
 */
export async function acquirePidFile(file: string, pid: number = process.pid): Promise<PidFile> {
  const tmp = `${file}.${pid}.${process.hrtime.bigint()}.tmp`;
  await writeFile(tmp, `${pid}\n`, { mode: 0o600, flag: 'wx' });
  try {
    return await claim(file, tmp, pid);
  } finally {
    await unlink(tmp).catch(() => {});
  }
}

/** Links the prepared `tmp` to `file`, reclaiming a stale file once. */
async function claim(file: string, tmp: string, pid: number): Promise<PidFile> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await link(tmp, file);
      let released = false;
      return {
        path: file,
        release: async () => {
          if (released) return;
          released = true;
          if ((await readPidFile(file)) === pid) await unlink(file).catch(() => {});
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = await readPidFile(file);
      // Our own pid means this process already holds the claim (a second daemon in-process).
      if (owner !== 0 && (owner === pid || isAlive(owner)))
        throw new AlreadyRunningError(owner, file);
      // Stale: the owner died without cleaning up (kill -9, power loss).
      await unlink(file).catch(() => {});
    }
  }
  throw new AlreadyRunningError(await readPidFile(file), file);
}
