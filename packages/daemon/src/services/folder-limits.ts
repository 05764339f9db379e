// Byte caps on the data-exchange folders and the no-overwrite rule for received files.
import { link, lstat, readdir, rm } from 'node:fs/promises';
import path from 'node:path';

/**
 * Total size of the regular files under `dir` (recursively); 0 when it does not exist.
 * @param dir the folder
 * @returns bytes used
 */
export async function folderBytes(dir: string): Promise<number> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  let total = 0;
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += await folderBytes(p);
    else if (e.isFile()) total += (await lstat(p).catch(() => ({ size: 0 }))).size;
  }
  return total;
}

/**
 * Throws when `incoming` more bytes would take `dir` past `cap` (0 or undefined: no cap).
 * @param dir the folder (`received/` or `inbox/`)
 * @param cap its byte cap
 * @param incoming bytes about to be stored
 * @param setting the meshd setting that raises the cap (named in the message)
 */
export async function ensureRoom(
  dir: string,
  cap: number | undefined,
  incoming: number,
  setting: string,
): Promise<void> {
  if (cap === undefined || cap <= 0) return;
  const used = await folderBytes(dir);
  if (used + incoming > cap)
    throw new Error(
      `${path.basename(dir)}/ is full: ${used} of ${cap} bytes used, ${incoming} more refused; the receiver must clear it or raise ${setting}`,
    );
}

/** A received file name that already exists: reported, never overwritten or renamed silently. */
export class NameCollision extends Error {
  /** The existing file name. */
  readonly filename: string;

  /**
   * @param filename the existing file name
   */
  constructor(filename: string) {
    super(`received/${filename} already exists and was not overwritten; send again`);
    this.filename = filename;
  }
}

/**
 * Gives `source` the name `target` only when `target` does not exist (hard link, then unlink the
 * source), so an existing received file is never replaced.
 * @param source a complete file in the same file system
 * @param target the final name
 * @throws NameCollision when `target` exists
 */
export async function linkNew(source: string, target: string): Promise<void> {
  try {
    await link(source, target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST')
      throw new NameCollision(path.basename(target));
    throw error;
  }
  await rm(source, { force: true });
}
