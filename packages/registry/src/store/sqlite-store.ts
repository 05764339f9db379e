import type BetterSqlite3 from 'better-sqlite3';
import { RegistryServerError } from '../errors.js';
import type { RegistryLogger } from '../logger.js';
import type { AuditEntry, Inbox, NetworkRecord, NodeRecord } from '../state/records.js';
import { AUDIT_KEEP } from './memory-store.js';
import {
  markPathOf,
  readStoreMark,
  storeDamaged,
  storeShortfall,
  writeStoreMark,
} from './store-mark.js';
import type { StoreContents, StoreMark } from './store-mark.js';
import type { RegistryStore, StoreWrite, StoredState } from './store.js';

/** Options of {@link openSqliteStore}. */
export interface SqliteStoreOptions {
  /**
   * SQLite `synchronous` level. `FULL` (default) fsyncs the WAL on every commit, so every
   * acknowledged write survives power loss as well as `kill -9`. `NORMAL` in WAL mode still
   * survives a process crash (the WAL is in the OS page cache) but may lose the last commits on
   * power loss; it is several times faster for write bursts.
   * @default 'FULL'
   */
  readonly synchronous?: 'FULL' | 'NORMAL';
  /**
   * Start on a store that lost acknowledged data (see `STORE_DAMAGED`) instead of refusing:
   * the node count is re-recorded and the next node id continues above every id handed out
   * before, so none is reused.
   * @default false
   */
  readonly acceptDataLoss?: boolean;
  /** Told when a loss is accepted. */
  readonly logger?: RegistryLogger;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS nodes (id INTEGER PRIMARY KEY, data TEXT NOT NULL, last_seen INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS networks (id INTEGER PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS key_index (public_key TEXT PRIMARY KEY, node_id INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS owner_index (owner TEXT PRIMARY KEY, node_id INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS trust_pairs (pair TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS inboxes (node_id INTEGER PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS audit_log (seq INTEGER PRIMARY KEY, data TEXT NOT NULL);
`;

type Statement = BetterSqlite3.Statement;

/**
 * Opens (creating if needed) a SQLite registry store at `path` in WAL mode.
 *
 * The store records its node count and the highest node id handed out both inside the database
 * and in a sidecar `<path>.mark` file (0600, replaced atomically after every commit that changes
 * them). At open, a database holding fewer nodes or knowing lower ids than either record lost
 * committed transactions: it is refused with `STORE_DAMAGED` unless `acceptDataLoss`.
 * better-sqlite3 is imported here, lazily, so `@mesh/registry` loads where the native module is
 * absent; only opening a SQLite store then fails, with `STORE_UNAVAILABLE`.
 */
export async function openSqliteStore(
  path: string,
  options: SqliteStoreOptions = {},
): Promise<RegistryStore> {
  let Database: typeof BetterSqlite3;
  try {
    Database = (await import('better-sqlite3')).default;
  } catch (err) {
    throw new RegistryServerError(
      'STORE_UNAVAILABLE',
      'better-sqlite3 could not be loaded; install it (with its native build) or pass another store',
      { cause: err },
    );
  }
  let db: BetterSqlite3.Database;
  try {
    db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
    db.exec(SCHEMA);
  } catch (err) {
    throw new RegistryServerError(
      (err as { code?: string }).code === 'SQLITE_CORRUPT' ||
        (err as { code?: string }).code === 'SQLITE_NOTADB'
        ? 'STORE_DAMAGED'
        : 'STORE_FAILED',
      `could not open the registry store at ${path}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  const markFile = path === '' || path === ':memory:' ? undefined : markPathOf(path);
  try {
    const found = contents(db);
    const mark = markFile === undefined ? undefined : readMarkOrLoss(markFile, options);
    const shortfall = storeShortfall(found, mark ?? undefined);
    let next: StoreMark = found;
    if (shortfall !== undefined || mark === null) {
      const why = shortfall ?? 'its mark file is damaged';
      if (!options.acceptDataLoss) throw storeDamaged(path, why);
      options.logger?.warn('registry store lost data; starting anyway (accept-data-loss)', {
        store: path,
        problem: why,
      });
      // Never hand out an id again: continue above the highest one either record knows.
      next = {
        nodeCount: found.nodeCount,
        highestNodeId: Math.max(found.highestNodeId, mark?.highestNodeId ?? 0),
      };
      const put = db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
      db.transaction(() => {
        put.run('next_node', next.highestNodeId + 1);
        put.run('node_count', next.nodeCount);
      })();
    } else if (found.recordedCount === undefined) {
      // A store written before the count was recorded.
      db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('node_count', ?)").run(
        found.nodeCount,
      );
    }
    if (markFile !== undefined) writeStoreMark(markFile, next);
    return new SqliteStore(db, markFile, next);
  } catch (err) {
    db.close();
    if (err instanceof RegistryServerError) throw err;
    throw new RegistryServerError(
      'STORE_FAILED',
      `could not check the registry store at ${path}: ${(err as Error).message}`,
      { cause: err },
    );
  }
}

/** The mark, `undefined` when there is none, `null` when it is damaged and the loss accepted. */
function readMarkOrLoss(file: string, options: SqliteStoreOptions): StoreMark | undefined | null {
  try {
    return readStoreMark(file);
  } catch (err) {
    if (options.acceptDataLoss) return null;
    throw err;
  }
}

/** Node count and id high-water mark as the database holds them. */
function contents(db: BetterSqlite3.Database): StoreContents {
  const row = db
    .prepare(
      `SELECT (SELECT count(*) FROM nodes) AS n,
              max((SELECT coalesce(max(id), 0) FROM nodes),
                  (SELECT coalesce(max(node_id), 0) FROM key_index),
                  (SELECT coalesce(max(node_id), 0) FROM owner_index),
                  (SELECT coalesce(max(value) - 1, 0) FROM meta WHERE key = 'next_node')) AS high,
              (SELECT value FROM meta WHERE key = 'node_count') AS recorded`,
    )
    .get() as { n: number; high: number; recorded: number | null };
  return {
    nodeCount: row.n,
    highestNodeId: Math.max(row.high, 0),
    ...(row.recorded === null ? {} : { recordedCount: row.recorded }),
  };
}

class SqliteStore implements RegistryStore {
  readonly #db: BetterSqlite3.Database;
  readonly #s: Record<string, Statement>;
  readonly #applyTx: (writes: readonly StoreWrite[]) => void;
  readonly #markFile: string | undefined;
  /** Count and high-water mark as committed. */
  #mark: StoreMark;
  /** What the mark file holds. */
  #fileMark: StoreMark;
  /** The same while a transaction runs. */
  #count = 0;
  #high = 0;

  constructor(db: BetterSqlite3.Database, markFile: string | undefined, mark: StoreMark) {
    this.#db = db;
    this.#markFile = markFile;
    this.#mark = mark;
    this.#fileMark = mark;
    const p = (sql: string): Statement => db.prepare(sql);
    this.#s = {
      hasNode: p('SELECT 1 FROM nodes WHERE id = ?').pluck(),
      putNode: p('INSERT OR REPLACE INTO nodes (id, data, last_seen) VALUES (?, ?, ?)'),
      delNode: p('DELETE FROM nodes WHERE id = ?'),
      seen: p('UPDATE nodes SET last_seen = ? WHERE id = ?'),
      putKey: p('INSERT OR REPLACE INTO key_index (public_key, node_id) VALUES (?, ?)'),
      delKey: p('DELETE FROM key_index WHERE public_key = ?'),
      putOwner: p('INSERT OR REPLACE INTO owner_index (owner, node_id) VALUES (?, ?)'),
      delOwner: p('DELETE FROM owner_index WHERE owner = ?'),
      putTrust: p('INSERT OR IGNORE INTO trust_pairs (pair) VALUES (?)'),
      delTrust: p('DELETE FROM trust_pairs WHERE pair = ?'),
      putNet: p('INSERT OR REPLACE INTO networks (id, data) VALUES (?, ?)'),
      delNet: p('DELETE FROM networks WHERE id = ?'),
      putInbox: p('INSERT OR REPLACE INTO inboxes (node_id, data) VALUES (?, ?)'),
      delInbox: p('DELETE FROM inboxes WHERE node_id = ?'),
      putMeta: p('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
      putAudit: p('INSERT OR REPLACE INTO audit_log (seq, data) VALUES (?, ?)'),
      trimAudit: p('DELETE FROM audit_log WHERE seq <= ?'),
    };
    this.#applyTx = db.transaction((writes: readonly StoreWrite[]) => {
      this.#count = this.#mark.nodeCount;
      this.#high = this.#mark.highestNodeId;
      for (const w of writes) this.#one(w);
      if (this.#count !== this.#mark.nodeCount) this.#s['putMeta'].run('node_count', this.#count);
      // A shrinking count goes to the mark before the commit: were the process to die between
      // the two, the mark must not claim more nodes than the database holds.
      if (this.#markFile !== undefined && this.#count < this.#fileMark.nodeCount) {
        const lowered = { nodeCount: this.#count, highestNodeId: this.#fileMark.highestNodeId };
        writeStoreMark(this.#markFile, lowered);
        this.#fileMark = lowered;
      }
    });
  }

  load(): StoredState {
    const nodes = (
      this.#db.prepare('SELECT data, last_seen FROM nodes').all() as {
        data: string;
        last_seen: number;
      }[]
    ).map((row) => {
      const n = JSON.parse(row.data) as NodeRecord;
      n.lastSeen = Math.max(n.lastSeen, row.last_seen);
      return n;
    });
    const networks = (
      this.#db.prepare('SELECT data FROM networks').all() as { data: string }[]
    ).map((row) => JSON.parse(row.data) as NetworkRecord);
    const keyIndex = (
      this.#db.prepare('SELECT public_key, node_id FROM key_index').raw().all() as [
        string,
        number,
      ][]
    ).map(([k, v]): [string, number] => [k, v]);
    const ownerIndex = this.#db.prepare('SELECT owner, node_id FROM owner_index').raw().all() as [
      string,
      number,
    ][];
    const trustPairs = (
      this.#db.prepare('SELECT pair FROM trust_pairs').raw().all() as [string][]
    ).map(([p]) => p);
    const inboxes = (
      this.#db.prepare('SELECT node_id, data FROM inboxes').raw().all() as [number, string][]
    ).map(([id, data]): [number, Inbox] => [id, JSON.parse(data) as Inbox]);
    const meta: Record<string, number> = {};
    for (const [k, v] of this.#db.prepare('SELECT key, value FROM meta').raw().all() as [
      string,
      number,
    ][])
      meta[k] = v;
    const audit = (
      this.#db
        .prepare('SELECT data FROM audit_log ORDER BY seq DESC LIMIT ?')
        .raw()
        .all(AUDIT_KEEP) as [string][]
    )
      .map(([data]) => JSON.parse(data) as AuditEntry)
      .reverse();
    return { nodes, networks, keyIndex, ownerIndex, trustPairs, inboxes, meta, audit };
  }

  /** Commits synchronously (durable before the promise exists), as before the API was async. */
  apply(writes: readonly StoreWrite[]): Promise<void> {
    if (writes.length === 0) return Promise.resolve();
    try {
      // On a rollback the mark file may be left lower than the database: safe, and rewritten
      // by the next change.
      this.#applyTx(writes);
      const after = { nodeCount: this.#count, highestNodeId: this.#high };
      this.#mark = after;
      const file = this.#fileMark;
      if (
        this.#markFile !== undefined &&
        (after.nodeCount !== file.nodeCount || after.highestNodeId !== file.highestNodeId)
      ) {
        // Growth goes to the mark after the commit and before the acknowledgement; durably only
        // if the count went down (see writeStoreMark).
        writeStoreMark(this.#markFile, after, after.nodeCount < file.nodeCount);
        this.#fileMark = after;
      }
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  close(): void {
    if (!this.#db.open) return;
    this.#db.pragma('wal_checkpoint(TRUNCATE)');
    this.#db.close();
  }

  #one(w: StoreWrite): void {
    const s = this.#s;
    switch (w.kind) {
      case 'node':
        if (s['hasNode'].get(w.node.id) === undefined) this.#count++;
        this.#high = Math.max(this.#high, w.node.id);
        s['putNode'].run(w.node.id, JSON.stringify(w.node), w.node.lastSeen);
        break;
      case 'deleteNode':
        if (s['delNode'].run(w.id).changes > 0) this.#count--;
        break;
      case 'lastSeen':
        for (const [id, t] of w.entries) s['seen'].run(t, id);
        break;
      case 'keyIndex':
        if (w.nodeId === undefined) s['delKey'].run(w.publicKey);
        else s['putKey'].run(w.publicKey, w.nodeId);
        break;
      case 'ownerIndex':
        if (w.nodeId === undefined) s['delOwner'].run(w.owner);
        else s['putOwner'].run(w.owner, w.nodeId);
        break;
      case 'trust':
        if (w.present) s['putTrust'].run(w.pair);
        else s['delTrust'].run(w.pair);
        break;
      case 'network':
        s['putNet'].run(w.network.id, JSON.stringify(w.network));
        break;
      case 'deleteNetwork':
        s['delNet'].run(w.id);
        break;
      case 'inbox':
        if (w.inbox === undefined) s['delInbox'].run(w.nodeId);
        else s['putInbox'].run(w.nodeId, JSON.stringify(w.inbox));
        break;
      case 'meta':
        if (w.key === 'next_node') this.#high = Math.max(this.#high, w.value - 1);
        s['putMeta'].run(w.key, w.value);
        break;
      case 'audit':
        s['putAudit'].run(w.entry.seq, JSON.stringify(w.entry));
        s['trimAudit'].run(w.entry.seq - AUDIT_KEEP);
        break;
    }
  }
}
