// Finding, starting and stopping the meshd process for `meshctl daemon …`.
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** Files of a daemon under MESH_HOME (the same names meshd uses). */
export function daemonFiles(home: string): { pid: string; log: string } {
  return { pid: path.join(home, 'meshd.pid'), log: path.join(home, 'meshd.log') };
}

/**
 * Whether a process exists (signal 0; EPERM means it exists).
 * @param pid - process id.
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
 * @param file - pid file.
 * @returns the pid it names, or 0.
 */
export function readPid(file: string): number {
  try {
    const n = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    return Number.isInteger(n) && n > 0 ? n : 0;
  } catch {
    return 0;
  }
}

/**
 * Locates the meshd entry script: `$MESH_MESHD`, else the installed `meshd` package.
 * @param env - environment.
 * @returns a JS file to run with node, or undefined to use `meshd` from PATH.
 */
export function findMeshd(env: NodeJS.ProcessEnv): string | undefined {
  const explicit = env['MESH_MESHD'];
  if (explicit !== undefined && explicit !== '') return path.resolve(explicit);
  try {
    const manifest = createRequire(import.meta.url).resolve('meshd/package.json');
    const bin = path.join(path.dirname(manifest), 'dist', 'index.js');
    if (existsSync(bin)) return bin;
  } catch {
    // not installed beside meshctl
  }
  return undefined;
}

/**
 * Probes the socket with a real `info` call.
 * @param socketPath - IPC socket.
 * @returns the daemon's identity, or undefined when it does not answer.
 */
export async function probe(
  socketPath: string,
): Promise<{ pid: number; node_id: number; address: string; hostname: string } | undefined> {
  try {
    const { connect } = await import('@mesh/client');
    const c = await connect({ socketPath, timeoutMs: 2000 });
    try {
      const info = await c.info();
      return {
        pid: c.ipc.hello.pid,
        node_id: info.node_id,
        address: info.address,
        hostname: info.hostname,
      };
    } finally {
      await c.close();
    }
  } catch {
    return undefined;
  }
}

/**
 * Opens the daemon log for appending (0600).
 * @param file - log file.
 * @returns a file descriptor the child inherits.
 */
export function openLog(file: string): number {
  return openSync(file, 'a', 0o600);
}

/** @param fd - descriptor to close. */
export function closeFd(fd: number): void {
  closeSync(fd);
}

/**
 * @param file - log file.
 * @param lines - how many.
 * @returns the last lines of the log.
 */
export function tailLog(file: string, lines = 5): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
