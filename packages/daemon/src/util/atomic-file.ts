import { randomBytes } from 'node:crypto';
import { mkdir, open, link, rename, rm, chmod, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * Ensures `dir` exists with mode 0700 (created recursively; an existing directory is tightened).
 * @param dir the directory path
 */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const info = await stat(dir);
  if ((info.mode & 0o777) !== 0o700) await chmod(dir, 0o700);
}

/**
 * Writes `data` to `file` atomically: a temp file in the same directory (mode 0600) is written,
 * fsynced and renamed over the target, then the directory is fsynced, so a crash leaves either the
 * old or the new content, never a torn file.
 * @param file destination path
 * @param data the bytes or text to write
 * @param options `overwrite: false` fails with an `EEXIST` error instead of replacing an existing file
 */
export async function writeFileAtomic(
  file: string,
  data: string | Uint8Array,
  options: { readonly overwrite?: boolean } = {},
): Promise<void> {
  const dir = path.dirname(file);
  await ensurePrivateDir(dir);
  const tmp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(tmp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    if (options.overwrite === false) {
      // A hard link never replaces an existing name (EEXIST), unlike rename.
      await link(tmp, file);
      await rm(tmp, { force: true });
    } else await rename(tmp, file);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
  // fsync the directory so the rename itself is durable (not supported everywhere: best effort).
  try {
    const dirHandle = await open(dir, 'r');
    try {
      await dirHandle.sync();
    } finally {
      await dirHandle.close();
    }
  } catch {
    /* directory fsync is unsupported on some platforms */
  }
}
