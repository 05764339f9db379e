import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import path from 'node:path';
import { RegistryServerError } from '../errors.js';

/**
 * What a store must hold at least: the durable record count and the high-water mark of node ids
 * ever allocated. Kept inside the database (`meta.node_count`, `meta.next_node`) and, for SQLite,
 * also in a sidecar `<db>.mark` file, so a database that lost committed transactions (deleted,
 * truncated or corrupted WAL, a 0-byte or replaced database file) is noticed at start.
 */
export interface StoreMark {
  /** Node records the store held after its last acknowledged write. */
  readonly nodeCount: number;
  /** Highest node id ever handed out. */
  readonly highestNodeId: number;
}

/** What a store holds now, as read at start. */
export interface StoreContents extends StoreMark {
  /** `meta.node_count` as recorded in the same database (absent in stores that predate it). */
  readonly recordedCount?: number;
}

/**
 * Why `found` falls short of `mark` (or of its own recorded count), or `undefined` when it does
 * not. Only a loss counts: a store ahead of its mark (a crash between commit and mark update) is
 * fine.
 */
export function storeShortfall(found: StoreContents, mark?: StoreMark): string | undefined {
  const problems: string[] = [];
  if (found.recordedCount !== undefined && found.nodeCount < found.recordedCount)
    problems.push(
      `it holds ${found.nodeCount} node records but recorded ${found.recordedCount} (meta.node_count)`,
    );
  if (mark && found.nodeCount < mark.nodeCount)
    problems.push(
      `it holds ${found.nodeCount} node records but its mark file recorded ${mark.nodeCount}`,
    );
  if (mark && found.highestNodeId < mark.highestNodeId)
    problems.push(
      `node ids up to ${mark.highestNodeId} were handed out but it knows ids only up to ${found.highestNodeId}`,
    );
  return problems.length === 0 ? undefined : problems.join('; ');
}

/** The `STORE_DAMAGED` error for a store at `where` that lost data. */
export function storeDamaged(where: string, shortfall: string): RegistryServerError {
  return new RegistryServerError(
    'STORE_DAMAGED',
    `the registry store at ${where} lost acknowledged data: ${shortfall}. ` +
      'Its write-ahead log was probably deleted, truncated or corrupted, or the database file replaced. ' +
      'Restore the database (with its -wal file) from a backup, or start with --accept-data-loss ' +
      '(option acceptDataLoss) to run on what is left; node ids handed out before are never reused.',
  );
}

/** The sidecar mark file of an SQLite database at `dbPath`. */
export function markPathOf(dbPath: string): string {
  return `${dbPath}.mark`;
}

/**
 * Reads a mark file; `undefined` when there is none.
 * @throws RegistryServerError `STORE_DAMAGED` when it exists but cannot be read as a mark
 */
export function readStoreMark(file: string): StoreMark | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new RegistryServerError(
      'STORE_DAMAGED',
      `cannot read the registry store mark file ${file}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  try {
    const m = JSON.parse(text) as Partial<StoreMark>;
    if (
      Number.isSafeInteger(m.nodeCount) &&
      Number.isSafeInteger(m.highestNodeId) &&
      m.nodeCount! >= 0 &&
      m.highestNodeId! >= 0
    )
      return { nodeCount: m.nodeCount!, highestNodeId: m.highestNodeId! };
  } catch {
    // Reported below.
  }
  throw new RegistryServerError(
    'STORE_DAMAGED',
    `the registry store mark file ${file} is damaged; restore it with the database from a backup, ` +
      'or start with --accept-data-loss to rewrite it from the database',
  );
}

/**
 * Writes a mark file atomically (tmp file, rename), mode 0600: a crash leaves the old mark or the
 * new one, never a torn one.
 *
 * @param durable - also fsync the file and its directory before returning. Needed when the mark
 *   goes down (a lowered mark lost to power loss would bring back a higher one: a false alarm);
 *   a raised mark lost to power loss only makes the next check less strict, so growth skips the
 *   two fsyncs (≈ 15 ms per registration otherwise).
 */
export function writeStoreMark(file: string, mark: StoreMark, durable = true): void {
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(
      fd,
      `${JSON.stringify({ version: 1, nodeCount: mark.nodeCount, highestNodeId: mark.highestNodeId })}\n`,
    );
    if (durable) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  if (!durable) return;
  // The rename itself must survive power loss, or an older (higher-count) mark could come back.
  let dir: number | undefined;
  try {
    dir = openSync(path.dirname(file), 'r');
    fsyncSync(dir);
  } catch {
    // Some file systems refuse to fsync a directory; the rename is still atomic.
  } finally {
    if (dir !== undefined) closeSync(dir);
  }
}
