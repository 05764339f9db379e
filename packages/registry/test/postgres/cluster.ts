import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Where Debian's postgresql-15 puts its server binaries. */
const BIN = '/usr/lib/postgresql/15/bin';
/** The unprivileged account the throwaway cluster runs as (created by the Debian package). */
const USER = 'postgres';

/** A throwaway PostgreSQL 15 cluster in a temporary directory. */
export interface TestCluster {
  /** Superuser connection URL (unix socket in the temp dir, trust auth). */
  readonly url: string;
  /** Data directory. */
  readonly dataDir: string;
  /** Socket directory. */
  readonly socketDir: string;
  /** TCP port. */
  readonly port: number;
}

/** Installs the Debian package when the binaries are missing; fails loudly when it cannot. */
export function ensurePostgres(): void {
  if (existsSync(path.join(BIN, 'initdb'))) return;
  const run = (args: string[]): void => {
    const r = spawnSync('apt-get', args, {
      stdio: 'pipe',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (r.status !== 0)
      throw new Error(
        `PostgreSQL 15 is required for the registry tests and could not be installed (apt-get ${args.join(' ')} failed: ${String(r.stderr).slice(-500)}); install the Debian package "postgresql" and re-run`,
      );
  };
  run(['update', '-qq']);
  run(['install', '-y', '-qq', 'postgresql']);
  if (!existsSync(path.join(BIN, 'initdb')))
    throw new Error(`PostgreSQL installed, but ${BIN}/initdb is missing; install postgresql-15`);
}

/** An OS-assigned free TCP port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Runs a PostgreSQL tool as the unprivileged user. */
function asUser(tool: string, args: string[]): string {
  return execFileSync('runuser', ['-u', USER, '--', path.join(BIN, tool), ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Creates and starts a cluster. */
export async function startCluster(): Promise<TestCluster> {
  ensurePostgres();
  const root = mkdtempSync(path.join(tmpdir(), 'mesh-pg-'));
  chmodSync(root, 0o755);
  execFileSync('chown', [`${USER}:`, root]);
  const dataDir = path.join(root, 'data');
  const socketDir = root;
  asUser('initdb', ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  writeFileSync(
    path.join(dataDir, 'postgresql.auto.conf'),
    [
      `port = ${port}`,
      `listen_addresses = '127.0.0.1'`,
      `unix_socket_directories = '${socketDir}'`,
      'max_connections = 200',
      // Throwaway test cluster: skip fsync (durability against power loss is not under test).
      'fsync = off',
      'full_page_writes = off',
    ].join('\n') + '\n',
  );
  execFileSync('chown', [`${USER}:`, path.join(dataDir, 'postgresql.auto.conf')]);
  pgCtl({ dataDir }, 'start');
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, dataDir, socketDir, port };
}

/** `pg_ctl start|stop|restart` (waits for completion). */
export function pgCtl(c: Pick<TestCluster, 'dataDir'>, action: 'start' | 'stop'): void {
  const args = ['-D', c.dataDir, '-w', '-t', '30', action];
  if (action === 'stop') args.push('-m', 'fast');
  else args.push('-l', path.join(path.dirname(c.dataDir), 'server.log'));
  asUser('pg_ctl', args);
}

/** Stops the cluster and removes its directory. */
export function stopCluster(c: TestCluster): void {
  try {
    pgCtl(c, 'stop');
  } finally {
    rmSync(path.dirname(c.dataDir), { recursive: true, force: true });
  }
}
