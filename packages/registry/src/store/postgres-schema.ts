/** One versioned schema change, applied once (recorded in `schema_migrations`). */
export interface Migration {
  /** Increasing version number. */
  readonly version: number;
  /** SQL run in one transaction. */
  readonly sql: string;
}

/** The PostgreSQL schema history; append new versions, never edit applied ones. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
CREATE TABLE nodes (id bigint PRIMARY KEY, data text NOT NULL, last_seen bigint NOT NULL, hostname text);
ALTER TABLE nodes ADD CONSTRAINT nodes_hostname_key UNIQUE (hostname);
CREATE TABLE networks (id integer PRIMARY KEY, data text NOT NULL);
CREATE TABLE key_index (public_key text PRIMARY KEY, node_id bigint NOT NULL);
CREATE TABLE owner_index (owner text PRIMARY KEY, node_id bigint NOT NULL);
CREATE TABLE trust_pairs (pair text PRIMARY KEY);
CREATE TABLE inboxes (node_id bigint PRIMARY KEY, data text NOT NULL);
CREATE TABLE meta (key text PRIMARY KEY, value bigint NOT NULL);
CREATE TABLE audit_log (seq bigint PRIMARY KEY, data text NOT NULL);
CREATE TABLE registry_clock (id integer PRIMARY KEY CHECK (id = 1), seq bigint NOT NULL);
INSERT INTO registry_clock (id, seq) VALUES (1, 0);
CREATE TABLE rate_buckets (key text PRIMARY KEY, tokens float8 NOT NULL, last bigint NOT NULL);
`,
  },
  {
    // The record count checked at start (see store-mark.ts), maintained by every node write.
    version: 2,
    sql: `
INSERT INTO meta (key, value) SELECT 'node_count', count(*) FROM nodes
  ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;
`,
  },
];
