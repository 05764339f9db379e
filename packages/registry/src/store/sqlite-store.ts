import type BetterSqlite3 from 'better-sqlite3';
import { RegistryServerError } from '../errors.js';
import type { AuditEntry, Inbox, NetworkRecord, NodeRecord } from '../state/records.js';
import { AUDIT_KEEP } from './memory-store.js';
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
      'STORE_FAILED',
      `could not open the registry store at ${path}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  return new SqliteStore(db);
}

class SqliteStore implements RegistryStore {
  readonly #db: BetterSqlite3.Database;
  readonly #s: Record<string, Statement>;
  readonly #applyTx: (writes: readonly StoreWrite[]) => void;

  constructor(db: BetterSqlite3.Database) {
    this.#db = db;
    const p = (sql: string): Statement => db.prepare(sql);
    this.#s = {
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
      for (const w of writes) this.#one(w);
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
      this.#applyTx(writes);
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
        s['putNode'].run(w.node.id, JSON.stringify(w.node), w.node.lastSeen);
        break;
      case 'deleteNode':
        s['delNode'].run(w.id);
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
        s['putMeta'].run(w.key, w.value);
        break;
      case 'audit':
        s['putAudit'].run(w.entry.seq, JSON.stringify(w.entry));
        s['trimAudit'].run(w.entry.seq - AUDIT_KEEP);
        break;
    }
  }
}
