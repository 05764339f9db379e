import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

/** The shared cluster (started by the registry project's global setup). */
export function cluster(): { url: string; dataDir: string; port: number } {
  return inject('pgCluster');
}

/** Creates a fresh database for one test; returns its URL (tests stay parallel-safe). */
export async function freshDatabase(): Promise<string> {
  const { url } = cluster();
  const name = `t_${randomBytes(6).toString('hex')}`;
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`CREATE DATABASE ${name}`);
  } finally {
    await c.end();
  }
  return url.replace(/\/postgres$/, `/${name}`);
}

/** Runs one query on `url`. */
export async function query<R extends object = Record<string, unknown>>(
  url: string,
  sql: string,
  args: unknown[] = [],
): Promise<R[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<R>(sql, args)).rows;
  } finally {
    await c.end();
  }
}

/** Store kinds the shared store tests run against. */
export type StoreKind = 'memory' | 'sqlite' | 'postgres';

/** Server options selecting a fresh store of `kind` (`tempDir` makes a directory to clean up). */
export async function storeOptions(
  kind: StoreKind,
  tempDir: () => string,
): Promise<{ storePath?: string }> {
  if (kind === 'memory') return {};
  if (kind === 'sqlite') return { storePath: `${tempDir()}/registry.db` };
  return { storePath: await freshDatabase() };
}
