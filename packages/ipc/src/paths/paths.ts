// Where the daemon keeps its state and its socket: flag → environment → default.
import { homedir } from 'node:os';
import path from 'node:path';

/** The environment variable naming the state directory. */
export const MESH_HOME_ENV = 'MESH_HOME';
/** The environment variable naming the IPC socket. */
export const MESH_SOCKET_ENV = 'MESH_SOCKET';
/** The socket's file name inside the state directory. */
export const SOCKET_FILE_NAME = 'mesh.sock';

/**
 * The state directory: `$MESH_HOME`, else `~/.mesh`.
 * @param env - the environment to read (defaults to `process.env`).
 * @returns an absolute path.
 */
export function meshHome(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env[MESH_HOME_ENV];
  return path.resolve(
    fromEnv !== undefined && fromEnv !== '' ? fromEnv : path.join(homedir(), '.mesh'),
  );
}

/**
 * The IPC socket path: the explicit value, else `$MESH_SOCKET`, else `<MESH_HOME>/mesh.sock`.
 * @param explicit - a `--socket` flag or config value.
 * @param env - the environment to read (defaults to `process.env`).
 * @returns an absolute path.
 */
export function resolveSocketPath(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit !== undefined && explicit !== '') return path.resolve(explicit);
  const fromEnv = env[MESH_SOCKET_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return path.resolve(fromEnv);
  return path.join(meshHome(env), SOCKET_FILE_NAME);
}
