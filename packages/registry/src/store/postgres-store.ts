import { randomUUID } from 'node:crypto';
import type * as PG from 'pg';
import type { Client, ClientConfig, Pool, PoolClient } from 'pg';
import { MESH_ERROR, RegistryRequestError, RegistryServerError } from '../errors.js';
import type { RegistryLogger } from '../logger.js';
import type { AuditEntry, Inbox, NetworkRecord, NodeRecord } from '../state/records.js';
import { AUDIT_KEEP } from './memory-store.js';
import { MIGRATIONS } from './postgres-schema.js';
import { storeDamaged, storeShortfall } from './store-mark.js';
import type { RegistryStore, StoreWrite, StoredState } from './store.js';

/** Options of {@link openPostgresStore}. */
export interface PostgresStoreOptions {
  /** Connections in the write/read pool. @default 8 */
  readonly poolSize?: number;
  /** How long a query may wait for a free connection or a new one, ms. @default 5000 */
  readonly connectTimeoutMs?: number;
  /** Logger for connection loss and recovery. */
  readonly logger?: RegistryLogger;
  /**
   * Start on a database that lost acknowledged data (see `STORE_DAMAGED`) instead of refusing;
   * the next node id continues above every id the database still knows.
   * @default false
   */
  readonly acceptDataLoss?: boolean;
}

/** The NOTIFY channel every instance listens on. */
const CHANNEL = 'mesh_registry';
/** NOTIFY payloads must stay below 8000 bytes. */
const PAYLOAD_MAX = 7000;
/** Rows per page when loading the node table. */
const LOAD_PAGE = 50_000;

/** Key of one changed row, as carried in a notification. */
type RowKey =
  | ['n', number]
  | ['net', number]
  | ['k', string]
  | ['o', string]
  | ['t', string]
  | ['i', number]
  | ['m', string]
  | ['a', number];

interface Notice {
  /** Clock value of the committing transaction. */
  s: number;
  /** Instance that committed it. */
  i: string;
  /** Changed rows. */
  k: RowKey[];
  /** Last notification of the transaction. */
  l: boolean;
}

/**
 * A cache refused a write because the shared store moved on: the request is re-run after the
 * instance caught up. Never sent to a client as such.
 */
export class StaleCacheError extends Error {
  /** Stable reason code. */
  readonly code = 'STALE_CACHE';
  /** Re-running the request after catching up may succeed. */
  readonly retryable = true;
  /** The mesh-wide error brand. */
  readonly [MESH_ERROR] = true as const;
  /** Builds the error. */
  constructor() {
    super('the registry cache is behind the shared store; re-run the request after catching up');
    this.name = 'StaleCacheError';
  }
}

/**
 * Opens a PostgreSQL registry store (`postgres://…` connection string), applying schema
 * migrations first. Several registry instances may share one database: every write increments a
 * one-row clock in the same transaction, so writes are serialised across instances and a write
 * from a cache that missed another instance's change is refused (and re-run); committed changes
 * are announced with NOTIFY and the other instances reload those rows.
 */
export async function openPostgresStore(
  url: string,
  options: PostgresStoreOptions = {},
): Promise<RegistryStore> {
  let pg: typeof PG;
  try {
    pg = (await import('pg')).default as unknown as typeof PG;
  } catch (err) {
    throw new RegistryServerError(
      'STORE_UNAVAILABLE',
      'the pg module could not be loaded; install it to use a PostgreSQL store',
      { cause: err },
    );
  }
  const config: ClientConfig = {
    connectionString: url,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
  };
  const pool = new pg.Pool({ ...config, max: options.poolSize ?? 8 });
  const store = new PostgresStore(pg, pool, config, options.logger);
  try {
    await store.migrate();
    await store.listen();
    await store.checkIntegrity(redact(url), options.acceptDataLoss === true);
  } catch (err) {
    await store.close();
    if (err instanceof RegistryServerError) throw err;
    throw new RegistryServerError(
      'STORE_FAILED',
      `could not open the PostgreSQL registry store at ${redact(url)}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  return store;
}

/** The URL without its password, for messages. */
function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

class PostgresStore implements RegistryStore {
  readonly #pg: typeof PG;
  readonly #pool: Pool;
  readonly #config: ClientConfig;
  readonly #logger: RegistryLogger | undefined;
  readonly #instance = randomUUID();
  #listener: Client | undefined;
  #listening = false;
  #closed = false;
  /** Clock value up to which this instance's cache holds every committed change. */
  #seen = 0;
  #loaded = false;
  /** A reconnect must reload the whole state before the cache is current again. */
  #reloadPending = false;
  #onChange: ((w: StoreWrite) => void) | undefined;
  #onReset: ((s: StoredState) => void) | undefined;
  /** Notifications are applied one after another, in commit order. */
  #queue: Promise<void> = Promise.resolve();
  readonly #early: Notice[] = [];
  #waiters: { seq: number; resolve: () => void }[] = [];
  #retry: NodeJS.Timeout | undefined;
  #retryMs = 100;
  /** A transaction holding the clock lock for a re-run request (see `caughtUp`). */
  #held: PoolClient | undefined;

  constructor(pg: typeof PG, pool: Pool, config: ClientConfig, logger?: RegistryLogger) {
    this.#pg = pg;
    this.#pool = pool;
    this.#config = config;
    this.#logger = logger;
    // An idle pooled connection that dies (server restart) must not crash the process.
    pool.on('error', (err) => this.#logger?.warn('store connection lost', { error: err.message }));
  }

  /** Applies pending migrations under an advisory lock (instances may start together). */
  async migrate(): Promise<void> {
    const c = await this.#pool.connect();
    try {
      await c.query('SELECT pg_advisory_lock(724031)');
      await c.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
      );
      const done = new Set(
        (await c.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map(
          (r) => r.version,
        ),
      );
      for (const m of MIGRATIONS) {
        if (done.has(m.version)) continue;
        await c.query('BEGIN');
        try {
          await c.query(m.sql);
          await c.query('INSERT INTO schema_migrations (version) VALUES ($1)', [m.version]);
          await c.query('COMMIT');
        } catch (err) {
          await c.query('ROLLBACK');
          throw err;
        }
      }
    } finally {
      await c.query('SELECT pg_advisory_unlock(724031)').catch(() => undefined);
      c.release();
    }
  }

  /**
   * Compares the node count and id high-water mark with what the database recorded: fewer node
   * rows than `meta.node_count`, or ids above `meta.next_node`, mean committed data was lost (or
   * the allocation counter was). There is no mark file: several instances on several machines
   * share the database, so only the database itself can say what it committed.
   */
  async checkIntegrity(where: string, acceptDataLoss: boolean): Promise<void> {
    const c = await this.#pool.connect();
    try {
      await c.query('BEGIN');
      // Serialised with every writer: the clock row is what each write transaction locks.
      const seq = Number(
        (await c.query<{ seq: string }>('SELECT seq FROM registry_clock WHERE id = 1 FOR UPDATE'))
          .rows[0].seq,
      );
      const row = (
        await c.query<{ n: string; high: string; recorded: string | null; next: string | null }>(
          `SELECT (SELECT count(*) FROM nodes) AS n,
                  GREATEST((SELECT coalesce(max(id), 0) FROM nodes),
                           (SELECT coalesce(max(node_id), 0) FROM key_index),
                           (SELECT coalesce(max(node_id), 0) FROM owner_index)) AS high,
                  (SELECT value FROM meta WHERE key = 'node_count') AS recorded,
                  (SELECT value FROM meta WHERE key = 'next_node') AS next`,
        )
      ).rows[0];
      const nodeCount = Number(row.n);
      const high = Number(row.high);
      const next = row.next === null ? 1 : Number(row.next);
      let shortfall = storeShortfall({
        nodeCount,
        highestNodeId: high,
        ...(row.recorded === null ? {} : { recordedCount: Number(row.recorded) }),
      });
      if (high >= next) {
        const lost = `node ids up to ${high} exist but the allocation counter (meta.next_node) is ${next}`;
        shortfall = shortfall === undefined ? lost : `${shortfall}; ${lost}`;
      }
      if (shortfall === undefined) {
        await c.query('ROLLBACK');
        return;
      }
      if (!acceptDataLoss) throw storeDamaged(where, shortfall);
      this.#logger?.warn('registry store lost data; starting anyway (accept-data-loss)', {
        store: where,
        problem: shortfall,
      });
      const fixed = seq + 1;
      await c.query('UPDATE registry_clock SET seq = $1 WHERE id = 1', [fixed]);
      const put = `INSERT INTO meta (key, value) VALUES ($1, $2)
        ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`;
      await c.query(put, ['node_count', nodeCount]);
      await c.query(put, ['next_node', Math.max(next, high + 1)]);
      // Running instances reload the counter like any other instance's write.
      for (const payload of payloads(fixed, this.#instance, [['m', 'next_node']]))
        await c.query('SELECT pg_notify($1, $2)', [CHANNEL, payload]);
      await c.query('COMMIT');
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  }

  /** Opens the LISTEN connection; reconnects by itself (with backoff) when it is lost. */
  async listen(): Promise<void> {
    const old = this.#listener;
    if (old) {
      this.#listener = undefined;
      void old.end().catch(() => undefined);
    }
    const client = new this.#pg.Client(this.#config);
    client.on('notification', (n) => {
      if (n.channel !== CHANNEL || n.payload === undefined) return;
      this.#notice(JSON.parse(n.payload) as Notice);
    });
    const lost = (err?: Error): void => {
      if (this.#listener !== client) return;
      this.#listener = undefined;
      this.#listening = false;
      client.removeAllListeners('error');
      client.on('error', () => undefined);
      void client.end().catch(() => undefined);
      if (this.#closed) return;
      this.#logger?.error('registry store unavailable: lost the PostgreSQL connection', {
        error: err?.message ?? 'connection ended',
      });
      this.#reconnectLater();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.#listener = client;
    this.#listening = true;
  }

  #reconnectLater(): void {
    if (this.#retry || this.#closed) return;
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      void this.#reconnect();
    }, this.#retryMs);
    this.#retry.unref();
    this.#retryMs = Math.min(this.#retryMs * 2, 2000);
  }

  async #reconnect(): Promise<void> {
    try {
      const reload = this.#loaded || this.#reloadPending;
      // Notifications from now on wait until the fresh snapshot replaced the cache.
      this.#loaded = false;
      this.#reloadPending = reload;
      await this.listen();
      // Notifications sent while we were away are gone: reload everything once.
      if (reload) {
        const state = await this.load();
        this.#onReset?.(state);
        this.#reloadPending = false;
      }
      this.#retryMs = 100;
      this.#logger?.info('registry store available again', { seq: this.#seen });
      this.#wake();
    } catch (err) {
      this.#logger?.warn('registry store still unavailable', { error: (err as Error).message });
      this.#reconnectLater();
    }
  }

  subscribe(listener: (change: StoreWrite) => void, reset?: (state: StoredState) => void): void {
    this.#onChange = listener;
    this.#onReset = reset;
  }

  async load(): Promise<StoredState> {
    const c = await this.#pool.connect();
    try {
      await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const seq = Number(
        (await c.query<{ seq: string }>('SELECT seq FROM registry_clock WHERE id = 1')).rows[0].seq,
      );
      const nodes: NodeRecord[] = [];
      let after = -1;
      for (;;) {
        const page = await c.query<{ id: string; data: string; last_seen: string }>(
          'SELECT id, data, last_seen FROM nodes WHERE id > $1 ORDER BY id LIMIT $2',
          [after, LOAD_PAGE],
        );
        for (const row of page.rows) nodes.push(nodeRow(row.data, row.last_seen));
        if (page.rows.length < LOAD_PAGE) break;
        after = Number(page.rows[page.rows.length - 1].id);
      }
      const networks = (await c.query<{ data: string }>('SELECT data FROM networks')).rows.map(
        (r) => JSON.parse(r.data) as NetworkRecord,
      );
      const keyIndex = (
        await c.query<{ public_key: string; node_id: string }>(
          'SELECT public_key, node_id FROM key_index',
        )
      ).rows.map((r): [string, number] => [r.public_key, Number(r.node_id)]);
      const ownerIndex = (
        await c.query<{ owner: string; node_id: string }>('SELECT owner, node_id FROM owner_index')
      ).rows.map((r): [string, number] => [r.owner, Number(r.node_id)]);
      const trustPairs = (await c.query<{ pair: string }>('SELECT pair FROM trust_pairs')).rows.map(
        (r) => r.pair,
      );
      const inboxes = (
        await c.query<{ node_id: string; data: string }>('SELECT node_id, data FROM inboxes')
      ).rows.map((r): [number, Inbox] => [Number(r.node_id), JSON.parse(r.data) as Inbox]);
      const meta: Record<string, number> = {};
      for (const r of (await c.query<{ key: string; value: string }>('SELECT key, value FROM meta'))
        .rows)
        meta[r.key] = Number(r.value);
      const audit = (
        await c.query<{ data: string }>('SELECT data FROM audit_log ORDER BY seq DESC LIMIT $1', [
          AUDIT_KEEP,
        ])
      ).rows
        .map((r) => JSON.parse(r.data) as AuditEntry)
        .reverse();
      await c.query('COMMIT');
      this.#seen = seq;
      this.#loaded = true;
      // Changes announced while loading: those newer than the snapshot still apply.
      for (const n of this.#early.splice(0)) this.#notice(n);
      return { nodes, networks, keyIndex, ownerIndex, trustPairs, inboxes, meta, audit };
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  }

  async apply(writes: readonly StoreWrite[]): Promise<void> {
    if (writes.length === 0) return;
    if (this.#closed) throw new Error('the PostgreSQL store is closed');
    // The cache state the writes were computed from: notifications applied while this
    // transaction waits must not make it look current.
    const basis = this.#seen;
    const onlySeen = writes.every((w) => w.kind === 'lastSeen');
    const held = onlySeen ? undefined : this.#held;
    this.#held = undefined;
    let c: PoolClient;
    try {
      c = held ?? (await this.#pool.connect());
    } catch (err) {
      throw unavailable(err);
    }
    let broken = false;
    try {
      if (!held) await c.query('BEGIN');
      if (onlySeen) {
        // Heartbeat times do not move the clock: no other instance's cache depends on them.
        for (const w of writes) if (w.kind === 'lastSeen') await lastSeenSql(c, w.entries);
        await c.query('COMMIT');
        return;
      }
      const seq = Number(
        (
          await c.query<{ seq: string }>(
            'UPDATE registry_clock SET seq = seq + 1 WHERE id = 1 RETURNING seq',
          )
        ).rows[0].seq,
      );
      if (seq - 1 !== basis) {
        await c.query('ROLLBACK');
        throw new StaleCacheError();
      }
      const keys: RowKey[] = [];
      for (const w of writes) await writeSql(c, w, keys);
      for (const payload of payloads(seq, this.#instance, keys))
        await c.query('SELECT pg_notify($1, $2)', [CHANNEL, payload]);
      await c.query('COMMIT');
      this.#advance(seq);
    } catch (err) {
      if (err instanceof StaleCacheError) throw err;
      broken = isConnectionError(err);
      if (!broken) await c.query('ROLLBACK').catch(() => undefined);
      const pgErr = err as { code?: string; constraint?: string };
      if (pgErr.code === '23505' && pgErr.constraint === 'nodes_hostname_key') {
        throw new RegistryRequestError('CONFLICT', 'hostname already taken', { cause: err });
      }
      throw broken ? unavailable(err) : err;
    } finally {
      c.release(broken);
    }
  }

  /**
   * Locks the shared clock (other instances' writes wait), then waits until this cache holds
   * every committed change. The next `apply` commits in that locked transaction, so a re-run
   * request cannot be overtaken again; {@link release} ends it when the re-run wrote nothing.
   */
  async caughtUp(): Promise<void> {
    if (!this.#listening)
      throw new Error('the registry store is unavailable (no PostgreSQL connection); retry later');
    this.release();
    let c: PoolClient;
    try {
      c = await this.#pool.connect();
    } catch (err) {
      throw unavailable(err);
    }
    try {
      await c.query('BEGIN');
      const seq = Number(
        (await c.query<{ seq: string }>('SELECT seq FROM registry_clock WHERE id = 1 FOR UPDATE'))
          .rows[0].seq,
      );
      await this.#until(seq, 5000);
      this.#held = c;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      c.release();
      throw err;
    }
  }

  /** Ends a transaction {@link caughtUp} left open and no write used. */
  release(): void {
    const c = this.#held;
    if (!c) return;
    this.#held = undefined;
    void c
      .query('ROLLBACK')
      .catch(() => undefined)
      .finally(() => c.release());
  }

  async lastSeen(ids: readonly number[]): Promise<[number, number][]> {
    const r = await this.#pool.query<{ id: string; last_seen: string }>(
      'SELECT id, last_seen FROM nodes WHERE id = ANY($1::bigint[])',
      [ids],
    );
    return r.rows.map((row): [number, number] => [Number(row.id), Number(row.last_seen)]);
  }

  /**
   * Takes one registration token for `key` from the bucket shared by every instance: `limit`
   * tokens per `windowMs`, refilled fractionally, capped at `limit`.
   */
  async takeToken(key: string, now: number, limit: number, windowMs: number): Promise<boolean> {
    const r = await this.#pool.query(
      `INSERT INTO rate_buckets AS b (key, tokens, last) VALUES ($1, $3::float8 - 1, $2)
       ON CONFLICT (key) DO UPDATE SET
         tokens = LEAST($3::float8, b.tokens + GREATEST(0, $2 - b.last) * $3::float8 / $4) - 1,
         last = GREATEST(b.last, $2)
       WHERE LEAST($3::float8, b.tokens + GREATEST(0, $2 - b.last) * $3::float8 / $4) >= 1
       RETURNING tokens`,
      [key, now, limit, windowMs],
    );
    if (Math.random() < 0.01)
      void this.#pool
        .query('DELETE FROM rate_buckets WHERE last < $1', [now - 2 * windowMs])
        .catch(() => undefined);
    return (r.rowCount ?? 0) > 0;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#retry) clearTimeout(this.#retry);
    this.release();
    const l = this.#listener;
    this.#listener = undefined;
    this.#listening = false;
    await l?.end().catch(() => undefined);
    await this.#queue;
    await this.#pool.end().catch(() => undefined);
    for (const w of this.#waiters.splice(0)) w.resolve();
  }

  #notice(n: Notice): void {
    if (!this.#loaded) {
      this.#early.push(n);
      return;
    }
    this.#queue = this.#queue.then(async () => {
      if (n.s <= this.#seen) return;
      if (n.i !== this.#instance) {
        try {
          for (const w of await this.#reload(n.k)) this.#onChange?.(w);
        } catch (err) {
          // The rows could not be read: the listen connection is likely gone too; a reconnect
          // reloads everything.
          this.#logger?.error('could not reload changed rows', { error: (err as Error).message });
          return;
        }
      }
      if (n.l) this.#advance(n.s);
    });
  }

  #advance(seq: number): void {
    if (seq > this.#seen) this.#seen = seq;
    this.#wake();
  }

  #wake(): void {
    const ready = this.#waiters.filter((w) => w.seq <= this.#seen);
    this.#waiters = this.#waiters.filter((w) => w.seq > this.#seen);
    for (const w of ready) w.resolve();
  }

  #until(seq: number, timeoutMs: number): Promise<void> {
    if (seq <= this.#seen) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w.resolve !== done);
        reject(new Error('the registry cache did not catch up with the shared store in time'));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.#waiters.push({ seq, resolve: done });
    });
  }

  /** Reads the changed rows as they are now stored, as writes for the cache. */
  async #reload(keys: readonly RowKey[]): Promise<StoreWrite[]> {
    const out: StoreWrite[] = [];
    const q = <R extends object>(sql: string, args: unknown[]) =>
      this.#pool.query<R>(sql, args).then((r) => r.rows);
    const nodeIds = keys.filter((k) => k[0] === 'n').map((k) => k[1]);
    if (nodeIds.length > 0) {
      const rows = await q<{ id: string; data: string; last_seen: string }>(
        'SELECT id, data, last_seen FROM nodes WHERE id = ANY($1::bigint[])',
        [nodeIds],
      );
      const found = new Set<number>();
      for (const r of rows) {
        found.add(Number(r.id));
        out.push({ kind: 'node', node: nodeRow(r.data, r.last_seen) });
      }
      for (const id of nodeIds) if (!found.has(id)) out.push({ kind: 'deleteNode', id });
    }
    for (const [t, key] of keys) {
      switch (t) {
        case 'net': {
          const [r] = await q<{ data: string }>('SELECT data FROM networks WHERE id = $1', [key]);
          out.push(
            r
              ? { kind: 'network', network: JSON.parse(r.data) as NetworkRecord }
              : { kind: 'deleteNetwork', id: key },
          );
          break;
        }
        case 'k': {
          const [r] = await q<{ node_id: string }>(
            'SELECT node_id FROM key_index WHERE public_key = $1',
            [key],
          );
          out.push({ kind: 'keyIndex', publicKey: key, nodeId: r ? Number(r.node_id) : undefined });
          break;
        }
        case 'o': {
          const [r] = await q<{ node_id: string }>(
            'SELECT node_id FROM owner_index WHERE owner = $1',
            [key],
          );
          out.push({ kind: 'ownerIndex', owner: key, nodeId: r ? Number(r.node_id) : undefined });
          break;
        }
        case 't': {
          const rows = await q('SELECT 1 FROM trust_pairs WHERE pair = $1', [key]);
          out.push({ kind: 'trust', pair: key, present: rows.length > 0 });
          break;
        }
        case 'i': {
          const [r] = await q<{ data: string }>('SELECT data FROM inboxes WHERE node_id = $1', [
            key,
          ]);
          out.push({
            kind: 'inbox',
            nodeId: key,
            inbox: r ? (JSON.parse(r.data) as Inbox) : undefined,
          });
          break;
        }
        case 'm': {
          const [r] = await q<{ value: string }>('SELECT value FROM meta WHERE key = $1', [key]);
          if (r) out.push({ kind: 'meta', key, value: Number(r.value) });
          break;
        }
        case 'a': {
          const [r] = await q<{ data: string }>('SELECT data FROM audit_log WHERE seq = $1', [key]);
          if (r) out.push({ kind: 'audit', entry: JSON.parse(r.data) as AuditEntry });
          break;
        }
        case 'n':
          break;
      }
    }
    return out;
  }
}

/** A node row with its separately updated last-seen time. */
function nodeRow(data: string, lastSeen: string): NodeRecord {
  const n = JSON.parse(data) as NodeRecord;
  n.lastSeen = Math.max(n.lastSeen, Number(lastSeen));
  return n;
}

/** Raises stored last-seen times (never lowers them). */
async function lastSeenSql(
  c: PoolClient,
  entries: readonly (readonly [number, number])[],
): Promise<void> {
  if (entries.length === 0) return;
  await c.query(
    `UPDATE nodes SET last_seen = GREATEST(nodes.last_seen, v.t)
     FROM unnest($1::bigint[], $2::bigint[]) AS v(id, t) WHERE nodes.id = v.id`,
    [entries.map((e) => e[0]), entries.map((e) => e[1])],
  );
}

/** One write as SQL; records the changed row's key for the notification. */
async function writeSql(c: PoolClient, w: StoreWrite, keys: RowKey[]): Promise<void> {
  switch (w.kind) {
    case 'node': {
      const r = await c.query<{ inserted: boolean }>(
        `INSERT INTO nodes (id, data, last_seen, hostname) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET data = EXCLUDED.data, hostname = EXCLUDED.hostname,
           last_seen = GREATEST(nodes.last_seen, EXCLUDED.last_seen)
         RETURNING (xmax = 0) AS inserted`,
        [w.node.id, JSON.stringify(w.node), w.node.lastSeen, w.node.hostname || null],
      );
      // The record count checked at start; other instances' caches do not need it.
      if (r.rows[0]?.inserted === true) await nodeCountSql(c, 1);
      keys.push(['n', w.node.id]);
      break;
    }
    case 'deleteNode':
      if (((await c.query('DELETE FROM nodes WHERE id = $1', [w.id])).rowCount ?? 0) > 0)
        await nodeCountSql(c, -1);
      keys.push(['n', w.id]);
      break;
    case 'lastSeen':
      await lastSeenSql(c, w.entries);
      break;
    case 'keyIndex':
      if (w.nodeId === undefined)
        await c.query('DELETE FROM key_index WHERE public_key = $1', [w.publicKey]);
      else
        await c.query(
          'INSERT INTO key_index (public_key, node_id) VALUES ($1, $2) ON CONFLICT (public_key) DO UPDATE SET node_id = EXCLUDED.node_id',
          [w.publicKey, w.nodeId],
        );
      keys.push(['k', w.publicKey]);
      break;
    case 'ownerIndex':
      if (w.nodeId === undefined)
        await c.query('DELETE FROM owner_index WHERE owner = $1', [w.owner]);
      else
        await c.query(
          'INSERT INTO owner_index (owner, node_id) VALUES ($1, $2) ON CONFLICT (owner) DO UPDATE SET node_id = EXCLUDED.node_id',
          [w.owner, w.nodeId],
        );
      keys.push(['o', w.owner]);
      break;
    case 'trust':
      if (w.present)
        await c.query('INSERT INTO trust_pairs (pair) VALUES ($1) ON CONFLICT DO NOTHING', [
          w.pair,
        ]);
      else await c.query('DELETE FROM trust_pairs WHERE pair = $1', [w.pair]);
      keys.push(['t', w.pair]);
      break;
    case 'network':
      await c.query(
        'INSERT INTO networks (id, data) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET data = EXCLUDED.data',
        [w.network.id, JSON.stringify(w.network)],
      );
      keys.push(['net', w.network.id]);
      break;
    case 'deleteNetwork':
      await c.query('DELETE FROM networks WHERE id = $1', [w.id]);
      keys.push(['net', w.id]);
      break;
    case 'inbox':
      if (w.inbox === undefined)
        await c.query('DELETE FROM inboxes WHERE node_id = $1', [w.nodeId]);
      else
        await c.query(
          'INSERT INTO inboxes (node_id, data) VALUES ($1, $2) ON CONFLICT (node_id) DO UPDATE SET data = EXCLUDED.data',
          [w.nodeId, JSON.stringify(w.inbox)],
        );
      keys.push(['i', w.nodeId]);
      break;
    case 'meta':
      await c.query(
        'INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value',
        [w.key, w.value],
      );
      keys.push(['m', w.key]);
      break;
    case 'audit':
      await c.query(
        'INSERT INTO audit_log (seq, data) VALUES ($1, $2) ON CONFLICT (seq) DO UPDATE SET data = EXCLUDED.data',
        [w.entry.seq, JSON.stringify(w.entry)],
      );
      await c.query('DELETE FROM audit_log WHERE seq <= $1', [w.entry.seq - AUDIT_KEEP]);
      keys.push(['a', w.entry.seq]);
      break;
  }
}

/** Moves `meta.node_count` by `delta`. */
async function nodeCountSql(c: PoolClient, delta: number): Promise<void> {
  await c.query(
    `INSERT INTO meta (key, value) VALUES ('node_count', GREATEST($1::bigint, 0))
     ON CONFLICT (key) DO UPDATE SET value = meta.value + $1::bigint`,
    [delta],
  );
}

/** Splits the changed keys into NOTIFY payloads under the size limit. */
function payloads(seq: number, instance: string, keys: readonly RowKey[]): string[] {
  const out: string[] = [];
  let chunk: RowKey[] = [];
  let size = 0;
  const flush = (last: boolean): void => {
    out.push(JSON.stringify({ s: seq, i: instance, k: chunk, l: last } satisfies Notice));
    chunk = [];
    size = 0;
  };
  for (const k of keys) {
    const len = JSON.stringify(k).length + 1;
    if (size + len > PAYLOAD_MAX && chunk.length > 0) flush(false);
    chunk.push(k);
    size += len;
  }
  flush(true);
  return out;
}

/** Connection-level failures (server gone, restarting, unreachable). */
function isConnectionError(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return (
    (typeof e.code === 'string' &&
      (e.code.startsWith('08') ||
        e.code === '57P01' ||
        e.code === '57P02' ||
        e.code === '57P03' ||
        ['ECONNREFUSED', 'ECONNRESET', 'ENOENT', 'EPIPE', 'ETIMEDOUT'].includes(e.code))) ||
    /Connection terminated|timeout exceeded when trying to connect|not queryable/i.test(
      e.message ?? '',
    )
  );
}

/** The error a write fails with while PostgreSQL cannot be reached. */
function unavailable(err: unknown): Error {
  return new Error(
    `the PostgreSQL registry store is unavailable (${(err as Error).message}); the write was not saved`,
    { cause: err },
  );
}
